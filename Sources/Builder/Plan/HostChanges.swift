import SpecParser

extension Planner {
  /// The paths `run` would leave changed on the host, as host paths: files and mount points beneath a bind land in
  /// its source folder; on the host's tree, files not already as wanted and mount points that do not exist yet; in a
  /// root folder, every file and mount point; on a tmpfs root, only what lies beneath a bind. Folders made on the way
  /// (`mkdir -p`) are not listed one by one.
  func hostChanges() -> [String] {
    guard spec.unshares(.mount) else { return [] }
    let binds = BindSources(spec.mounts)
    var result: [String] = []
    for file in spec.files {
      // Unchanged, or something else there: run leaves it as it is (in the second case it refuses and fails).
      guard case .create = fileChange(file) else { continue }
      if let host = hostPath(of: file.path, createdAsMountPoint: false, binds: binds) {
        result.append(host)
      }
    }
    for mount in spec.mounts {
      if let host = hostPath(of: mount.target, createdAsMountPoint: true, binds: binds) {
        result.append("mount point " + host)
      }
    }
    return result
  }

  /// Where `path` inside the sandbox lies on the host, when creating it there changes the host; nil when not.
  private func hostPath(of path: String, createdAsMountPoint: Bool, binds: BindSources) -> String? {
    if let (target, source) = binds.deepest(above: path) {
      let rest = path.dropFirst(target == "/" ? 0 : target.count)
      return (source == "/" ? "" : source) + rest
    }
    switch spec.root.kind {
    case .tmpfs: return nil
    case .directory(let directory): return directory + path
    case .host: return createdAsMountPoint && state.hostEntries[path] != nil ? nil : path
    }
  }
}

/// The spec's bind mounts by target, so that the deepest bind above a path is found by looking up the path's
/// ancestors (as many as its depth) instead of testing every mount: `plan` stays linear in the number of mounts.
struct BindSources {
  /// Source by target; with two binds on one target, the first in spec order.
  private var sourceByTarget: [String: String] = [:]

  init(_ mounts: [Mount]) {
    for mount in mounts where mount.kind == .bind {
      if let source = mount.source, sourceByTarget[mount.target] == nil { sourceByTarget[mount.target] = source }
    }
  }

  /// The deepest bind whose target is a proper ancestor of `path` (an absolute, normalised path), if any.
  func deepest(above path: String) -> (target: String, source: String)? {
    var ancestor = Substring(path)
    while ancestor != "/", let slash = ancestor.lastIndex(of: "/") {
      ancestor = slash == ancestor.startIndex ? "/" : ancestor[..<slash]
      if let source = sourceByTarget[String(ancestor)] { return (String(ancestor), source) }
    }
    return nil
  }
}
