/// The sandbox process: unshares, waits while nsbuild writes its ID maps and clock offsets, forks init into the
/// new pid and time namespaces, holds the locks init hands it, and exits with init's status. It stays outside the
/// new root, where the command cannot reach it.
struct SandboxRole<Kernel: LinuxKernel> {
  let launcher: Launcher<Kernel>
  let start: ChildStart
  private var kernel: Kernel { launcher.kernel }

  func run() -> RoleEnd {
    var channels = start.channels
    let child = launcher.plan.child(of: .sandbox)
    let forkStep = child.flatMap(launcher.forkStep(of:))
    var runner = StepRunner(kernel: kernel, reportFD: channels.reportFD, parent: start.link)
    runner.keptFDs = channels.ends.map(\.fd) + [start.link.lifeline].compactMap { $0 }
    if let status = launcher.run(launcher.steps(.sandbox, before: forkStep?.id), with: runner, channels) {
      return .exit(status)
    }
    if let pause = channels.waiting(.sandbox) {
      kernel.send(.ready, on: pause.ready)
      // End of file instead of "go" means the parent failed a step and reports it.
      guard kernel.receive(on: pause.go) == .go else { return .exit(ExitStatus.setupFailed) }
      channels.close([pause.ready, pause.go], kernel)
    }
    guard let child, let forkStep else { return .exit(ExitStatus.setupFailed) }
    let pid: Int32
    switch launcher.fork(forkStep, making: child, from: .sandbox, channels: &channels, link: start.link) {
    case .failure(let failure): return .exit(launcher.fail(failure, channels))
    case .success(.child(let end)): return end
    case .success(.parent(let forked)): pid = forked
    }
    // The locks init hands on come as it closes its setup fds, before it says it is ready; they stay open until exit.
    if let ready = channels.fd(.readyRead, of: .sandbox, .sandboxReady) {
      launcher.holdLocks(.sandbox, channels)
      outlive(init: pid, after: forkStep.id, ready, runner, channels)
      channels.close(kernel) { $0.use == .reportWrite || $0.handoff == .sandboxReady }
    } else {
      // Nothing is reported from here.
      channels.close(kernel) { $0.use == .reportWrite }
      launcher.holdLocks(.sandbox, channels)
    }
    let status = (try? kernel.wait(pid))?.status ?? .exited(ExitStatus.setupFailed)
    return .exit(status.exitCode)
  }

  /// `up`: once init says the sandbox is ready, takes this process's last steps (it stops dying with nsbuild) and
  /// tells nsbuild init's pid; a failure there ends init, so nothing stays that nsbuild did not record.
  private func outlive(
    init pid: Int32, after fork: Int, _ ready: Int32, _ runner: StepRunner<Kernel>, _ channels: ChainChannels
  ) {
    guard kernel.receive(on: ready) == .ready else { return }
    if launcher.run(launcher.steps(.sandbox, after: fork), with: runner, channels) != nil {
      kernel.kill(pid, 9)
      return
    }
    if let report = channels.reportFD { kernel.send(.holder(pid: pid), on: report) }
  }
}
