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
}

/// What `check` and `plan` can foresee of `run`: failures that would come only after the sandbox is built, or that
/// cannot work for this caller at all, said before anything is made.
extension Planner {
  /// Where `[process] cwd` lands (see ``WorkingDirectoryPlace``).
  public static func workingDirectoryPlace(of spec: Spec) -> WorkingDirectoryPlace {
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

  /// The warnings of this file; those marked ``PlanWarning/stopsRun`` make `run` refuse before anything is made.
  func predictionWarnings() -> [PlanWarning] {
    var result: [PlanWarning] = []
    if let needsRoot = needsRootWarning() { result.append(needsRoot) }
    if let cwd = workingDirectoryWarning() { result.append(cwd) }
    if spec.unshares(.user), mayActAsHostRoot {
      result.append(
        PlanWarning(
          "this user namespace maps host uid 0 in (as root, the default map makes the caller 0 inside): whoever has that uid inside is host root for every file and setting the kernel checks by uid alone; map only unprivileged IDs outside",
          origin: origin("user.uid_map") ?? origin("namespaces.unshare")))
    }
    return result
  }

  /// Without a user namespace, unshare(2) of any namespace needs CAP_SYS_ADMIN; said when the caller's effective
  /// set was read and lacks it. A joined user namespace grants it there (its own warnings say when it cannot be
  /// joined).
  private func needsRootWarning() -> PlanWarning? {
    guard !spec.unshares(.user), spec.join(of: .user) == nil, !spec.namespaces.isEmpty, !state.isPrivileged,
      state.host.effectiveCapabilities.map({ $0 & (1 << 21) == 0 }) ?? false
    else { return nil }
    return PlanWarning(
      "this spec needs root: without a user namespace, unshare(2) needs CAP_SYS_ADMIN, which uid \(state.euid) does not have; run it as root, or add \"user\" to [namespaces] unshare",
      origin: origin("namespaces.unshare"), stopsRun: true)
  }

  /// A `cwd` that cannot exist in the sandbox: chdir(2) would fail only once everything is built.
  private func workingDirectoryWarning() -> PlanWarning? {
    let cwd = spec.process.cwd ?? "/"
    let missing: String
    switch Self.workingDirectoryPlace(of: spec) {
    case .made, .unknown: return nil
    case .absent: missing = "it would be on a fresh tmpfs, and no mount point or [[files]] folder makes it"
    case .beneath(let tree, let path):
      guard state.workingDirectoryExists == false else { return nil }
      missing = tree == "/" ? "\(path) is not a folder on the host" : "\(path) is not a folder in \(tree) on the host"
    }
    return PlanWarning(
      "the working directory \(cwd) does not exist in the sandbox: \(missing), so chdir(2) would fail (ENOENT) after everything is built",
      origin: origin("process.cwd"), stopsRun: true)
  }
}
