import SpecParser

extension TargetPlanner {
  /// `entry` marked `!` when a step of it would reach its path, or a mount's host source (``refusedSources``),
  /// through a symlink `run`'s rule does not follow
  /// (``LiveSandbox/paths``: one the sandbox or another user could change, or one that dangles): each in-place step
  /// looks the path up through no symlink, so `apply` would fail there (ELOOP); it refuses the plan before any step
  /// instead, as `plan` warns of such a link on the host's tree.
  func refusingLinks(_ entry: TargetPlan.Entry) -> TargetPlan.Entry {
    guard !entry.apply.isEmpty, let reason = refusedLink(entry.step.subject) else { return entry }
    var blocked = TargetPlan.Entry(
      step: entry.step, action: .blocked(reason: reason), restores: entry.restores,
      note: "apply refuses before it takes any step: nsbuild follows no symlink another user could change, as "
        + "`up` refuses it; put the real folder back, or name the real path in the spec")
    blocked.step.change = entry.step.change
    return blocked
  }

  /// Why the path of `subject` cannot be reached in place: a mount's target, a `[[files]]` entry's folder.
  private func refusedLink(_ subject: Step.Subject) -> String? {
    if case .mountTarget(let target) = subject, let reason = refusedSources[target] { return reason }
    var path: String?
    if case .mountTarget(let target) = subject { path = target }
    if case .file(let file) = subject { path = AbsolutePath.parent(of: file) ?? "/" }
    guard let path, let place = live.paths[path] else { return nil }
    if let link = place.untrusted {
      return Planner.untrusted(path, link) + ": apply will refuse to follow it (ELOOP)"
    }
    if let link = place.dangling {
      return "\(Planner.naming(path, link)) is a symlink whose destination does not exist: apply follows it not, "
        + "nor makes what it names (ELOOP)"
    }
    return nil
  }
}
