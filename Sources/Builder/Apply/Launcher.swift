import SpecParser

/// How a run ended.
public enum RunOutcome: Sendable, Hashable {
  /// The command ran and ended this way.
  case finished(WaitStatus)
  /// A step failed, before the command started or at its execve(2).
  case failed(StepFailure)
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

  /// Runs the plan and waits for the command.
  public func run() -> RunOutcome {
    guard let spawn = step(.spawn) else { return .finished(.exited(0)) }
    var pipes: Pipes
    do {
      pipes = Pipes(report: try kernel.pipe(), ready: try kernel.pipe(), go: try kernel.pipe())
      let passes = plan.steps.contains { $0.calls.contains { if case .sendSlots = $0 { true } else { false } } }
      if passes { pipes.passing = try kernel.socketPair() }
    } catch {
      return .failed(StepFailure(stepID: spawn.id, callIndex: 0, error: error))
    }
    let child: Int32
    switch fork(spawn, pipes) {
    case .failure(let failure): return .failed(failure)
    case .success(let pid): child = pid
    }
    if child == 0 { sandboxMain(pipes) }
    return parentMain(pipes, sandboxPID: child)
  }

  private func step(_ kind: Step.Kind) -> Step? { plan.steps.first { $0.kind == kind } }

  /// The steps `actor` takes in place (forks are taken by the process that forks).
  private func steps(_ actor: Step.Actor) -> [Step] {
    plan.steps.filter { $0.actor == actor && $0.calls.first != .fork }
  }

  /// The signals a fork step passes on to the child it makes.
  private static func signals(passedOnBy step: Step) -> [Int32] {
    step.calls.flatMap { call -> [Int32] in
      if case .forwardSignals(let signals, _) = call { return signals }
      return []
    }
  }

  /// Takes a fork step: fork(2); the parent passes signals on to the child, the child runs the step's remaining
  /// calls (PR_SET_PDEATHSIG) and checks that its parent still lives. Returns the child's pid, or 0 in the child.
  private func fork(_ step: Step, _ pipes: Pipes) -> Result<Int32, StepFailure> {
    trace(step)
    let parent = kernel.processID()
    // The signals to pass on wait, blocked, from just before the fork until the handler knows the child's pid; one
    // arriving in between is then passed on instead of lost (or, at a PID 1, dropped).
    let forwarded = Self.signals(passedOnBy: step)
    if !forwarded.isEmpty { kernel.blockSignals(forwarded) }
    let pid: Int32
    do { pid = try kernel.fork() } catch {
      kernel.unblockSignals()
      return .failure(StepFailure(stepID: step.id, callIndex: 0, error: error))
    }
    if pid != 0 {
      // A command in its own session leads its process group: a signal goes to the whole group, as a terminal's
      // Ctrl-C would, so its children (a compiler under make, a sleep under sh) stop too.
      let toGroup = step.calls.contains { if case .forwardSignals(_, true) = $0 { return true } else { return false } }
      if !forwarded.isEmpty { try? kernel.forwardSignals(forwarded, to: toGroup ? -pid : pid) }  // installs, unblocks
      return .success(pid)
    }
    // Until it has a child of its own, a signal ends this process as it would by default: as PID 1 of a new pid
    // namespace it would otherwise ignore it, and a TERM to nsbuild during setup would be lost.
    if forwarded.isEmpty { kernel.unblockSignals() } else { try? kernel.forwardSignals(forwarded, to: 0) }
    do { try StepRunner(kernel: kernel).run(step) } catch { fail(error, pipes) }
    // The parent may have died before PR_SET_PDEATHSIG took effect; then nobody would reap or report. In a new pid
    // namespace getppid(2) reads 0, since the parent lives outside it; that parent is the sandbox process, which
    // waits for this one.
    let now = kernel.parentProcessID()
    if now != parent, now != 0 { kernel.exit(125) }
    return .success(0)
  }

  /// Sends `failure` to the parent and exits: 126 or 127 when the command could not be executed, else 125.
  private func fail(_ failure: StepFailure, _ pipes: Pipes) -> Never {
    try? kernel.write(pipes.report.write, FailureRecord.encode(failure))
    let isExec = plan.steps.first { $0.id == failure.stepID }?.kind == .exec
    kernel.exit(isExec ? (failure.error.errno == ErrnoNames.ENOENT ? 127 : 126) : 125)
  }

  private func runSteps(_ actor: Step.Actor, _ pipes: Pipes, lockSocket: Int32? = nil) {
    // Only init builds the filesystem; what it made goes again if a later step of its own fails, or if a signal
    // (nsbuild's TERM, a Ctrl-C) ends the run before the command starts.
    let journal = actor == .initProcess ? SetupJournal() : nil
    let runner = StepRunner(
      kernel: kernel, fds: FDTable(), reportFD: pipes.report.write, journal: journal, lockSocket: lockSocket,
      passing: actor == .initProcess ? pipes.passing?.initProcess : nil)
    for step in steps(actor) {
      trace(step)
      do { try runner.run(step) } catch {
        undo(journal, runner.fds)
        fail(error, pipes)
      }
      if let journal { endIfSignalled(journal, runner.fds) }
    }
  }

  /// Takes back what init made. Its own shared locks go first: another run's still keep what that run uses.
  private func undo(_ journal: SetupJournal?, _ fds: FDTable) {
    guard let journal else { return }
    fds.releaseLocks(kernel)
    journal.undo(kernel)
  }

  /// Takes back what was made and ends as the signal would have, if one arrived while init was setting up.
  private func endIfSignalled(_ journal: SetupJournal, _ fds: FDTable) {
    guard let signal = kernel.takeDeferredSignal() else { return }
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

  private func sandboxMain(_ pipes: Pipes) -> Never {
    [pipes.report.read, pipes.ready.read, pipes.go.write].forEach(kernel.close)
    if let passing = pipes.passing { kernel.close(passing.parent) }
    runSteps(.sandbox, pipes)
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
    let initPID: Int32
    switch fork(forkStep, pipes) {
    case .failure(let failure): fail(failure, pipes)
    case .success(let pid): initPID = pid
    }
    if initPID == 0 {
      if let lockSocket { kernel.close(lockSocket.held) }
      initMain(pipes, lockSocket: lockSocket?.sent)
    }
    kernel.close(pipes.report.write)
    if let passing = pipes.passing { kernel.close(passing.initProcess) }
    if let lockSocket {
      kernel.close(lockSocket.sent)
      // Until init closes its end (its setup fds closed, or it ended); the locks then stay open here until exit.
      _ = kernel.receiveFDsUntilClosed(lockSocket.held)
    }
    let status = (try? kernel.wait(initPID))?.status ?? .exited(125)
    kernel.exit(status.exitCode)
  }

  // MARK: init, inside the new namespaces

  private func initMain(_ pipes: Pipes, lockSocket: Int32?) -> Never {
    kernel.deferSignals(true)
    // A [[files]] write past the caller's RLIMIT_FSIZE then fails as a step (EFBIG), and what was made is taken
    // back, instead of SIGXFSZ ending init halfway.
    kernel.ignoreFileSizeSignal(true)
    runSteps(.initProcess, pipes, lockSocket: lockSocket)
    guard let spawnCommand = step(.spawnCommand) else { kernel.exit(125) }
    // From here a signal waits, blocked, to be passed on to the command; one that came after the last step's check
    // ends init as it would have during setup (its fds are closed by now, so there is nothing left to take back).
    kernel.blockSignals(Self.signals(passedOnBy: spawnCommand))
    kernel.deferSignals(false)
    if let signal = kernel.takeDeferredSignal() { kernel.exit(128 + signal) }
    let commandPID: Int32
    switch fork(spawnCommand, pipes) {
    case .failure(let failure): fail(failure, pipes)
    case .success(let pid): commandPID = pid
    }
    if commandPID == 0 {
      kernel.ignoreFileSizeSignal(false)  // the command gets the default, as it would outside
      runSteps(.command, pipes)
      kernel.exit(125)  // unreachable: the exec step either replaces this process or fails
    }
    kernel.close(pipes.report.write)
    reap(until: commandPID)
  }

  /// Waits for every child (orphans re-parent to PID 1) and exits with the command's status once it ends.
  private func reap(until command: Int32) -> Never {
    while let (pid, status) = (try? kernel.wait(-1)) ?? nil {
      if pid == command { kernel.exit(status.exitCode) }
    }
    kernel.exit(125)
  }
}
