/// What a plan lacks that ``Launcher`` needs to start the sandbox's processes: the chain ``Plan/processes`` names
/// starts at nsbuild, each other process is made by a fork step its parent takes, after the one that made that
/// parent, and the last process ends its setup with execve(2). A plan without them would start nothing, or stop a
/// process halfway; it is refused before anything is forked.
public enum LaunchRequirementError: Error, Sendable, Hashable, CustomStringConvertible {
  /// No step of `kind`, or its first is not taken by `actor`.
  case missingStep(Step.Kind, actor: Step.Actor)
  /// The step of `kind` lacks the call it is there for (fork(2), execve(2)).
  case missingCall(Step.Kind, call: String)
  /// The step of `kind` comes before the step of `after`, which must start the process it runs in.
  case outOfOrder(Step.Kind, after: Step.Kind)
  /// The chain has the process `role`, but no step of the plan forks it from a process listed before it.
  case missingFork(Step.Actor)
  /// The plan names no chain of processes starting at nsbuild.
  case noChain

  public var description: String {
    switch self {
    case .missingStep(let kind, let actor):
      "the plan cannot be run: it has no \(kind.rawValue) step taken by \(actor.rawValue)"
    case .missingCall(let kind, let call):
      "the plan cannot be run: its \(kind.rawValue) step makes no \(call) call"
    case .outOfOrder(let kind, let after):
      "the plan cannot be run: its \(kind.rawValue) step comes before its \(after.rawValue) step"
    case .missingFork(let role):
      "the plan cannot be run: no step of it forks its \(role.rawValue) process"
    case .noChain: "the plan cannot be run: it names no processes, or not nsbuild first"
    }
  }
}

/// The checks of a plan's process chain, made before ``Launcher`` forks anything.
enum LaunchRequirements {
  /// The first thing `plan` lacks for a launch, or nil when its chain can be started.
  static func problem(in plan: Plan) -> LaunchRequirementError? {
    guard let root = plan.processes.first, root.role == .parent, root.forkedBy == nil else { return .noChain }
    // The index in the plan of the step that forks each process (nsbuild's: none).
    var forkedAt: [Step.Actor: Int] = [:]
    for process in plan.processes.dropFirst() {
      guard let parent = process.parent, parent == .parent || forkedAt[parent] != nil,
        let index = plan.steps.firstIndex(where: { $0.id == process.forkedBy })
      else { return .missingFork(process.role) }
      let step = plan.steps[index]
      if step.actor != parent { return .missingStep(step.kind, actor: parent) }
      if !step.calls.contains(where: \.startsProcess) { return .missingCall(step.kind, call: Syscall.fork.description) }
      if let above = forkedAt[parent], index < above { return .outOfOrder(step.kind, after: plan.steps[above].kind) }
      forkedAt[process.role] = index
    }
    return execProblem(in: plan, forkedAt: forkedAt) ?? keeperProblem(in: plan, forkedAt: forkedAt)
  }

  /// A keeper (``Handoff/Kind/commandStarted``) ends the sandbox when its command ends: its last step, after the
  /// fork of the command, says so. Without it, nsbuild would leave a main command whose end ends nothing.
  private static func keeperProblem(in plan: Plan, forkedAt: [Step.Actor: Int]) -> LaunchRequirementError? {
    guard let handoff = plan.handoff(.commandStarted) else { return nil }
    let keeper = handoff.from
    guard let index = plan.steps.lastIndex(where: { $0.actor == keeper && $0.kind == .outlive }),
      plan.steps[index].calls.contains(where: Self.endsSandbox)
    else { return .missingStep(.outlive, actor: keeper) }
    guard let command = plan.child(of: keeper)?.role, let fork = forkedAt[command], fork < index else {
      return .outOfOrder(.outlive, after: .spawnCommand)
    }
    return nil
  }

  private static func endsSandbox(_ call: Syscall) -> Bool {
    if case .endSandboxAfterCommand = call { return true }
    return false
  }

  /// The last process of the chain ends its setup with the exec step, after the step that forked it.
  private static func execProblem(in plan: Plan, forkedAt: [Step.Actor: Int]) -> LaunchRequirementError? {
    guard let last = plan.processes.last?.role else { return .noChain }
    // `up` without a command: init, the last process, holds instead of running one.
    if last == .initProcess, let hold = plan.steps.last(where: { $0.kind == .hold }), hold.actor == last,
      hold.calls.contains(.holdUntilSignalled)
    {
      return nil
    }
    guard let index = plan.steps.firstIndex(where: { $0.kind == .exec }), plan.steps[index].actor == last else {
      return .missingStep(.exec, actor: last)
    }
    if !plan.steps[index].calls.contains(where: Self.isExecve) { return .missingCall(.exec, call: "execve()") }
    if let above = forkedAt[last], index < above { return .outOfOrder(.exec, after: plan.steps[above].kind) }
    return nil
  }

  private static func isExecve(_ call: Syscall) -> Bool {
    if case .execve = call { return true }
    return false
  }
}
