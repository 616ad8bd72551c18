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
      record, files: files, paths: Array(Set(record.plan.inPlacePaths + plan.inPlacePaths + files)).sorted(),
      links: plan.steps.contains { $0.kind == .veth })
    let nextExec = NextExecSteps.read(record, plan: plan, spec: spec, reader: reader)
    var planner = TargetPlanner(record: record, live: live, nextExec: nextExec)
    planner.refusedSources = refusedSources(spec, reader: reader)
    let marked = try planner.plan(plan)
    guard record.hasMainCommand, marked.replacesMainCommand else { return marked }
    let chain: Plan
    do {
      guard let spec else { throw PlanError.noCommand }
      let target = try LiveTarget.read(record, reader: reader)
      let state = Observer(reader: reader).observe(spec)
      chain = try Planner(spec: spec, state: state).mainCommandPlan(into: target, live: launch)
    } catch { throw .mainCommand(record.name.rawValue, "\(error)") }
    let keepers = MainCommandSteps.keepers(of: record, log: launch.output, reader: reader)
    var replacing = TargetPlanner(record: record, live: live, keepers: keepers, chain: chain)
    replacing.refusedSources = planner.refusedSources
    return try replacing.plan(plan)
  }

  /// The mounts of `spec` whose host paths `run` (and an in-place step) would refuse, by target, with why: each
  /// bind source and overlay lower folder resolved on the host as `plan` resolves them.
  static func refusedSources<Reader: SystemReader>(_ spec: Spec?, reader: Reader) -> [String: String] {
    guard let spec else { return [:] }
    let sources = HostPathResolver(reader: reader, caller: [reader.realUserID(), reader.effectiveUserID()])
      .readSources(for: spec)
    var refused: [String: String] = [:]
    for mount in spec.mounts {
      for path in [mount.source].compactMap({ $0 }) + mount.lower {
        guard refused[mount.target] == nil, let link = sources[path]?.untrusted else { continue }
        refused[mount.target] = Planner.untrusted(path, link) + ": apply will refuse to follow it (ELOOP)"
      }
    }
    return refused
  }
}
