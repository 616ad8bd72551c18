import SpecParser

/// `exec`: a command in a live sandbox, with the spec's `[process]` settings. nsbuild forks the joiner, which enters
/// the sandbox's namespaces (setns(2): through a pidfd with every flag at once where the kernel has it, Linux 5.8;
/// else one `/proc/PID/ns` file at a time, the user namespace first and the mount namespace last, every file opened
/// before the first setns) and forks the command, which a joined pid namespace takes in (it applies to children
/// only). The command then takes `run`'s own steps (session, limits, IDs, capabilities, no_new_privs, umask, cwd)
/// and execve(2)s. Nothing of the sandbox's setup is taken again: it stands.
extension Planner {
  /// The plan `exec` carries out in `target` for `command` (the spec's `[process] args` when nil). With
  /// `terminal` (`exec -t`), the command gets a pseudo-terminal of its own, as `run -t` gives one: opened by nsbuild,
  /// taken as fds 0, 1 and 2 by the joiner, made the command's controlling terminal, relayed by nsbuild.
  ///
  /// - Throws: ``PlanError/noCommand`` when there is no command to run; ``PlanError/limits(_:)`` as ``plan(command:)``.
  public func execPlan(into target: LiveTarget, command: [String]? = nil, terminal: Bool = false) throws(PlanError)
    -> Plan
  {
    guard let args = command ?? spec.process.args, !args.isEmpty else { throw PlanError.noCommand }
    let limits = Self.limitProblems(of: spec, host: state.host)
    if !limits.isEmpty { throw PlanError.limits(limits) }
    var steps =
      (terminal ? [terminalStep()] : []) + [
        joinerSpawnStep(terminal: terminal), execJoinStep(target), commandForkStep(target, terminal: terminal),
      ]
    // The command's own steps as `run` plans them; init's (its fork of the command, its environment) are the
    // joiner's fork here.
    steps += commandSteps(args, fromCommandLine: command != nil, terminal: terminal).filter {
      $0.actor != .initProcess
    }
    if terminal { steps.append(relayStep()) }
    for index in steps.indices { steps[index].id = index + 1 }
    let spawn = steps.first { $0.kind == .spawn }?.id
    let fork = steps.first { $0.kind == .spawnCommand }?.id
    let processes = [
      PlannedProcess(role: .parent),
      PlannedProcess(role: .joiner, forkedBy: spawn, parent: .parent),
      // In a joined pid namespace getppid(2) reads 0: the command watches a lifeline instead.
      PlannedProcess(role: .command, forkedBy: fork, parent: .joiner, watchesParent: .lifeline),
    ]
    return Plan(steps: steps, warnings: [], hostChanges: [], processes: processes, handoffs: [])
  }

  /// With `die_with_parent`, nsbuild first ties itself to its own parent, as for `run`.
  /// With `terminal`, SIGWINCH is not passed on and the joiner takes the replica as fds 0, 1 and 2 (as `run`'s
  /// sandbox process does).
  private func joinerSpawnStep(terminal: Bool) -> Step {
    let own: [Syscall] = spec.process.dieWithParent ? [.setParentDeathSignal(signal: 9), .checkParent] : []
    let forwarded = terminal ? Self.forwardedSignals.filter { $0 != 28 } : Self.forwardedSignals
    var step = Step(
      kind: .spawn, actor: .parent, subject: .process(role: .joiner),
      calls: own + [.fork, .setParentDeathSignal(signal: 9), .checkParent, .forwardSignals(signals: forwarded)]
        + (terminal ? [.useTerminalReplica] : []),
      change: .create, reason: "the joiner dies with nsbuild (PR_SET_PDEATHSIG); signals to nsbuild reach the command",
      origin: origin("process.die_with_parent"))
    step.label = "fork the joiner"
    return step
  }

  /// The joiner's setns(2) calls into `target`'s namespaces.
  func execJoinStep(_ target: LiveTarget) -> Step {
    let flags = target.namespaces.reduce(into: CloneFlags()) { $0.insert(CloneFlags($1)) }
    let identity = target.initProcess
    let calls: [Syscall]
    let reason: String
    if target.setnsTakesPidfd {
      calls = [
        .pidfdOpen(pid: identity.pid, startTime: identity.startTime, slot: 0), .setns(slot: 0, namespaces: flags),
      ]
      reason = "a pidfd names the init for good once its start time is checked; setns(2) enters every namespace at once"
    } else {
      let ordered = Self.joinOrder(target.namespaces)
      let file = NamespaceFile.process(pid: identity.pid, startTime: identity.startTime)
      calls =
        ordered.enumerated().map { .openNamespace(namespace: $1, file: file, slot: $0) }
        + ordered.enumerated().map { .setns(slot: $0, namespaces: CloneFlags($1)) }
      reason =
        "no setns(2) with a pidfd before Linux 5.8: every file opened first, each checked against the init's start time, then the user namespace entered first and the mount namespace last"
    }
    return Step(
      kind: .join, actor: .joiner, subject: .joinedNamespaces(flags: flags), calls: calls,
      change: .create, reason: reason)
  }

  /// The joiner forks the command into the joined pid (and time) namespace.
  func commandForkStep(_ target: LiveTarget, terminal: Bool = false) -> Step {
    let entering = [Namespace.pid, .time].filter(target.namespaces.contains)
    return Step(
      kind: .spawnCommand, actor: .joiner, subject: .process(role: .command),
      calls: [
        .cloneVM, .setParentDeathSignal(signal: 9), .checkParent,
        .forwardSignals(signals: Self.forwardedSignals, toGroup: spec.process.newSession || terminal),
      ],
      change: .create,
      reason: entering.isEmpty
        ? "the joiner stays to report the command's status"
        : "the joined \(entering.map(\.rawValue).joined(separator: " and ")) namespace applies to children only")
  }
}
