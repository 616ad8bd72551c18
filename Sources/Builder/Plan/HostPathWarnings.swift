import SpecParser

extension Planner {
  /// A symlink on the way to a host path that another user could change: `run` opens the path through no symlink,
  /// so it refuses it (ELOOP); said at `plan`, naming the link and what would have to change.
  /// (A dangling link on the host's tree is said by ``obstacleWarnings()``.)
  func hostPathWarnings() -> [PlanWarning] {
    var result: [PlanWarning] = []
    for (index, mount) in spec.mounts.enumerated() {
      let at = origin(SpecKeyPath("mounts").index(index))
      for path in [mount.source].compactMap({ $0 }) + mount.lower {
        if let link = state.hostSources[path]?.untrusted { result.append(warning(path, link, at)) }
      }
      if let link = state.hostTreePaths[mount.target]?.untrusted { result.append(warning(mount.target, link, at)) }
      if let link = state.symlinksBeneathBinds[mount.target] { result.append(beneathBind(mount.target, link, at)) }
    }
    for (index, file) in spec.files.enumerated() {
      let at = origin(SpecKeyPath("files").index(index))
      if let link = state.hostTreePaths[file.path]?.untrusted { result.append(warning(file.path, link, at)) }
      if let link = state.symlinksBeneathBinds[file.path] { result.append(beneathBind(file.path, link, at)) }
    }
    return result
  }

  private func beneathBind(_ path: String, _ link: HostLink, _ at: SourceRange?) -> PlanWarning {
    PlanWarning(
      "\(Self.naming(path, link)) is a symlink inside the bind's source: run follows none beneath a bind, so it will refuse "
        + "this (ELOOP); name the real path instead",
      origin: at)
  }

  private func warning(_ path: String, _ link: HostLink, _ at: SourceRange?) -> PlanWarning {
    PlanWarning(
      Self.untrusted(path, link) + ": run will refuse to follow it (ELOOP); name the real path instead", origin: at)
  }

  /// What is wrong with a symlink ``HostPathResolver`` did not follow: `plan` and `plan --target` say it alike.
  static func untrusted(_ path: String, _ link: HostLink) -> String {
    "\(naming(path, link)) is a symlink another user could change (it or its folder is not owned by root or you, or "
      + "the folder is writable by others)"
  }

  /// `path: link -> destination`, or only `link -> destination` when the link is the path itself.
  static func naming(_ path: String, _ link: HostLink) -> String {
    link.path == path ? link.description : "\(path): \(link)"
  }
}
