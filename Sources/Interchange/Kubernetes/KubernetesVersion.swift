/// A Kubernetes minor release (`1.33`), which decides the Pod fields an export may use.
public struct KubernetesVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
  public var major: Int
  public var minor: Int

  public init(major: Int, minor: Int) {
    self.major = major
    self.minor = minor
  }

  /// Reads `1.33`, `v1.33` or `1.33.2` (the patch release changes no field); nil for anything else.
  public init?(_ text: String) {
    let parts = (text.hasPrefix("v") ? text.dropFirst() : Substring(text)).split(
      separator: ".", omittingEmptySubsequences: false)
    guard (2...3).contains(parts.count), let major = Int(parts[0]), major == 1, let minor = Int(parts[1]),
      minor >= 0, minor < 1000, parts.count == 2 || Int(parts[2]) != nil
    else { return nil }
    self.init(major: major, minor: minor)
  }

  /// The release an export targets without `--kube-version`: the first where user namespaces are on by default.
  public static let standard = KubernetesVersion(major: 1, minor: 33)

  public var description: String { "\(major).\(minor)" }

  public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.major, lhs.minor) < (rhs.major, rhs.minor) }
}

/// The feature gates of the Pod fields an export uses, with their stages per release as Kubernetes' own table
/// (pkg/features/kube_features.go, "versioned feature gates") gives them.
public enum KubernetesFeature: String, Sendable, Hashable, CaseIterable {
  /// `spec.hostUsers` (KEP-127): alpha in 1.25 (named UserNamespacesStatelessPodsSupport until 1.27), beta off by
  /// default in 1.30, beta on by default in 1.33.
  case UserNamespacesSupport
  /// `volumeMounts[].recursiveReadOnly` (KEP-3857): alpha in 1.30, beta on by default in 1.31, GA in 1.33.
  case RecursiveReadOnlyMounts
  /// `emptyDir.sizeLimit` bounding a `medium: Memory` tmpfs (KEP-1967): alpha in 1.20, beta on by default in
  /// 1.22, GA in 1.32. Before, the tmpfs could grow to the node's allocatable memory.
  case SizeMemoryBackedVolumes

  /// Where a feature stands in one release.
  public enum Stage: Sendable, Hashable {
    /// The API has no field for it: the validator refuses it and an API server drops it.
    case absent
    /// The field exists but an API server drops it unless the gate is turned on (alpha, or beta off by default).
    case offByDefault(String)
    /// On by default (beta) or always (GA).
    case onByDefault
  }

  /// The stage of the feature in `version`; a major version past 1 counts as on.
  public func stage(in version: KubernetesVersion) -> Stage {
    let (alpha, betaOff, on): (Int, Int?, Int) =
      switch self {
      case .UserNamespacesSupport: (25, 30, 33)
      case .RecursiveReadOnlyMounts: (30, nil, 31)
      case .SizeMemoryBackedVolumes: (20, nil, 22)
      }
    guard version.major == 1 else { return version.major > 1 ? .onByDefault : .absent }
    if version.minor >= on { return .onByDefault }
    if let betaOff, version.minor >= betaOff { return .offByDefault("beta, off by default in \(version)") }
    if version.minor >= alpha { return .offByDefault("alpha in \(version)") }
    return .absent
  }
}
