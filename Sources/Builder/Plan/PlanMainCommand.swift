import SpecParser

/// `apply` replacing a live sandbox's main command: a running process's arguments, environment, IDs and capabilities
/// cannot be changed from outside (they are set at fork and execve(2)), so the new command is started as `exec`
/// starts one (the joiner enters the namespaces, forks it into the pid namespace, where it takes the spec's
/// `[process]` steps) by a joiner that stays: the keeper. It leaves nsbuild's session and streams (its command
/// writes to the sandbox's log), tells nsbuild the command's pid, waits for it and, when it ends, ends the sandbox as
/// the first main command's end did (SIGTERM to init through a pidfd).
extension Planner {
  /// The slot of the keeper's pidfd of init, apart from the join step's slots (one per namespace at most).
  static let keeperInitSlot = 16

  /// The plan that starts the spec's main command (`[process] args`) anew in `target`, its output to `live`'s log.
  ///
  /// - Throws: ``PlanError/noCommand`` without `[process] args`; ``PlanError/limits(_:)`` as ``plan(command:)``.
  public func mainCommandPlan(into target: LiveTarget, live: LiveLaunch) throws(PlanError) -> Plan {
    guard let args = spec.process.args, !args.isEmpty else { throw PlanError.noCommand }
    let limits = Self.limitProblems(of: spec, host: state.host)
    if !limits.isEmpty { throw PlanError.limits(limits) }
    var steps = [keeperSpawnStep(), keeperDetachStep(target, live), execJoinStep(target), commandForkStep(target)]
    steps += commandSteps(args, fromCommandLine: false).filter { $0.actor != .initProcess }
    steps.append(keeperWaitStep())
    for index in steps.indices { steps[index].id = index + 1 }
    let processes = [
      PlannedProcess(role: .parent),
      PlannedProcess(role: .joiner, forkedBy: steps[0].id, parent: .parent),
      PlannedProcess(role: .command, forkedBy: steps[3].id, parent: .joiner, watchesParent: .lifeline),
    ]
    return Plan(
      steps: steps, warnings: [], hostChanges: [], processes: processes,
      handoffs: [Handoff(.commandStarted, from: .joiner, to: .parent)])
  }

  /// The keeper outlives nsbuild from its fork: it takes no PR_SET_PDEATHSIG, and nsbuild passes it no signal.
  private func keeperSpawnStep() -> Step {
    var step = Step(
      kind: .spawn, actor: .parent, subject: .process(role: .joiner), calls: [.fork], change: .create,
      reason:
        "the keeper stays once nsbuild exits, with the new main command: no PR_SET_PDEATHSIG, and nsbuild's signals are not passed on to it"
    )
    step.label = "fork the keeper"
    return step
  }

  /// Its own session and the sandbox's log, none of nsbuild's fds (its lock on the state folder), and a pidfd of
  /// init, checked against init's start time, to end the sandbox through.
  private func keeperDetachStep(_ target: LiveTarget, _ live: LiveLaunch) -> Step {
    let identity = target.initProcess
    return Step(
      kind: .detach, actor: .joiner, subject: .process(role: .joiner),
      calls: [
        .setsid, .redirectStandardStreams(output: live.output), .closeInheritedDescriptors,
        .pidfdOpen(pid: identity.pid, startTime: identity.startTime, slot: Self.keeperInitSlot),
      ],
      change: .create,
      reason:
        "the keeper outlives nsbuild: its own session, stdin from /dev/null, stdout and stderr to the sandbox's log, no fd of nsbuild's (its lock); a pidfd names init for good once its start time is checked"
    )
  }

  /// Last, once the command ended.
  private func keeperWaitStep() -> Step {
    Step(
      kind: .outlive, actor: .joiner, subject: .process(role: .joiner),
      calls: [.endSandboxAfterCommand(slot: Self.keeperInitSlot)], change: .create,
      reason:
        "the main command's end ends the sandbox, as the first one's did; not when a later apply replaces it (it sends the keeper the handoff signal first)"
    )
  }
}
