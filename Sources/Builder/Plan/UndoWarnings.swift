import SpecParser

extension Planner {
  /// Where a failed run cannot take back exactly what it made (see ``ObservedState/withoutBirthTimes``).
  func undoWarnings() -> [PlanWarning] {
    let paths = state.withoutBirthTimes
    guard !paths.isEmpty else { return [] }
    let shown = paths.prefix(5).joined(separator: ", ") + (paths.count > 5 ? " and \(paths.count - 5) more" : "")
    return [
      PlanWarning(
        "if run fails before the command starts, it leaves what it made at \(shown): the file system there keeps no "
          + "birth times (statx(2) STATX_BTIME), so nsbuild cannot tell what it made from what took its place since")
    ]
  }
}
