/// nsbuild, on the host: forks the first process of the chain, takes its own steps on it while that process waits
/// (the ID maps, clock offsets, host paths opened in its mount namespace), and reports how the run ended.
struct ParentRole<Kernel: LinuxKernel> {
  let launcher: Launcher<Kernel>
  private var kernel: Kernel { launcher.kernel }
  /// The host links nsbuild's own steps made (a veth's host end, a bridge): deleted when setup fails, since only
  /// the veth would go by itself, with the sandbox's network namespace.
  private let made = MadeLinks()

  func run() -> RoleEnd {
    guard let child = launcher.plan.child(of: .parent), let forkStep = launcher.forkStep(of: child) else {
      return .outcome(.finished(.exited(0)))
    }
    // Until the command starts, a write that fails ends nothing halfway: a trace line to a closed pipe (`run
    // --verbose 2>&1 | head`) is lost rather than SIGPIPE killing the process writing it (init, unless it is a PID 1,
    // which the kernel spares), and a [[files]] write past the caller's RLIMIT_FSIZE fails as a step (EFBIG) that
    // is taken back, rather than SIGXFSZ ending init.
    kernel.ignoreWriteSignals(true)
    var runner = StepRunner(kernel: kernel)
    runner.pty = launcher.pty
    for step in launcher.steps(.parent, before: forkStep.id) {
      launcher.trace(step)
      do { try runner.run(step) } catch { return .outcome(.failed(error)) }
    }
    var channels = ChainChannels()
    let pid: Int32
    switch launcher.fork(forkStep, making: child, from: .parent, channels: &channels, link: ParentLink()) {
    case .failure(let failure): return .outcome(.failed(failure))
    case .success(.child(let end)): return end
    case .success(.parent(let forked)): pid = forked
    }
    if let failure = takeSteps(after: forkStep.id, on: pid, &channels) {
      made.delete(kernel)
      return .outcome(.failed(failure))
    }
    if launcher.plan.handoff(.sandboxReady) != nil {
      let outcome = awaitReady(pid, &channels)
      switch outcome {
      case .failed: made.delete(kernel)
      case .ready: break
      // Ended before it was ready: pasta's keeper ends pasta with the sandbox process, and is reaped here.
      case .finished, .refused, .started: made.endHelpers(kernel)
      }
      return .outcome(outcome)
    }
    if launcher.plan.handoff(.commandStarted) != nil { return .outcome(awaitStarted(pid, channels)) }
    launcher.holdLocks(.parent, channels)
    if let failure = relay(to: pid) {
      made.delete(kernel)
      return .outcome(.failed(failure))
    }
    let status = (try? kernel.wait(pid))?.status ?? .exited(ExitStatus.setupFailed)
    made.endHelpers(kernel)
    if let report = channels.fd(.reportRead, of: .parent), case .failed(let failure) = kernel.receive(on: report) {
      made.delete(kernel)
      return .outcome(.failed(failure))
    }
    if let failure = deleteHostEnds() { return .outcome(.failed(failure)) }
    return .outcome(.finished(status))
  }

  /// `run`, once the sandbox process ended: the planned RTM_DELLINK of each veth's host end (``Step/Kind/deleteLink``),
  /// so it is gone when nsbuild returns, not when the kernel's workqueue tears the sandbox's network namespace down.
  private func deleteHostEnds() -> StepFailure? {
    var runner = StepRunner(kernel: kernel)
    // The indexes the host ends had when this nsbuild made them.
    runner.links = made
    for step in launcher.plan.steps where step.actor == .parent && step.kind == .deleteLink {
      launcher.trace(step)
      do { try runner.run(step) } catch { return error }
    }
    return nil
  }

  /// `run -t`: relays the caller's terminal to the command's pseudo-terminal until the sandbox process `pid` ends.
  /// A relay that cannot start (the caller's terminal cannot be made raw) ends the sandbox: its command would wait
  /// for input that never comes.
  private func relay(to pid: Int32) -> StepFailure? {
    guard let step = launcher.step(.relay) else { return nil }
    launcher.trace(step)
    var runner = StepRunner(kernel: kernel, sandboxPID: pid)
    runner.pty = launcher.pty
    do { try runner.run(step) } catch {
      kernel.kill(pid, 9)
      _ = try? kernel.wait(pid)
      return error
    }
    return nil
  }

  /// `up`: reads the report pipe to its end, which comes once every process has taken its last step (init holding,
  /// the command past its execve(2)); nsbuild does not wait for the sandbox, which outlives it.
  ///
  /// A failure can come after init said the sandbox is ready (the command's execve(2) failing once released), while
  /// the sandbox process waits for the record's "go": nsbuild closes its ends of that hand-off before it waits for
  /// the sandbox process, whose end of file then ends init and itself. Waiting with them open, each would wait for
  /// the other for ever.
  private func awaitReady(_ pid: Int32, _ channels: inout ChainChannels) -> RunOutcome {
    var holder: Int32?
    var failed: StepFailure?
    if let report = channels.fd(.reportRead, of: .parent) {
      reading: while let bytes = try? kernel.read(report, count: 4096), !bytes.isEmpty {
        for message in ChainMessage.all(in: bytes) {
          switch message {
          case .holder(let initPID): holder = initPID
          case .failed(let failure):
            failed = failure
            break reading
          case .ready, .go: break
          }
        }
      }
    }
    guard failed == nil, let holder, let go = channels.fd(.goWrite, of: .parent, .recorded),
      let outlived = channels.fd(.readyRead, of: .parent, .recorded)
    else {
      channels.close(kernel) { $0.handoff == .recorded }
      let status = (try? kernel.wait(pid))?.status ?? .exited(ExitStatus.setupFailed)
      return failed.map { .failed($0) } ?? .finished(status)
    }
    let recorded = RecordedHandoff(go: go, outlived: outlived, pasta: made.releaseLivePasta(kernel))
    return .ready(initPID: holder, sandboxPID: pid, recorded: recorded)
  }

  /// `apply` starting a main command anew: reads the report pipe to its end, which comes once the command passed its
  /// execve(2) (or failed); the keeper, `pid`, is not waited for: it stays with the command.
  private func awaitStarted(_ pid: Int32, _ channels: ChainChannels) -> RunOutcome {
    var command: Int32?
    if let report = channels.fd(.reportRead, of: .parent) {
      while let bytes = try? kernel.read(report, count: 4096), !bytes.isEmpty {
        for message in ChainMessage.all(in: bytes) {
          switch message {
          case .holder(let started): command = started
          case .failed(let failure):
            _ = try? kernel.wait(pid)
            return .failed(failure)
          case .ready, .go: break
          }
        }
      }
    }
    guard let command else { return .finished((try? kernel.wait(pid))?.status ?? .exited(ExitStatus.setupFailed)) }
    return .started(commandPID: command, keeperPID: pid)
  }

  /// Takes nsbuild's steps that follow its fork, on the child `pid`, once it says ready if it waits for them; then
  /// lets it go. A step that fails kills the child, which would otherwise wait for ever.
  private func takeSteps(after fork: Int, on pid: Int32, _ channels: inout ChainChannels) -> StepFailure? {
    let writes = launcher.steps(.parent, after: fork)
    let pause = channels.releasing(.parent)
    let passing = channels.fd(.send, of: .parent, .fdsPassed)
    if !writes.isEmpty, pause.map({ kernel.receive(on: $0.ready) == .ready }) ?? true {
      var runner = StepRunner(kernel: kernel, sandboxPID: pid, passing: passing)
      runner.links = made
      runner.pty = launcher.pty
      for step in writes {
        launcher.trace(step)
        do { try runner.run(step) } catch {
          kernel.kill(pid, 9)
          _ = try? kernel.wait(pid)
          return error
        }
      }
      if let pause { kernel.send(.go, on: pause.go) }
    }
    // The child's end of file: after "go", or instead of it when the child ended before it said ready.
    channels.close([passing, pause?.go].compactMap { $0 }, kernel)
    return nil
  }
}
