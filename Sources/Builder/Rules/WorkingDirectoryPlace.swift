import SpecParser

/// Where the command's working directory will be, as far as the spec and the host tell before anything is made.
public enum WorkingDirectoryPlace: Sendable, Hashable {
  /// `/`, or made by a `[[files]]` folder or a mount point at or beneath it.
  case made
  /// On a fresh tmpfs (the root or a mount) that nothing makes it on: it cannot exist.
  case absent
  /// At `path` beneath the host folder `tree` (the host's `/`, a root folder, or a bind's source): it exists when
  /// that does, which ``ObservedState/workingDirectoryExists`` says.
  case beneath(tree: String, path: String)
  /// On a filesystem the kernel fills (proc, sysfs, a minimal /dev) or an overlay: not predicted.
  case unknown

  /// Where `[process] cwd` lands: a rule over the spec alone, which the observer follows to read the host (see
  /// ``ObservedState/workingDirectoryExists``) and the planner to warn.
  public init(of spec: Spec) {
    self = Self.place(of: spec)
  }

  private static func place(of spec: Spec) -> WorkingDirectoryPlace {
    let cwd = spec.process.cwd ?? "/"
    guard cwd != "/" else { return .made }
    guard spec.unshares(.mount) else { return .beneath(tree: "/", path: cwd) }
    // A [[files]] symlink on the way leads where the host does not tell.
    let above = AbsolutePath.ancestors(of: cwd).map(String.init) + [cwd]
    if spec.files.contains(where: { $0.kind == .symlink && above.contains($0.path) }) { return .unknown }
    // mkdir -p makes every folder above a [[files]] entry or a mount point, and a folder entry itself.
    let makes = { (path: String) in AbsolutePath.isBeneath(path, cwd) }
    if spec.files.contains(where: { makes($0.path) || ($0.path == cwd && $0.kind == .dir) })
      || spec.mounts.contains(where: { makes($0.target) || $0.target == cwd })
    {
      return .made
    }
    if let (target, mount) = MountsByTarget(spec.mounts).deepest(above: cwd) {
      switch mount.kind {
      case .bind: return .beneath(tree: mount.source ?? "/", path: String(AbsolutePath.rest(of: cwd, in: target)))
      case .tmpfs, .devpts, .mqueue: return .absent
      case .proc, .sysfs, .dev, .overlay: return .unknown
      }
    }
    switch spec.root.kind {
    case .host: return .beneath(tree: "/", path: cwd)
    case .directory(let directory): return .beneath(tree: directory, path: cwd)
    case .tmpfs: return .absent
    }
  }
}
