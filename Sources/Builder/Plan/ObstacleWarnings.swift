import SpecParser

/// Warnings for what stands in the way of a folder `run` would make (see ``HostObstacleReader``), each tied to the
/// step that would fail: the plan's summary leaves such an entry out, as run never makes it.
extension Planner {
  func obstacleWarnings() -> [PlanWarning] {
    var result: [PlanWarning] = []
    for (index, mount) in spec.mounts.enumerated() {
      guard let obstacle = state.obstacles[mount.target] else { continue }
      let at = origin(SpecKeyPath("mounts").index(index))
      result.append(
        PlanWarning(
          Self.message(obstacle, on: "the mount target \(mount.target)"), origin: at,
          explains: StepReference(.mount, origin: at)))
    }
    for (index, file) in spec.files.enumerated() {
      guard let obstacle = state.obstacles[file.path] else { continue }
      let at = origin(SpecKeyPath("files").index(index))
      result.append(
        PlanWarning(Self.message(obstacle, on: file.path), origin: at, explains: StepReference(.file, origin: at)))
    }
    return result
  }

  private static func message(_ obstacle: HostObstacle, on path: String) -> String {
    switch obstacle {
    case .danglingLink(let link, let destination):
      "\(link), on the way to \(path), is a symlink to \(destination), which does not exist: on the host's tree run makes no folder through a symlink (it would be a host path the plan does not name), so it would refuse; make \(destination) first, or name the real path in the spec"
    case .notAFolder(let folder):
      "\(folder), on the way to \(path), is not a folder: run cannot make anything beneath it (ENOTDIR)"
    }
  }
}
