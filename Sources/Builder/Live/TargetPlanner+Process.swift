import SpecParser

/// `[process]` changes in a target plan: with a main command they replace it (``MainCommandSteps``); without one they
/// are `~` for the next `exec` only.
extension TargetPlanner {
  /// What `apply` says of a `[process]` change in a sandbox without a main command.
  public static let nextExecNote =
    "applies to the next `exec`; nothing running is changed (a process takes its [process] settings at fork and "
    + "execve(2)): apply takes no step and only records the spec"

  /// A `~` for each `[process]` step of the next `exec` (``nextExec``) that differs from the one as last applied,
  /// numbered from `first` on (ids name a step once in the JSON); none when nothing differs.
  func nextExecEntries(numberedFrom first: Int) -> [TargetPlan.Entry] {
    guard let nextExec else { return [] }
    let (old, new) = (nextExec.old, nextExec.new)
    let pairs = PlanDiff.Alignment.align(old.map(PlanDiff.key), new.map(PlanDiff.key))
    var next = first
    return pairs.compactMap { pair -> TargetPlan.Entry? in
      var step: Step
      switch pair {
      case .matched(let before, let after):
        guard PlanDiff.content(old[before]) != PlanDiff.content(new[after]) else { return nil }
        step = new[after]
        step.change = .modify(before: old[before].title, after: new[after].title)
      case .added(let after):
        step = new[after]
        step.change = .modify(before: "absent", after: step.title)
      case .removed(let before):
        // The spec as last applied had it: its line is not in this file.
        step = old[before]
        step.origin = nil
        step.change = .modify(before: step.title, after: "absent")
      }
      step.id = next
      next += 1
      var entry = TargetPlan.Entry(step: step, action: .inPlace, note: Self.nextExecNote)
      entry.forNextExec = true
      return entry
    }
  }

  /// The steps that replace the main command, when an entry marks it `-/+` and the chain was planned.
  func mainCommand(_ entries: [TargetPlan.Entry]) -> MainCommandSteps? {
    guard let chain, let first = entries.first(where: { $0.action == .replace(Replacement(.process)) }) else {
      return nil
    }
    let check = MainCommandSteps.programCheck(chain, inside: record.initProcess)
    return MainCommandSteps(
      ending: (check.map { [$0] } ?? []) + MainCommandSteps.ending(keepers, origin: first.step.origin), chain: chain)
  }

  /// A `[process]` change with a main command running: the entry says how `apply` replaces that process. The `exec`
  /// step is marked so too while the record says an earlier nsbuild's apply left the main command on settings it
  /// was not started with.
  func mainCommandNoted(_ entry: TargetPlan.Entry) -> TargetPlan.Entry {
    guard record.hasMainCommand, !entry.isSetup else { return entry }
    var entry = entry
    if entry.step.kind == .exec, entry.action == .unchanged, record.mainCommandOutdated == true {
      entry.action = .replace(Replacement(.process))
      entry.step.change = .modify(before: "started with earlier [process] settings", after: "as the spec says")
    }
    guard entry.action == .replace(Replacement(.process)) else { return entry }
    entry.note = Self.mainCommandReplaced
    return entry
  }
}
