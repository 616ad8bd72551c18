import SpecParser

/// What `check` and `plan` can foresee of `run`: failures that would come only after the sandbox is built, or that
/// cannot work for this caller at all, said before anything is made.
extension Planner {
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
    switch WorkingDirectoryPlace(of: spec) {
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
