import SpecParser

/// Turns a spec and the current state into the ordered steps `run` takes. Pure: it reads its arguments only.
///
/// The order is fixed here, in one place, because the kernel dictates it:
/// 1. fork the sandbox process, which enters the namespaces `[namespaces] join` names (setns(2), see `joinSteps`)
///    and unshares every other namespace in one unshare(2);
/// 2. from the parent: setgroups, then uid_map, then gid_map (user_namespaces(7): setgroups must be denied before an
///    unprivileged gid_map), then timens_offsets (time_namespaces(7): before any process enters);
/// 3. fork into the new pid and time namespaces (they apply to children only);
/// 4. make the mount tree private before the first mount, so nothing propagates to the host;
/// 5. hostname and domainname; 6. mounts, in spec order; 7. exec the command.
public struct Planner: Sendable {
  public let spec: Spec
  public let state: ObservedState

  public init(spec: Spec, state: ObservedState) {
    self.spec = spec
    self.state = state
  }

  /// The plan for `command` (the spec's `[process] args` when nil). With `live` (`up`), the sandbox outlives
  /// nsbuild (see ``LiveLaunch``), and the command is optional: without one, init holds the namespaces.
  ///
  /// - Throws: ``PlanError`` when there is no command to run (and no `live`).
  public func plan(command: [String]? = nil, live: LiveLaunch? = nil) throws(PlanError) -> Plan {
    // `up`'s sandbox has no terminal: its streams go to its log.
    if live != nil, spec.process.terminal {
      var detached = spec
      detached.process.terminal = false
      return try Planner(spec: detached, state: state).plan(command: command, live: live)
    }
    let args = (command ?? spec.process.args).flatMap { $0.isEmpty ? nil : $0 }
    if args == nil, live == nil { throw PlanError.noCommand }
    let limits = Self.limitProblems(of: spec, host: state.host)
    if !limits.isEmpty { throw PlanError.limits(limits) }
    let terminal = spec.process.terminal
    var steps: [Step] = (terminal ? [terminalStep()] : []) + [spawnStep(live: live != nil, terminal: terminal)]
    // `up`: before anything is opened or joined, the sandbox process leaves nsbuild's session, streams and fds.
    if let live { steps.append(detachStep(live)) }
    steps += joinSteps() + [unshareStep()]
    steps += try userSteps()
    steps += timeSteps()
    steps += try hostNetworkSteps() + pastaSteps(live: live)
    // Host paths nsbuild opens itself (see `hostOpenSteps`) go with its other steps, before the fork.
    var filesystem = filesystemSteps()
    steps += filesystem.filter { $0.actor == .parent }
    filesystem.removeAll { $0.actor == .parent }
    steps.append(forkStep())
    steps += utsSteps()
    steps += networkSteps()
    // One step a mount: moved over, not held twice (a spec of 100,000 mounts makes 100,000 steps).
    steps.reserveCapacity(steps.count + filesystem.count + 16)
    steps += filesystem
    filesystem = []
    if let args {
      // `up`'s nsbuild is gone when the command ends: no terminal to give back.
      steps += commandSteps(args, fromCommandLine: command != nil, terminal: terminal)
        .filter { live == nil || $0.kind != .foreground }
    }
    // Init closes its setup fds once the command's own steps are done, just before its execve(2): until then a
    // failed step (a missing cwd) or a signal still finds the way back to take back what was made.
    if let close = steps.firstIndex(where: { $0.kind == .closeFDs }),
      let exec = steps.firstIndex(where: { $0.kind == .exec })
    {
      steps.insert(steps.remove(at: close), at: exec - 1)
    } else if let spawn = steps.firstIndex(where: { $0.kind == .spawnCommand }) {
      // Nothing to take back: init's parent-death signal turns to SIGKILL before the command starts (the step that
      // closes the setup fds does it otherwise).
      steps[spawn].operations.insert(
        contentsOf: [Step.Operation(.setParentDeathSignal(signal: 9)), Step.Operation(.checkParent)], at: 0)
      steps[spawn].reason = [steps[spawn].reason, "init now dies with the sandbox process by SIGKILL"]
        .compactMap { $0 }.joined(separator: "; ")
    }
    if terminal { steps.append(relayStep()) }
    if live == nil { steps += hostEndDeleteSteps() }
    if live != nil {
      if args == nil { steps.append(holdStep()) }
      steps.insert(outliveStep(), at: args == nil ? steps.count - 1 : steps.count)
    }
    for index in steps.indices { steps[index].id = index + 1 }
    let chain = Self.chain(of: steps)
    let all = warnings() + (live.flatMap { _ in livePIDNamespaceWarning() }.map { [$0] } ?? [])
    return Plan(
      steps: steps, warnings: Self.tie(PlanWarning.capped(all), to: steps),
      hostChanges: HostChanges(spec: spec, state: state).list() + bridgesLeft(),
      processes: chain.processes, handoffs: chain.handoffs)
  }

  func origin(_ path: SpecKeyPath) -> SourceRange? { spec.origins[path] }

  /// With `die_with_parent`, nsbuild first ties itself to its own parent; the calls before fork(2) are its own.
  /// With `terminal`, SIGWINCH is not passed on: the pseudo-terminal's size changes instead, and the kernel sends
  /// it to the pseudo-terminal's foreground process group; the sandbox process takes the replica as fds 0, 1 and 2.
  private func spawnStep(live: Bool, terminal: Bool) -> Step {
    let own: [Syscall] = spec.process.dieWithParent ? [.setParentDeathSignal(signal: 9), .checkParent] : []
    let forwarded = terminal ? Self.forwardedSignals.filter { $0 != 28 } : Self.forwardedSignals
    var step = Step(
      kind: .spawn, actor: .parent, subject: .process(role: .sandbox),
      calls: own + [.fork, .setParentDeathSignal(signal: 9), .checkParent, .forwardSignals(signals: forwarded)]
        + (terminal ? [.useTerminalReplica] : []),
      change: .create,
      reason: spec.process.dieWithParent
        ? "nsbuild dies with its parent and the sandbox with nsbuild (PR_SET_PDEATHSIG); signals to nsbuild reach the command"
        : "the sandbox dies with nsbuild (PR_SET_PDEATHSIG); signals to nsbuild reach the command",
      origin: origin("process.die_with_parent"))
    guard live else { return step }
    step.reason = (step.reason ?? "") + ", until the sandbox is ready (`up`)"
    return step
  }

  private func unshareStep() -> Step {
    let flags = spec.namespaces.reduce(into: CloneFlags()) { $0.insert(CloneFlags($1)) }
    return Step(
      kind: .unshare, actor: .sandbox, subject: .namespaces(flags: flags), calls: [.unshare(flags: flags)],
      change: flags.isEmpty ? .unchanged(value: "the host's namespaces") : unshareChange,
      reason: spec.unshares(.user) ? "one call, so every namespace is owned by the new user namespace" : nil,
      origin: origin("namespaces.unshare"))
  }

  /// The namespaces being replaced, by their current ids; `+` when they were not read.
  private var unshareChange: Change {
    let current = spec.namespaces.compactMap { state.namespaceIDs[$0] }
    guard !current.isEmpty else { return .create }
    return .modify(before: current.joined(separator: " "), after: "new")
  }

  /// One write per clock, so a refused offset points at its own line.
  private func timeSteps() -> [Step] {
    guard spec.unshares(.time) else { return [] }
    let clocks: [(Step.Clock, ClockOffset?)] = [(.monotonic, spec.time.monotonic), (.boottime, spec.time.boottime)]
    return clocks.compactMap { clock, offset in
      offset.map { offset in
        Step(
          kind: .timeOffsets, actor: .parent, subject: .clock(name: clock),
          calls: [
            .writeProcFile(
              file: "timens_offsets", contents: "\(clock.rawValue) \(offset.seconds) \(offset.nanoseconds)\n")
          ],
          change: .create, reason: "before any process enters the time namespace, which freezes the offsets",
          origin: origin(SpecKeyPath("time").appending(clock.rawValue)))
      }
    }
  }

  private func forkStep() -> Step {
    let entering = [Namespace.pid, .time].filter(spec.unshares)
    let joined = [Namespace.pid, .time].filter { spec.join(of: $0) != nil }
    let reason =
      entering.isEmpty && joined.isEmpty
      ? "the sandbox process stays to report the command's status"
      : "the "
        + [
          entering.isEmpty ? nil : "new \(entering.map(\.rawValue).joined(separator: " and "))",
          joined.isEmpty ? nil : "joined \(joined.map(\.rawValue).joined(separator: " and "))",
        ].compactMap { $0 }.joined(separator: " and ") + " namespace applies to children only"
    // SIGTERM, which init takes between two steps like a TERM to nsbuild: if the chain above dies during setup
    // (even by SIGKILL), init still takes back what it made. It turns to SIGKILL before the command starts.
    // Before the fork, the sandbox process (which stays, outside the new root) leaves the host folder it was started
    // in, so that pivot_root(2) moves its working directory with its root, and closes its /proc entries: else a
    // command keeping CAP_SYS_PTRACE that sees it (no pid namespace, or the host's /proc bound) walks from
    // /proc/PID/cwd to the host's /. Init is dumpable again, as every process is by default.
    return Step(
      kind: .fork, actor: .sandbox, subject: .process(role: .initProcess),
      calls: [
        .chdir(path: "/"), .setDumpable(dumpable: false), .fork, .setDumpable(dumpable: true),
        .nameProcess(name: Self.initName), .setParentDeathSignal(signal: 15), .checkParent,
        .forwardSignals(signals: Self.forwardedSignals),
      ],
      change: .create,
      reason: reason
        + "; init names itself, so the sandbox sees no host command line in /proc/1/cmdline"
        + "; init dies with the sandbox process, taking back what it made; the sandbox process, which stays outside the new root, moves to / and is not dumpable, so the command cannot reach the host through its /proc entries"
    )
  }

  private func utsSteps() -> [Step] {
    guard spec.unshares(.uts) else { return [] }
    var steps: [Step] = []
    if let name = spec.uts.hostname {
      steps.append(
        Step(
          kind: .hostname, actor: .initProcess, subject: .hostname, calls: [.sethostname(name: name)],
          change: name == state.hostname ? .unchanged(value: name) : .modify(before: state.hostname, after: name),
          origin: origin("uts.hostname")))
    }
    if let name = spec.uts.domainname {
      steps.append(
        Step(
          kind: .domainname, actor: .initProcess, subject: .domainname, calls: [.setdomainname(name: name)],
          change: name == state.domainname ? .unchanged(value: name) : .modify(before: state.domainname, after: name),
          origin: origin("uts.domainname")))
    }
    return steps
  }

  private func networkSteps() -> [Step] {
    guard spec.unshares(.net), spec.net.loopback else { return insideNetworkSteps() }
    return [
      Step(
        kind: .loopback, actor: .initProcess, subject: .networkInterface(name: "lo"), calls: [.loopbackUp],
        change: .modify(before: "down", after: "up"),
        reason: "a new network namespace starts with lo down", origin: origin("net.loopback"))
    ] + insideNetworkSteps()
  }
}

/// Why no plan could be made.
public enum PlanError: Error, Sendable, Hashable, CustomStringConvertible {
  case noCommand
  /// The ID maps cannot be written by this caller on this machine.
  case cannotMap(String)
  /// `[process] groups` in a user namespace whose setgroups is denied, as it is for an unprivileged caller.
  case cannotSetGroups
  /// `[process] rlimits` asks for hard limits the command cannot get (see ``Planner/limitProblems(of:host:)``).
  case limits([LimitProblem])
  /// `[net]` asks for what this caller or host cannot give: a veth without root (its host end needs CAP_NET_ADMIN
  /// in the host's network namespace), or pasta(1) not installed.
  case networkUnavailable(String)
  /// A `uid_map` or `gid_map` line that says `"caller"` conflicts once the caller's ID is written in (see
  /// ``CallerMapRules``): each problem at its spec line, in a diagnostic whose `file` is empty (the caller names it).
  case callerMaps([Diagnostic])

  public var description: String {
    switch self {
    case .noCommand: "no command to run: give `[process] args` in the spec, or a command after `--`"
    case .cannotMap(let reason): reason
    case .cannotSetGroups:
      "[process] groups cannot be set: without root, setgroups is denied in the new user namespace (user_namespaces(7)), so setgroups(2) fails with EPERM; leave `groups` out or run as root"
    case .limits(let problems): problems.map(\.message).joined(separator: "\n")
    case .networkUnavailable(let reason): reason
    case .callerMaps(let problems): problems.map(\.message).joined(separator: "\n")
    }
  }
}
