import SpecParser

/// How a run ended.
public enum RunOutcome: Sendable, Hashable {
  /// The command ran and ended this way.
  case finished(WaitStatus)
  /// A step failed, before the command started or at its execve(2).
  case failed(StepFailure)
  /// The plan lacks a step the launch needs (see ``LaunchRequirementError``): nothing was forked.
  case refused(LaunchRequirementError)
}

/// Applies a plan with real processes: nsbuild (the parent), the sandbox process that unshares, the init that
/// enters the new pid and time namespaces, and the command. Each process makes exactly the calls of the steps whose
/// actor it is, in plan order; the plan is the only input.
///
/// Hand-offs use close-on-exec pipes: the sandbox process says "unshared" and waits while the parent writes the ID
/// maps and clock offsets; any process that fails sends a ``FailureRecord`` and exits, and the parent reports it.
/// Each process passes the signals in ``Planner/forwardedSignals`` on to its child, so a signal to nsbuild reaches
/// the command; each child dies with its parent (PR_SET_PDEATHSIG).
public struct Launcher<Kernel: LinuxKernel> {
  let kernel: Kernel
  let plan: Plan
  /// Called in whichever process applies a step, just before it does (`run --verbose`).
  let trace: (Step) -> Void

  public init(kernel: Kernel, plan: Plan, trace: @escaping (Step) -> Void = { _ in }) {
    self.kernel = kernel
    self.plan = plan
    self.trace = trace
  }

  struct Pipes {
    var report: (read: Int32, write: Int32)
    var ready: (read: Int32, write: Int32)
    var go: (read: Int32, write: Int32)
    /// The socket pair the parent passes init the host paths it opened on (parent's end, init's end), when the plan
    /// has it do so.
    var passing: (parent: Int32, initProcess: Int32)?
  }

  /// Runs the plan and waits for the command; then gives the terminal back if the plan says so.
  public func run() -> RunOutcome {
    if let problem = LaunchRequirements.problem(in: plan) { return .refused(problem) }
    let foreground = step(.foreground)
    let terminal = foreground == nil ? nil : kernel.foregroundTerminal()
    let outcome = runSandbox()
    if let foreground {
      trace(foreground)
      try? StepRunner(kernel: kernel, terminal: terminal).run(foreground)
    }
    return outcome
  }

  private func runSandbox() -> RunOutcome {
    guard let spawn = step(.spawn) else { return .finished(.exited(0)) }
    // Until the command starts, a write that fails ends nothing halfway: a trace line to a closed pipe (`run
    // --verbose 2>&1 | head`) is lost rather than SIGPIPE killing the process writing it (init, unless it is a PID 1,
    // which the kernel spares), and a [[files]] write past the caller's RLIMIT_FSIZE fails as a step (EFBIG) that
    // is taken back, rather than SIGXFSZ ending init.
    kernel.ignoreWriteSignals(true)
    var pipes: Pipes
    do {
      pipes = Pipes(report: try kernel.pipe(), ready: try kernel.pipe(), go: try kernel.pipe())
      let passes = plan.steps.contains { $0.calls.contains { if case .sendSlots = $0 { true } else { false } } }
      if passes { pipes.passing = try kernel.socketPair() }
    } catch {
      return .failed(StepFailure(stepID: spawn.id, callIndex: 0, error: error))
    }
    let child: Forked
    switch fork(spawn, pipes, link: ParentLink()) {
    case .failure(let failure): return .failed(failure)
    case .success(let forked): child = forked
    }
    if child.pid == 0 { sandboxMain(pipes, link: child.link) }
    return parentMain(pipes, sandboxPID: child.pid)
  }

  private func step(_ kind: Step.Kind) -> Step? { plan.steps.first { $0.kind == kind } }

  /// The steps `actor` takes in place (forks are taken by the process that forks; nsbuild gives the terminal back
  /// once the command ended).
  private func steps(_ actor: Step.Actor) -> [Step] {
    plan.steps.filter { $0.actor == actor && !$0.calls.contains(.fork) && $0.kind != .foreground }
  }

  /// The signals a fork step passes on to the child it makes.
  private static func signals(passedOnBy step: Step) -> [Int32] {
    step.calls.flatMap { call -> [Int32] in
      if case .forwardSignals(let signals, _) = call { return signals }
      return []
    }
  }

  /// What a fork step leaves each side: the child's pid in the parent; in the child, 0 and how it tells that its
  /// parent is gone.
  struct Forked {
    var pid: Int32
    var link = ParentLink()
  }

  /// Takes a fork step. The calls written before fork(2) are the forking process's own (nsbuild's
  /// PR_SET_PDEATHSIG, init's switch of its own to SIGKILL), checked against `own`; the parent then passes signals
  /// on to the child, and the child makes the calls after fork(2): PR_SET_PDEATHSIG, then the check that the parent
  /// did not die before it took effect.
  private func fork(_ step: Step, _ pipes: Pipes, link own: ParentLink) -> Result<Forked, StepFailure> {
    trace(step)
    let forkIndex = step.calls.firstIndex(of: .fork) ?? 0
    do { try StepRunner(kernel: kernel, parent: own).run(step, calls: 0..<forkIndex) } catch {
      return .failure(error)
    }
    let parent = kernel.processID()
    // Into a new pid namespace, where getppid(2) reads 0, the child gets a pipe to poll instead: its write end is
    // closed everywhere once the parent is gone, however it died.
    var lifeline: (read: Int32, write: Int32)?
    if step.kind == .fork, step.calls[(forkIndex + 1)...].contains(.checkParent) {
      do { lifeline = try kernel.pipe() } catch {
        return .failure(StepFailure(stepID: step.id, callIndex: forkIndex, error: error))
      }
    }
    // The signals to pass on wait, blocked, from just before the fork until the handler knows the child's pid; one
    // arriving in between is then passed on instead of lost (or, at a PID 1, dropped).
    let forwarded = Self.signals(passedOnBy: step)
    if !forwarded.isEmpty { kernel.blockSignals(forwarded) }
    let pid: Int32
    do { pid = try kernel.fork() } catch {
      kernel.unblockSignals()
      return .failure(StepFailure(stepID: step.id, callIndex: forkIndex, error: error))
    }
    if pid != 0 {
      // The write end stays open for as long as this process lives.
      if let lifeline { kernel.close(lifeline.read) }
      // A command in its own session leads its process group: a signal goes to the whole group, as a terminal's
      // Ctrl-C would, so its children (a compiler under make, a sleep under sh) stop too.
      let toGroup = step.calls.contains { if case .forwardSignals(_, true) = $0 { return true } else { return false } }
      if !forwarded.isEmpty { try? kernel.forwardSignals(forwarded, to: toGroup ? -pid : pid) }  // installs, unblocks
      return .success(Forked(pid: pid))
    }
    if let lifeline { kernel.close(lifeline.write) }
    // Until it has a child of its own, a signal ends this process as it would by default: as PID 1 of a new pid
    // namespace it would otherwise ignore it, and a TERM to nsbuild during setup would be lost.
    if forwarded.isEmpty { kernel.unblockSignals() } else { try? kernel.forwardSignals(forwarded, to: 0) }
    let after = (forkIndex + 1)..<step.calls.count
    let link = ParentLink(lifeline: lifeline?.read, parentPID: parent)
    do { try StepRunner(kernel: kernel, parent: link).run(step, calls: after) } catch { fail(error, pipes) }
    return .success(Forked(pid: 0, link: link))
  }

  /// Sends `failure` to the parent and exits: 126 or 127 when the command could not be executed, else 125.
  private func fail(_ failure: StepFailure, _ pipes: Pipes) -> Never {
    try? kernel.write(pipes.report.write, FailureRecord.encode(failure))
    let isExec = plan.steps.first { $0.id == failure.stepID }?.kind == .exec
    kernel.exit(isExec ? (failure.error.errno == ErrnoNames.ENOENT ? 127 : 126) : 125)
  }

  /// The runner for `actor`'s own steps; init's notes what it makes, for a failed setup to take back, and hands its
  /// locks on host mount points over `lockSocket`.
  private func runner(_ actor: Step.Actor, _ pipes: Pipes, link: ParentLink, lockSocket: Int32? = nil)
    -> StepRunner<Kernel>
  {
    // Only init builds the filesystem; what it made goes again if a later step fails, or if a signal (nsbuild's
    // TERM, a Ctrl-C) ends the run before the command starts.
    let journal = actor == .initProcess ? SetupJournal() : nil
    return StepRunner(
      kernel: kernel, fds: FDTable(), reportFD: pipes.report.write, journal: journal, lockSocket: lockSocket,
      passing: actor == .initProcess ? pipes.passing?.initProcess : nil, parent: link)
  }

  private func runSteps(_ actor: Step.Actor, _ pipes: Pipes, link: ParentLink) {
    run(steps(actor), with: runner(actor, pipes, link: link), pipes)
  }

  /// With `waiting`, the command waiting for the end of `go`: init's exit would bring that end too, so a failure
  /// or a signal here kills the command first, lest it take the end of `go` as leave to run execve(2).
  private func run(_ steps: [Step], with runner: StepRunner<Kernel>, _ pipes: Pipes, stopping waiting: Int32? = nil) {
    for step in steps {
      trace(step)
      do { try runner.run(step) } catch {
        if let waiting { kernel.kill(waiting, 9) }
        undo(runner.journal, runner.fds)
        fail(error, pipes)
      }
      if let journal = runner.journal { endIfSignalled(journal, runner.fds, stopping: waiting) }
    }
  }

  /// Takes back what init made. Its own shared locks go first: another run's still keep what that run uses.
  private func undo(_ journal: SetupJournal?, _ fds: FDTable) {
    guard let journal else { return }
    fds.releaseLocks(kernel)
    journal.undo(kernel)
  }

  /// Takes back what was made and ends as the signal would have, if one arrived while init was setting up.
  private func endIfSignalled(_ journal: SetupJournal, _ fds: FDTable, stopping waiting: Int32? = nil) {
    guard let signal = kernel.takeDeferredSignal() else { return }
    if let waiting { kernel.kill(waiting, 9) }
    undo(journal, fds)
    kernel.exit(128 + signal)
  }

  /// Whether the plan locks host mount points, and so needs the sandbox process to hold the locks.
  private var locksMountPoints: Bool {
    plan.steps.contains { step in step.calls.contains { if case .lockShared = $0 { true } else { false } } }
  }

  // MARK: nsbuild, on the host

  private func parentMain(_ pipes: Pipes, sandboxPID: Int32) -> RunOutcome {
    [pipes.report.write, pipes.ready.write, pipes.go.read].forEach(kernel.close)
    if let passing = pipes.passing { kernel.close(passing.initProcess) }
    let writes = steps(.parent)
    if !writes.isEmpty, (try? kernel.read(pipes.ready.read, count: 1))?.isEmpty == false {
      let runner = StepRunner(kernel: kernel, sandboxPID: sandboxPID, passing: pipes.passing?.parent)
      for step in writes {
        trace(step)
        do {
          try runner.run(step)
        } catch {
          kernel.kill(sandboxPID, 9)
          _ = try? kernel.wait(sandboxPID)
          return .failed(error)
        }
      }
      try? kernel.write(pipes.go.write, [1])
    }
    if let passing = pipes.passing { kernel.close(passing.parent) }
    kernel.close(pipes.go.write)
    let status = (try? kernel.wait(sandboxPID))?.status ?? .exited(125)
    let report = (try? kernel.read(pipes.report.read, count: 4096)) ?? []
    if let failure = FailureRecord.decode(report) { return .failed(failure) }
    return .finished(status)
  }

  // MARK: the sandbox process

  private func sandboxMain(_ pipes: Pipes, link: ParentLink) -> Never {
    [pipes.report.read, pipes.ready.read, pipes.go.write].forEach(kernel.close)
    if let passing = pipes.passing { kernel.close(passing.parent) }
    runSteps(.sandbox, pipes, link: link)
    if !steps(.parent).isEmpty {
      try? kernel.write(pipes.ready.write, [1])
      // End of file instead of the go byte means the parent failed a write and reports it.
      if (try? kernel.read(pipes.go.read, count: 1))?.isEmpty != false { kernel.exit(125) }
    }
    [pipes.ready.write, pipes.go.read].forEach(kernel.close)
    guard let forkStep = step(.fork) else { kernel.exit(125) }
    // Init hands this process its locks on host mount points, to hold while the sandbox lives.
    var lockSocket: (held: Int32, sent: Int32)?
    if locksMountPoints {
      do { lockSocket = try kernel.socketPair() } catch {
        fail(StepFailure(stepID: forkStep.id, callIndex: 0, error: error), pipes)
      }
    }
    let initProcess: Forked
    switch fork(forkStep, pipes, link: link) {
    case .failure(let failure): fail(failure, pipes)
    case .success(let forked): initProcess = forked
    }
    if initProcess.pid == 0 {
      if let lockSocket { kernel.close(lockSocket.held) }
      initMain(pipes, link: initProcess.link, lockSocket: lockSocket?.sent)
    }
    kernel.close(pipes.report.write)
    if let passing = pipes.passing { kernel.close(passing.initProcess) }
    if let lockSocket {
      kernel.close(lockSocket.sent)
      // Until init closes its end (its setup fds closed just before the command's execve(2), or it ended); the
      // locks then stay open here until exit.
      _ = kernel.receiveFDsUntilClosed(lockSocket.held)
    }
    let status = (try? kernel.wait(initProcess.pid))?.status ?? .exited(125)
    kernel.exit(status.exitCode)
  }

  // MARK: init, inside the new namespaces

  private func initMain(_ pipes: Pipes, link: ParentLink, lockSocket: Int32?) -> Never {
    kernel.deferSignals(true)
    let setup = runner(.initProcess, pipes, link: link, lockSocket: lockSocket)
    guard let spawnCommand = step(.spawnCommand) else { kernel.exit(125) }
    let own = steps(.initProcess)
    run(own.filter { $0.id < spawnCommand.id }, with: setup, pipes)
    // From here a signal waits, blocked, to be passed on to the command, which ends at once before its execve(2);
    // one that came after the last step's check ends init as it would have during setup.
    kernel.blockSignals(Self.signals(passedOnBy: spawnCommand))
    kernel.deferSignals(false)
    if let signal = kernel.takeDeferredSignal() {
      undo(setup.journal, setup.fds)
      kernel.exit(128 + signal)
    }
    // The command says "ready" once its own steps but execve(2) are done, and waits for the end of `go`, which
    // init's close of the setup fds brings.
    guard let ready = try? kernel.pipe(), let go = try? kernel.pipe() else {
      undo(setup.journal, setup.fds)
      kernel.exit(125)
    }
    let command: Forked
    switch fork(spawnCommand, pipes, link: link) {
    case .failure(let failure):
      undo(setup.journal, setup.fds)
      fail(failure, pipes)
    case .success(let forked): command = forked
    }
    if command.pid == 0 {
      [ready.read, go.write].forEach(kernel.close)
      // Init's locks and the socket they go to the sandbox process on stay out of the command's reach, and only
      // init's end keeps the sandbox process waiting for them.
      setup.fds.releaseLocks(kernel)
      if let lockSocket { kernel.close(lockSocket) }
      commandMain(pipes, link: command.link, ready: ready.write, go: go.read)
    }
    [ready.write, go.read].forEach(kernel.close)
    if (try? kernel.read(ready.read, count: 1))?.isEmpty != false {
      // The command ended before its execve(2): a failed step (reported on its own) or a signal.
      undo(setup.journal, setup.fds)
    } else {
      // Until init's fds are closed a signal is kept, as during setup, not passed on: passed on, it would end the
      // command before its execve(2) while init went on to close its fds with nothing taken back.
      kernel.deferSignals(true)
      let late = StepRunner(
        kernel: kernel, fds: setup.fds, journal: setup.journal, lockSocket: lockSocket, parent: link)
      run(own.filter { $0.id > spawnCommand.id }, with: late, pipes, stopping: command.pid)
      kernel.deferSignals(false)
      // One kept after the last step's check goes on to the command, which is released now.
      if let signal = kernel.takeDeferredSignal() { kernel.kill(command.pid, signal) }
    }
    [ready.read, go.write, pipes.report.write].forEach(kernel.close)
    reap(until: command.pid)
  }

  /// The command's own steps; before execve(2), it waits until init holds no setup fd.
  private func commandMain(_ pipes: Pipes, link: ParentLink, ready: Int32, go: Int32) -> Never {
    let steps = steps(.command)
    let exec = steps.last { $0.kind == .exec }?.id ?? Int.max
    let runner = runner(.command, pipes, link: link)
    run(steps.filter { $0.id < exec }, with: runner, pipes)
    // A program that is not there fails now, while init can still take back what it made.
    if let execStep = self.step(.exec), case .execve(let command) = execStep.calls.last,
      let error = CommandLauncher(kernel: kernel).missingProgram(command)
    {
      fail(StepFailure(stepID: execStep.id, callIndex: execStep.calls.count - 1, error: error), pipes)
    }
    try? kernel.write(ready, [1])
    _ = try? kernel.read(go, count: 1)
    run(steps.filter { $0.id >= exec }, with: runner, pipes)
    kernel.exit(125)  // unreachable: the exec step either replaces this process or fails
  }

  /// Waits for every child (orphans re-parent to PID 1) and exits with the command's status once it ends.
  private func reap(until command: Int32) -> Never {
    while let (pid, status) = (try? kernel.wait(-1)) ?? nil {
      if pid == command { kernel.exit(status.exitCode) }
    }
    kernel.exit(125)
  }
}
