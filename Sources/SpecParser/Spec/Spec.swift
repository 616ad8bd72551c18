/// A sandbox spec, version 1: the typed form of a `sandbox.toml`.
///
/// Values only; nothing here touches the system. Paths are absolute and lexically normalised (relative paths in the
/// file are resolved against the spec file's folder). ``origins`` says where in the file each part came from, so a
/// plan step or a runtime error can point back at its line.
public struct Spec: Sendable, Hashable {
  /// The spec format version; only 1 exists.
  public var version: Int
  /// The namespaces to unshare, in the order written (namespaces(7) names).
  public var namespaces: [Namespace]
  /// The existing namespaces to enter (`[namespaces] join`), one per type, in namespaces(7) order (``Namespace``'s).
  public var joins: [NamespaceJoin]
  public var uts: UTS
  public var user: UserMapping
  public var time: TimeOffsets
  public var net: Network
  /// What `/` is.
  public var root: Root
  /// Mounts, in the order written.
  public var mounts: [Mount]
  /// Directories, files and symlinks to create, in the order written.
  public var files: [FileEntry]
  public var process: Process
  /// Where each part of the spec is written, keyed by its key path (``SpecKeyPath``).
  public var origins: SpecOrigins
  /// The values in which a `${NAME}` was replaced (``SpecVariables``), in the order read, for `plan` to show.
  public var substitutions: [SpecSubstitution] = []

  public init(
    version: Int = 1, namespaces: [Namespace] = [], joins: [NamespaceJoin] = [], uts: UTS = UTS(),
    user: UserMapping = UserMapping(),
    time: TimeOffsets = TimeOffsets(), net: Network = Network(), root: Root = Root(), mounts: [Mount] = [],
    files: [FileEntry] = [], process: Process = Process(),
    origins: SpecOrigins = [:]
  ) {
    self.version = version
    self.namespaces = namespaces
    self.joins = joins
    self.uts = uts
    self.user = user
    self.time = time
    self.net = net
    self.root = root
    self.mounts = mounts
    self.files = files
    self.process = process
    self.origins = origins
  }

  /// The same spec with the source positions dropped, for comparing what two specs say.
  public var withoutOrigins: Spec {
    var copy = self
    copy.origins = [:]
    copy.substitutions = []
    return copy
  }

  /// Whether `namespace` is listed in `[namespaces] unshare`.
  public func unshares(_ namespace: Namespace) -> Bool { namespaces.contains(namespace) }

  /// The join of `namespace` in `[namespaces] join`, if any.
  public func join(of namespace: Namespace) -> NamespaceJoin? { joins.first { $0.namespace == namespace } }
}

/// A key path into the spec file, such as `uts.hostname`, `mounts[2].target` or `namespaces.unshare[0]`.
public struct SpecKeyPath: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
  public var description: String

  public init(_ path: String) { description = path }
  public init(stringLiteral value: String) { description = value }

  /// The path of `key` inside this one (`uts` + `hostname` → `uts.hostname`).
  public func appending(_ key: String) -> SpecKeyPath {
    SpecKeyPath(description.isEmpty ? key : description + "." + key)
  }

  /// The path of element `index` of the array at this path (`mounts` + 2 → `mounts[2]`).
  public func index(_ index: Int) -> SpecKeyPath { SpecKeyPath(description + "[" + String(index) + "]") }
}

/// A Linux namespace type, by its namespaces(7) name.
public enum Namespace: String, Sendable, Hashable, CaseIterable, Codable {
  case user, mount, pid, net, ipc, uts, cgroup, time

  /// The name of the namespace's link in `/proc/PID/ns/` (mount is `mnt` there).
  public var procName: String { self == .mount ? "mnt" : rawValue }
}

/// `[uts]`: the names set in a new UTS namespace (uts_namespaces(7)).
public struct UTS: Sendable, Hashable {
  /// The hostname (sethostname(2)); nil keeps the one copied from the parent namespace.
  public var hostname: String?
  /// The NIS domain name (setdomainname(2)); nil keeps the parent's.
  public var domainname: String?

  public init(hostname: String? = nil, domainname: String? = nil) {
    self.hostname = hostname
    self.domainname = domainname
  }
}
