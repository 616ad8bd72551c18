import SpecParser

/// Propagation (mount_namespaces(7)) that cannot work as written. nsbuild makes the whole tree private or slave
/// before its first mount, so nothing the sandbox mounts ever reaches the host; what can work is host → sandbox:
/// under `[root] propagation = "slave"`, on a host tree that is shared, a mount made on the host beneath a bind's
/// source appears in the sandbox (measured in every combination; see the README).
extension Planner {
  /// What follows from the spec alone, so `check` says it too.
  static func propagationWarnings(for spec: Spec) -> [PlanWarning] {
    var result: [PlanWarning] = []
    let root = spec.root.propagation
    for (index, mount) in spec.mounts.enumerated() {
      // Looked up only for a mount that is warned of: most mounts set no propagation.
      guard mount.propagation != nil else { continue }
      let at = spec.origins.origin("mounts", index, ".propagation") ?? spec.origins.origin("mounts", index)
      switch mount.propagation {
      case .shared:
        result.append(
          PlanWarning(
            "propagation = \"shared\" on \(mount.target) reaches nothing on the host: the whole tree is made \(root.rawValue) before the first mount, so this mount starts a peer group of its own, and what is mounted beneath it reaches only its copies in mount namespaces the command makes"
              + (root == .slave ? "" : " (host mounts reach a bind only under [root] propagation = \"slave\")"),
            origin: at))
      case .slave where mount.kind != .bind:
        result.append(
          PlanWarning(
            "propagation = \"slave\" on a fresh \(mount.kind.rawValue) receives nothing: nothing else mounts it, so it has no master and the kernel makes it private",
            origin: at))
      case .slave where root == .private:
        result.append(
          PlanWarning(
            "propagation = \"slave\" on \(mount.target) receives nothing under [root] propagation = \"private\": the bind's source is private by then, so it has no master and the kernel makes it private; with [root] propagation = \"slave\", host mounts beneath the source appear here",
            origin: at))
      case .slave, .private, .unbindable, nil: break
      }
    }
    return result
  }

  /// `[root] propagation = "slave"` follows the host only where the host's mounts are shared (or slaves
  /// themselves): where the mount holding the root or a bind's source is private, nothing comes.
  func hostPropagationWarnings() -> [PlanWarning] {
    guard spec.root.propagation == .slave, !state.host.mounts.isEmpty else { return [] }
    let tree = HostMountTree(state.host.mounts)
    var paths: [String] = []
    switch spec.root.kind {
    case .host: paths.append("/")
    case .directory(let folder): paths.append(folder)
    case .tmpfs: break
    }
    paths += spec.mounts.compactMap { $0.kind == .bind ? $0.source : nil }
    let isolated = paths.filter { path in
      guard let mount = tree.mount(holding: state.host.realPaths[path] ?? path) else { return false }
      return mount.peerGroup == nil && mount.masterGroup == nil
    }
    guard !isolated.isEmpty else { return [] }
    let named =
      isolated.prefix(3).joined(separator: ", ") + (isolated.count > 3 ? " and \(isolated.count - 3) more" : "")
    return [
      PlanWarning(
        "[root] propagation = \"slave\" brings nothing from the host beneath \(named): the host mounts holding them are private here (neither shared: nor master: in /proc/self/mountinfo), so there is nothing to follow",
        origin: origin("root.propagation"))
    ]
  }
}
