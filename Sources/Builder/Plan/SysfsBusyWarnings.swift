import SpecParser

/// A fresh sysfs the kernel refuses with EBUSY: without a new net namespace, sysfs(5) gives the caller's net
/// namespace's one superblock, and mount(2) refuses to stack a superblock's root on itself (measured on Linux 6.18:
/// `unshare -m mount -t sysfs sysfs /sys` fails "already mounted", while the same at /mnt/sys works, and with a user
/// namespace but no net namespace it is EPERM, which `check` already says). Only mount(2) refuses it: move_mount(2)
/// of a detached sysfs (the new mount API, see ``DetachedMount``) stacks it there, so the warning is for a kernel
/// without that API.
extension Planner {
  func sysfsBusyWarnings() -> [PlanWarning] {
    guard spec.mountsCallersSysfs, state.host.missingMountCall != nil else { return [] }
    let tree = HostMountTree(state.host.mounts)
    var result: [PlanWarning] = []
    for (index, mount) in spec.mounts.enumerated() where mount.kind == .sysfs {
      guard let hostPath = hostPath(of: mount.target),
        let holding = tree.mount(holding: hostPath),
        holding.mountPoint == hostPath, holding.fstype == "sysfs", holding.root == "/"
      else { continue }
      let at = origin(SpecKeyPath("mounts").index(index))
      result.append(
        PlanWarning(
          "the host's sysfs is already mounted on \(hostPath), and without a net namespace a fresh sysfs is that same one: the kernel refuses to mount it there again (EBUSY); add \"net\" to [namespaces] unshare, or bind the host's /sys read-only instead (type = \"bind\", source = \"/sys\", options = [\"ro\"])",
          origin: at, explains: StepReference(.mount, origin: at)))
    }
    return result
  }

  /// Where a sandbox path is on the host before anything is mounted: on the host's tree or in the root folder; nil on
  /// a fresh tmpfs root, where nothing of the host's is mounted.
  private func hostPath(of target: String) -> String? {
    switch spec.root.kind {
    case .host: return target
    case .directory(let folder):
      let real = state.host.realPaths[folder] ?? folder
      return real == "/" ? target : real + target
    case .tmpfs: return nil
    }
  }
}
