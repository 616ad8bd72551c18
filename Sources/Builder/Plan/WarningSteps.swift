extension Planner {
  /// Ties each warning that foresees a step's failure to that step (see ``PlanWarning/explains``), once the steps
  /// are numbered, so that `run` repeats the cause `plan` already knew when the step fails.
  static func tie(_ warnings: [PlanWarning], to steps: [Step]) -> [PlanWarning] {
    warnings.map { warning in
      guard let reference = warning.explains else { return warning }
      var tied = warning
      tied.stepIDs = steps.filter(reference.matches).map(\.id)
      return tied
    }
  }
}
