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
      outlive(init: pid, after: forkStep.id, ready, runner, &channels)
      channels.close(kernel) { $0.use == .reportWrite || $0.handoff == .sandboxReady || $0.handoff == .recorded }
    } else {
      // Nothing is reported from here.
      channels.close(kernel) { $0.use == .reportWrite }
      launcher.holdLocks(.sandbox, channels)
    }
    let status = (try? kernel.wait(pid))?.status ?? .exited(ExitStatus.setupFailed)
    return .exit(status.exitCode)
  }

  /// `up`: once init says the sandbox is ready, tells nsbuild init's pid and waits until nsbuild saved the record
  /// (``Handoff/Kind/recorded``); only then takes this process's last steps (it stops dying with nsbuild). Until
  /// then a SIGKILL of nsbuild ends this process and init with it (PR_SET_PDEATHSIG); end of file instead of "go",
  /// or a failed last step, ends init: nothing stays that nsbuild did not record.
  private func outlive(
    init pid: Int32, after fork: Int, _ ready: Int32, _ runner: StepRunner<Kernel>, _ channels: inout ChainChannels
  ) {
    guard kernel.receive(on: ready) == .ready else { return }
    let recorded = channels.fd(.goRead, of: .sandbox, .recorded)
    let outlived = channels.fd(.readyWrite, of: .sandbox, .recorded)
    if let report = channels.reportFD { kernel.send(.holder(pid: pid), on: report) }
    // nsbuild reads the report pipe to its end before it saves the record.
    channels.close(kernel) { $0.use == .reportWrite }
    guard let recorded, kernel.receive(on: recorded) == .go,
      launcher.run(launcher.steps(.sandbox, after: fork), with: runner, channels) == nil
    else {
      kernel.kill(pid, 9)
      return
    }
    // nsbuild exits once it reads this: its exit no longer ends the sandbox.
    if let outlived { kernel.send(.ready, on: outlived) }
  }
}
