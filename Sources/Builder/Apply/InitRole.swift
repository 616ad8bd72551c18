/// Init, inside the new namespaces: builds the sandbox (noting what it makes, to take it back if a step fails or a
/// signal ends the run first), forks the command, takes its last steps once the command is ready (closing its setup
/// fds releases it), and reaps every process until the command ends.
struct InitRole<Kernel: LinuxKernel> {
  let launcher: Launcher<Kernel>
  let start: ChildStart
  private var kernel: Kernel { launcher.kernel }

  func run() -> RoleEnd {
    kernel.deferSignals(true)
    var channels = start.channels
    // Only init builds the filesystem; what it made goes again if a later step fails, or if a signal (nsbuild's
    // TERM, a Ctrl-C) ends the run before the command starts. It hands its locks on host mount points on.
    let setup = StepRunner(
      kernel: kernel, reportFD: channels.reportFD, journal: SetupJournal(),
      lockSocket: channels.fd(.send, of: .initProcess, .locksHeld),
      passing: channels.fd(.receive, of: .initProcess, .fdsPassed), parent: start.link,
      readyFD: channels.fd(.readyWrite, of: .initProcess, .sandboxReady))
    guard let child = launcher.plan.child(of: .initProcess), let forkStep = launcher.forkStep(of: child) else {
      return hold(setup, channels)
    }
    if let status = launcher.run(launcher.steps(.initProcess, before: forkStep.id), with: setup, channels) {
      return .exit(status)
    }
    // From here a signal waits, blocked, to be passed on to the command, which ends at once before its execve(2);
    // one that came after the last step's check ends init as it would have during setup.
    kernel.blockSignals(Launcher<Kernel>.signals(passedOnBy: forkStep))
    kernel.deferSignals(false)
    if let signal = kernel.takeDeferredSignal() {
      launcher.undo(setup.journal, setup.fds)
      return .exit(128 + signal)
    }
    let command: Int32
    // Init's locks stay out of the command's reach (their socket closed with the fork too), and only init's end keeps
    // the sandbox process waiting for them.
    let locks = setup.fds.locks
    switch launcher.fork(
      forkStep, making: child, from: .initProcess, channels: &channels, link: start.link, closing: locks)
    {
    case .failure(let failure):
      launcher.undo(setup.journal, setup.fds)
      return .exit(launcher.fail(failure, channels))
    case .success(.child(let end)):
      setup.fds.releaseLocks(kernel)
      return end
    case .success(.parent(let pid)): command = pid
    }
    // `up`: apply's request to replace the main command waits, blocked, to be taken when that command ends.
    if live { kernel.blockSignals([kernel.handoffSignal]) }
    if let status = finish(after: forkStep.id, setup, command: command, channels) { return .exit(status) }
    announceReady(&channels)
    // Its ends of the pause, and the report pipe: nothing is reported from here.
    channels.close(kernel) { [.readyRead, .goWrite, .reportWrite].contains($0.use) }
    // Dumpable again, as the fork step says, once the command's child (cloned sharing init's memory) has exec'd: it
    // may wait for the end of `go` until just above.
    if forkStep.calls.contains(.cloneVM) { kernel.awaitSpawnedRelease() }
    return reap(until: command, passingOn: Launcher<Kernel>.signals(passedOnBy: forkStep))
  }

  /// A sandbox `up` made (it says when it is ready), whose main command `apply` may replace.
  private var live: Bool { launcher.plan.handoff(.sandboxReady) != nil }

  /// The command says "ready" once its own steps but execve(2) are done, and waits for the end of `go`, which
  /// init's close of its setup fds brings: init takes its steps that follow the fork then. The status to exit with
  /// when one fails or a signal came.
  private func finish(after fork: Int, _ setup: StepRunner<Kernel>, command: Int32, _ channels: ChainChannels)
    -> Int32?
  {
    if let pause = channels.releasing(.initProcess), kernel.receive(on: pause.ready) != .ready {
      // The command ended before its execve(2): a failed step (reported on its own) or a signal. Init ends with it,
      // before it could say the sandbox is ready: `up` would otherwise go on to record a sandbox whose command
      // never ran.
      // Reaped first: until it has exited it holds init's locks (see ``Launcher/end(_:)``).
      let status = (try? kernel.wait(command))?.status.exitCode ?? ExitStatus.setupFailed
      launcher.undo(setup.journal, setup.fds)
      return status
    }
    // Until init's fds are closed a signal is kept, as during setup, not passed on: passed on, it would end the
    // command before its execve(2) while init went on to close its fds with nothing taken back.
    kernel.deferSignals(true)
    let late = StepRunner(
      kernel: kernel, fds: setup.fds, journal: setup.journal, lockSocket: setup.lockSocket, parent: start.link,
      readyFD: setup.readyFD)
    let steps = launcher.steps(.initProcess, after: fork)
    // A cloned command (``Syscall/cloneVM``) traces no step of its own: its exec step is traced here, once the
    // steps before it released it.
    let exec = launcher.step(.exec)?.id ?? Int.max
    let spawned =
      launcher.plan.handoff(.commandReady) != nil
      && launcher.plan.steps.contains { $0.actor == .initProcess && $0.calls.contains(.cloneVM) }
    if let status = launcher.run(steps.filter { $0.id < exec }, with: late, channels, stopping: command) {
      return status
    }
    if spawned { launcher.traceExec() }
    if let status = launcher.run(steps.filter { $0.id > exec }, with: late, channels, stopping: command) {
      return status
    }
    kernel.deferSignals(false)
    // One kept after the last step's check goes on to the command, which is released now.
    if let signal = kernel.takeDeferredSignal() { kernel.kill(command, signal) }
    return nil
  }

  /// `up` without a command: builds the sandbox, says it is ready, and holds its namespaces (the hold step, which
  /// returns only by a signal ending init).
  private func hold(_ setup: StepRunner<Kernel>, _ channels: ChainChannels) -> RoleEnd {
    var channels = channels
    let steps = launcher.steps(.initProcess)
    guard let holding = steps.last, holding.kind == .hold else { return .exit(ExitStatus.setupFailed) }
    if let status = launcher.run(Array(steps.dropLast()), with: setup, channels) { return .exit(status) }
    kernel.deferSignals(false)
    if let signal = kernel.takeDeferredSignal() {
      launcher.undo(setup.journal, setup.fds)
      return .exit(128 + signal)
    }
    announceReady(&channels)
    channels.close(kernel) { $0.use == .reportWrite }
    launcher.trace(holding)
    try? StepRunner(kernel: kernel).run(holding)
    return .exit(ExitStatus.setupFailed)  // never: the hold step ends only with init
  }

  /// `up`: tells the sandbox process that the sandbox is ready (a one-way notice: init has nothing left to wait
  /// for), and closes that pipe.
  private func announceReady(_ channels: inout ChainChannels) {
    guard let ready = channels.fd(.readyWrite, of: .initProcess, .sandboxReady) else { return }
    kernel.send(.ready, on: ready)
    channels.close([ready], kernel)
  }

  /// Waits for every child (orphans re-parent to PID 1); the command's status once it ends. Under `up`, a command
  /// that `apply` ended to replace it (it sent the handoff signal first, from outside the pid namespace) does not
  /// end the sandbox: init holds it from then on, as with no command, and the new command's keeper ends it.
  private func reap(until command: Int32, passingOn signals: [Int32]) -> RoleEnd {
    while let (pid, status) = (try? kernel.wait(-1)) ?? nil {
      guard pid == command else { continue }
      guard live, kernel.takeHandoff(outsideOnly: true) else { return .exit(status.exitCode) }
      // No child to pass signals on to: SIGTERM ends init (the handler exits), which ends the sandbox.
      try? kernel.forwardSignals(signals, to: 0)
      kernel.blockSignals([kernel.handoffSignal])
      kernel.holdUntilSignalled()
    }
    return .exit(ExitStatus.setupFailed)
  }
}
