import SpecParser

extension TargetPlanner {
  /// Marks `plan` against the sandbox `record` describes, read through `reader` now (`apply` calls it holding the
  /// sandbox's lock, with the record it read under it): the same marking `plan --target` prints. When `[process]`
  /// changed and the sandbox has a main command, the steps that replace it (``TargetPlan/mainCommand``) end the
  /// command each keeper waits for (``MainCommandSteps/keepers(of:log:reader:)``) and start `spec`'s anew
  /// (``Planner/mainCommandPlan(into:live:)``, its output to `launch`'s log).
  ///
  /// - Throws: ``TargetPlanError/notRunning(_:pid:)`` when its init is gone,
  ///   ``TargetPlanError/otherNamespaces(_:namespace:recorded:live:)`` when it holds other namespaces,
  ///   ``TargetPlanError/mainCommand(_:_:)`` when the new main command cannot be planned.
  public static func plan<Reader: SystemReader>(
    _ plan: Plan, spec: Spec?, launch: LiveLaunch, record: SandboxRecord, reader: Reader
  ) throws(TargetPlanError) -> TargetPlan {
    let files = Array(Set(record.plan.filePaths + plan.filePaths)).sorted()
    let live = LiveObserver(reader: reader).observe(
      record, files: files, paths: Array(Set(record.plan.inPlacePaths + plan.inPlacePaths)).sorted(),
      links: plan.steps.contains { $0.kind == .veth })
    let nextExec = NextExecSteps.read(record, plan: plan, spec: spec, reader: reader)
    let marked = try TargetPlanner(record: record, live: live, nextExec: nextExec).plan(plan)
    guard record.hasMainCommand, marked.replacesMainCommand else { return marked }
    let chain: Plan
    do {
      guard let spec else { throw PlanError.noCommand }
      let target = try LiveTarget.read(record, reader: reader)
      let state = Observer(reader: reader).observe(spec)
      chain = try Planner(spec: spec, state: state).mainCommandPlan(into: target, live: launch)
    } catch { throw .mainCommand(record.name.rawValue, "\(error)") }
    let keepers = MainCommandSteps.keepers(of: record, log: launch.output, reader: reader)
    return try TargetPlanner(record: record, live: live, keepers: keepers, chain: chain).plan(plan)
  }
}
