import SpecParser

/// The `[process]` steps the next `nsbuild exec` takes in a sandbox that has no main command, for the spec as the
/// last `up` or `apply` read it (``SandboxRecord/specSource``) and for the spec now. Such a sandbox's plan has no
/// command steps, so only these show a `[process]` change (capabilities, ids, env, umask, cwd, no_new_privs,
/// rlimits, session); nothing running is changed by it, since each `exec` takes the settings at fork and
/// execve(2): ``TargetPlanner`` marks each step that differs `~` for the next `exec` (``TargetPlan/Entry/forNextExec``).
public struct NextExecSteps: Sendable, Hashable {
  /// The command's steps for the spec as last applied.
  public var old: [Step]
  /// The command's steps for the spec now.
  public var new: [Step]

  public init(old: [Step], new: [Step]) {
    self.old = old
    self.new = new
  }

  /// The steps the command of `exec` takes itself (``Planner/execPlan(into:command:)`` plans them so) for `spec`,
  /// for a command given after `--`: a spec without a main command names none.
  public static func steps(of spec: Spec, state: ObservedState) -> [Step] {
    Planner(spec: spec, state: state).commandSteps(["COMMAND"], fromCommandLine: true).filter { $0.actor == .command }
      .map { step in
        guard step.kind == .exec else { return step }
        var step = step
        step.label = "execve(2) the command `exec` is given, with the spec's environment"
        return step
      }
  }

  /// For the sandbox `record` describes, when it has no main command and neither has `plan`: the steps of the
  /// spec it recorded (nil when it keeps no spec text) and of `spec`, each observed on the host as `plan` observes.
  static func read<Reader: SystemReader>(_ record: SandboxRecord, plan: Plan, spec: Spec?, reader: Reader)
    -> NextExecSteps?
  {
    guard !record.hasMainCommand, !plan.steps.contains(where: { $0.kind == .exec }), let spec,
      let old = RecordedSpec.recordedLoad(record, reader: reader)?.check.spec
    else { return nil }
    let observer = Observer(reader: reader)
    return NextExecSteps(
      old: steps(of: old, state: observer.observe(old)), new: steps(of: spec, state: observer.observe(spec)))
  }
}
