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
  }

  /// Runs the plan and waits for the command.
  public func run() -> RunOutcome {
    guard let spawn = plan.steps.first(where: { $0.kind == .spawn }) else { return .finished(.exited(0)) }
    let pipes: Pipes
    let sandboxPID: Int32
    do {
      pipes = Pipes(report: try kernel.pipe(), ready: try kernel.pipe(), go: try kernel.pipe())
      trace(spawn)
      sandboxPID = try kernel.fork()
    } catch {
      return .failed(StepFailure(stepID: spawn.id, callIndex: 0, error: error))
    }
    if sandboxPID == 0 { sandboxMain(pipes, parent: kernel.parentProcessID()) }
    return parentMain(pipes, sandboxPID: sandboxPID)
  }

  private func steps(_ actor: Step.Actor) -> [Step] {
    plan.steps.filter { $0.actor == actor && $0.kind != .spawn && $0.kind != .fork && $0.kind != .exec }
  }

  // MARK: nsbuild, on the host

  private func parentMain(_ pipes: Pipes, sandboxPID: Int32) -> RunOutcome {
    [pipes.report.write, pipes.ready.write, pipes.go.read].forEach(kernel.close)
    let writes = steps(.parent)
    if !writes.isEmpty, (try? kernel.read(pipes.ready.read, count: 1))?.isEmpty == false {
      let runner = StepRunner(kernel: kernel, sandboxPID: sandboxPID)
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
    kernel.close(pipes.go.write)
    let status = (try? kernel.wait(sandboxPID))?.status ?? .exited(125)
    let report = (try? kernel.read(pipes.report.read, count: 4096)) ?? []
    if let failure = FailureRecord.decode(report) { return .failed(failure) }
    return .finished(status)
  }

  /// Sends `failure` to the parent and exits 125; `code` overrides the status (126/127 for exec).
  private func fail(_ failure: StepFailure, _ pipes: Pipes, code: Int32 = 125) -> Never {
    try? kernel.write(pipes.report.write, FailureRecord.encode(failure))
    kernel.exit(code)
  }

  /// Runs the calls of `step` after its fork(2): the child's half, such as PR_SET_PDEATHSIG.
  private func finishFork(_ step: Step, _ pipes: Pipes, parent: Int32) {
    let runner = StepRunner(kernel: kernel)
    for (index, call) in step.calls.enumerated() where call != .fork {
      do { try runner.perform(call) } catch { fail(StepFailure(stepID: step.id, callIndex: index, error: error), pipes) }
    }
    // The parent may have died before PR_SET_PDEATHSIG took effect; then nobody would reap or report. In a new pid
    // namespace getppid(2) reads 0, since the parent lives outside it; that parent is the sandbox process, which
    // waits for this one, so nothing is lost there.
    let now = kernel.parentProcessID()
    if now != parent, now != 0 { kernel.exit(125) }
  }

  // MARK: the sandbox process

  private func sandboxMain(_ pipes: Pipes, parent: Int32) -> Never {
    [pipes.report.read, pipes.ready.read, pipes.go.write].forEach(kernel.close)
    if let spawn = plan.steps.first(where: { $0.kind == .spawn }) { finishFork(spawn, pipes, parent: parent) }
    let runner = StepRunner(kernel: kernel)
    for step in steps(.sandbox) {
      trace(step)
      do { try runner.run(step) } catch { fail(error, pipes) }
    }
    if !steps(.parent).isEmpty {
      try? kernel.write(pipes.ready.write, [1])
      // End of file instead of the go byte means the parent failed a write and reports it.
      if (try? kernel.read(pipes.go.read, count: 1))?.isEmpty != false { kernel.exit(125) }
    }
    [pipes.ready.write, pipes.go.read].forEach(kernel.close)
    guard let forkStep = plan.steps.first(where: { $0.kind == .fork }) else { kernel.exit(125) }
    trace(forkStep)
    let me = kernel.processID()
    let initPID: Int32
    do { initPID = try kernel.fork() } catch { fail(StepFailure(stepID: forkStep.id, callIndex: 0, error: error), pipes) }
    if initPID == 0 { initMain(pipes, forkStep: forkStep, parent: me) }
    kernel.close(pipes.report.write)
    let status = (try? kernel.wait(initPID))?.status ?? .exited(125)
    kernel.exit(status.exitCode)
  }

  // MARK: init, inside the new namespaces

  private func initMain(_ pipes: Pipes, forkStep: Step, parent: Int32) -> Never {
    finishFork(forkStep, pipes, parent: parent)
    let runner = StepRunner(kernel: kernel)
    for step in steps(.initProcess) {
      trace(step)
      do { try runner.run(step) } catch { fail(error, pipes) }
    }
    guard let execStep = plan.steps.first(where: { $0.kind == .exec }),
      case .exec(let command) = execStep.calls.first
    else { kernel.exit(125) }
    trace(execStep)
    let commandPID: Int32
    do { commandPID = try kernel.fork() } catch { fail(StepFailure(stepID: execStep.id, callIndex: 0, error: error), pipes) }
    if commandPID == 0 {
      let error = CommandLauncher(kernel: kernel).exec(command)
      fail(StepFailure(stepID: execStep.id, callIndex: 0, error: error), pipes, code: error.errno == ErrnoNames.ENOENT ? 127 : 126)
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
