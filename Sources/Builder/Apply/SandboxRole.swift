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
    let runner = StepRunner(kernel: kernel, reportFD: channels.reportFD, parent: start.link)
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
    // Nothing is reported from here; the locks stay open until exit.
    channels.close(kernel) { $0.use == .reportWrite }
    launcher.holdLocks(.sandbox, channels)
    let status = (try? kernel.wait(pid))?.status ?? .exited(ExitStatus.setupFailed)
    return .exit(status.exitCode)
  }
}
