import SpecParser

/// Warnings about host mounts beneath a spec's host folders that the sandbox will not show, read from the caller's
/// mountinfo: an overlay takes each layer's own file system, never what is mounted on it.
///
/// A bind shows every mount beneath its source: nsbuild's binds are recursive (MS_REC), which copies locked mounts
/// (those a user namespace inherited) too, and the tree is made private or slave before the first mount, which on
/// Linux 6.18 also clears `unbindable` (measured: an unbindable tmpfs beneath a source shows in the sandbox). Mounts
/// of other mount namespaces are in none of the caller's folders, so there is nothing of theirs to show.
extension Planner {
  func hiddenSubmountWarnings() -> [PlanWarning] {
    let tree = HostMountTree(state.host.mounts)
    var result: [PlanWarning] = []
    for (index, mount) in spec.mounts.enumerated() where mount.kind == .overlay {
      var layers = mount.lower
      if case .directories(let upper, _) = mount.upper { layers.append(upper) }
      for layer in layers {
        let real = state.host.realPaths[layer] ?? layer
        var hidden = tree.submounts(beneath: real).map { "\($0.mountPoint) (\($0.fstype))" }
        // On the host's tree the spec's own mounts beneath a layer are host paths too, and just as absent from it.
        if case .host = spec.root.kind {
          hidden += spec.mounts.filter { AbsolutePath.isBeneath($0.target, real) }.map {
            "\($0.target) (\($0.kind.rawValue), of this spec)"
          }
        }
        guard !hidden.isEmpty else { continue }
        result.append(
          PlanWarning(
            "mounted beneath the overlay layer \(layer): \(Self.list(hidden)); the overlay on \(mount.target) shows the folders beneath them on the layer's own file system instead (overlayfs takes a layer's file system, not the mounts on it)",
            origin: origin(SpecKeyPath("mounts").index(index))))
      }
    }
    return result
  }

  /// `/a (tmpfs), /b (proc) and 3 more`.
  static func list(_ mounts: [String]) -> String {
    let named = mounts.prefix(3).joined(separator: ", ")
    return mounts.count > 3 ? named + " and \(mounts.count - 3) more" : named
  }
}
