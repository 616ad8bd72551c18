/// The joiner, for `exec`: enters a live sandbox's namespaces (setns(2), by a pidfd or one namespace file at a time,
/// as the plan says), forks the command, which a joined pid namespace takes in as it takes only children, waits for
/// it and exits with its status. It takes no step of the sandbox's own setup: that stands already.
///
/// As the keeper of a main command `apply` starts anew (the plan hands ``Handoff/Kind/commandStarted`` to nsbuild),
/// it tells nsbuild the command's pid and stays once nsbuild exits; when the command ends it ends the sandbox
/// (``Syscall/endSandboxAfterCommand(slot:)``), unless a later `apply` sent it the handoff signal first.
struct JoinerRole<Kernel: LinuxKernel> {
  let launcher: Launcher<Kernel>
  let start: ChildStart
  private var kernel: Kernel { launcher.kernel }

  func run() -> RoleEnd {
    // `apply` keeps signals while it takes its steps (``InPlaceApplier``); its keeper does not: until its fork a
    // signal ends it as it would, then it goes on to the command.
    kernel.deferSignals(false)
    var channels = start.channels
    guard let child = launcher.plan.child(of: .joiner), let forkStep = launcher.forkStep(of: child) else {
      return .exit(ExitStatus.setupFailed)
    }
    var runner = StepRunner(kernel: kernel, reportFD: channels.reportFD, parent: start.link)
    // A keeper's detach step closes what it inherited, but for the chain's own pipes.
    runner.keptFDs = channels.ends.map(\.fd) + [start.link.lifeline].compactMap { $0 }
    if let status = launcher.run(launcher.steps(.joiner, before: forkStep.id), with: runner, channels) {
      return .exit(status)
    }
    let pid: Int32
    switch launcher.fork(forkStep, making: child, from: .joiner, channels: &channels, link: start.link) {
    case .failure(let failure): return .exit(launcher.fail(failure, channels))
    case .success(.child(let end)): return end
    case .success(.parent(let forked)): pid = forked
    }
    let keeper = launcher.plan.handoff(.commandStarted) != nil
    if keeper {
      // Blocked before nsbuild hears of the command (and lets go of the sandbox's lock), so a later apply's
      // request waits to be taken rather than ending the keeper.
      kernel.blockSignals([kernel.handoffSignal])
      if let report = channels.reportFD { kernel.send(.holder(pid: pid), on: report) }
    }
    // Only the command reports from here.
    channels.close(kernel) { $0.use == .reportWrite }
    let status = (try? kernel.wait(pid))?.status ?? .exited(ExitStatus.setupFailed)
    // A later apply that replaces this command asked first: its end is not the sandbox's.
    if keeper, !kernel.takeHandoff(outsideOnly: false) { endSandbox(after: forkStep.id, runner) }
    return .exit(status.exitCode)
  }

  /// The keeper's steps once the command ended: SIGTERM to the init the step's pidfd names (ESRCH, ignored, when the
  /// sandbox ended first).
  private func endSandbox(after fork: Int, _ runner: StepRunner<Kernel>) {
    for step in launcher.steps(.joiner, after: fork) {
      launcher.trace(step)
      for case .endSandboxAfterCommand(let slot) in step.calls {
        if let pidfd = try? runner.fd(slot) { try? kernel.signalProcess(pidfd, 15) }
      }
    }
  }
}
