/// The command's process: its own steps (session, limits, credentials, capabilities), then, once init holds no
/// setup fd, execve(2).
struct CommandRole<Kernel: LinuxKernel> {
  let launcher: Launcher<Kernel>
  let start: ChildStart
  private var kernel: Kernel { launcher.kernel }

  func run() -> RoleEnd {
    let channels = start.channels
    let steps = launcher.steps(.command)
    let exec = steps.last { $0.kind == .exec }?.id ?? Int.max
    let runner = StepRunner(kernel: kernel, reportFD: channels.reportFD, parent: start.link)
    if let status = launcher.run(steps.filter { $0.id < exec }, with: runner, channels) { return .exit(status) }
    // A program that is not there fails now, while init can still take back what it made.
    if let execStep = launcher.step(.exec), case .execve(let command) = execStep.calls.last,
      let error = CommandLauncher(kernel: kernel).missingProgram(command)
    {
      let failure = StepFailure(stepID: execStep.id, callIndex: execStep.calls.count - 1, error: error)
      return .exit(launcher.fail(failure, channels))
    }
    if let pause = channels.waiting(.command) {
      kernel.send(.ready, on: pause.ready)
      _ = kernel.receive(on: pause.go)
    }
    if let status = launcher.run(steps.filter { $0.id >= exec }, with: runner, channels) { return .exit(status) }
    return .exit(ExitStatus.setupFailed)  // never: the exec step either replaces this process or fails
  }
}
