import SpecParser

extension Planner {
  /// The paths `run` would leave changed on the host, as host paths: files and mount points beneath a bind land in
  /// its source folder; on the host's tree, files not already as wanted and mount points that do not exist yet; in a
  /// root folder, every file and mount point; on a tmpfs root, only what lies beneath a bind. Folders made on the way
  /// (`mkdir -p`) are not listed one by one.
  func hostChanges() -> [String] {
    guard spec.unshares(.mount) else { return [] }
    let mounts = MountsByTarget(spec.mounts)
    var result: [String] = []
    for file in spec.files {
      // Unchanged, or something else there: run leaves it as it is (in the second case it refuses and fails).
      guard case .create = fileChange(file) else { continue }
      if let host = hostPath(of: file.path, createdAsMountPoint: false, mounts: mounts) {
        result.append(host)
      }
    }
    for mount in spec.mounts {
      if let host = hostPath(of: mount.target, createdAsMountPoint: true, mounts: mounts) {
        result.append("mount point " + host)
      }
    }
    // Two mounts on one target make one mount point.
    var seen: Set<String> = []
    return result.filter { seen.insert($0).inserted }
  }

  /// Where `path` inside the sandbox lies on the host, when creating it there changes the host; nil when not.
  private func hostPath(of path: String, createdAsMountPoint: Bool, mounts: MountsByTarget) -> String? {
    if let (target, mount) = mounts.deepest(above: path) {
      // Beneath a bind: in its source folder. Beneath an overlay with an upper folder: in that folder. Beneath any
      // other mount (a tmpfs, proc, a minimal /dev): on that mount, which goes with the sandbox.
      let source: String
      switch (mount.kind, mount.upper) {
      case (.bind, _): source = mount.source ?? "/"
      case (.overlay, .directories(let upper, _)): source = upper
      default: return nil
      }
      let rest = path.dropFirst(target == "/" ? 0 : target.count)
      return (source == "/" ? "" : source) + rest
    }
    switch spec.root.kind {
    case .tmpfs: return nil
    case .directory(let directory):
      return createdAsMountPoint && state.hostEntries[path] != nil
        ? nil : directory + (state.inRootDestinations[path] ?? path)
    case .host: return createdAsMountPoint && state.hostEntries[path] != nil ? nil : path
    }
  }
}

/// The spec's mounts by target, so that the deepest mount above a path is found by looking up the path's ancestors
/// (as many as its depth) instead of testing every mount: `plan` stays linear in the number of mounts.
struct MountsByTarget {
  /// The mount by target; with two on one target, the last in spec order (the one on top).
  private var mountByTarget: [String: Mount] = [:]

  init(_ mounts: [Mount]) {
    for mount in mounts { mountByTarget[mount.target] = mount }
  }

  /// The deepest mount whose target is a proper ancestor of `path` (an absolute, normalised path), if any.
  func deepest(above path: String) -> (target: String, mount: Mount)? {
    for ancestor in SetupOrder.ancestors(of: path).reversed() {
      if let mount = mountByTarget[String(ancestor)] { return (String(ancestor), mount) }
    }
    return nil
  }
}
