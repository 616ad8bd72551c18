/// The joiner, for `exec`: enters a live sandbox's namespaces (setns(2), by a pidfd or one namespace file at a time,
/// as the plan says), forks the command, which a joined pid namespace takes in as it takes only children, waits for
/// it and exits with its status. It takes no step of the sandbox's own setup: that stands already.
struct JoinerRole<Kernel: LinuxKernel> {
  let launcher: Launcher<Kernel>
  let start: ChildStart
  private var kernel: Kernel { launcher.kernel }

  func run() -> RoleEnd {
    var channels = start.channels
    guard let child = launcher.plan.child(of: .joiner), let forkStep = launcher.forkStep(of: child) else {
      return .exit(ExitStatus.setupFailed)
    }
    let runner = StepRunner(kernel: kernel, reportFD: channels.reportFD, parent: start.link)
    if let status = launcher.run(launcher.steps(.joiner, before: forkStep.id), with: runner, channels) {
      return .exit(status)
    }
    let pid: Int32
    switch launcher.fork(forkStep, making: child, from: .joiner, channels: &channels, link: start.link) {
    case .failure(let failure): return .exit(launcher.fail(failure, channels))
    case .success(.child(let end)): return end
    case .success(.parent(let forked)): pid = forked
    }
    // Only the command reports from here.
    channels.close(kernel) { $0.use == .reportWrite }
    let status = (try? kernel.wait(pid))?.status ?? .exited(ExitStatus.setupFailed)
    return .exit(status.exitCode)
  }
}
