import SpecParser

/// What every role does: find its steps, take them, fork, report a failure.
extension Launcher {
  func step(_ kind: Step.Kind) -> Step? { plan.steps.first { $0.kind == kind } }

  /// The fork step that makes `process`.
  func forkStep(of process: PlannedProcess) -> Step? {
    process.forkedBy.flatMap { id in plan.steps.first { $0.id == id } }
  }

  /// The steps `actor` takes in place (forks are taken by the process that forks; nsbuild relays the terminal while
  /// it waits for the sandbox process, and gives the terminal back once the command ended), those before the fork
  /// step `fork` or after it when given.
  func steps(_ actor: Step.Actor, before fork: Int? = nil, after: Int? = nil) -> [Step] {
    plan.steps.filter {
      $0.actor == actor && !$0.calls.contains(where: \.startsProcess) && $0.kind != .foreground && $0.kind != .relay
        && $0.kind != .deleteLink
        && $0.id < (fork ?? Int.max) && $0.id > (after ?? Int.min)
    }
  }

  /// `role` and every role forked below it.
  func subtree(_ role: Step.Actor) -> Set<Step.Actor> {
    Set(plan.processes.map(\.role).filter { $0 == role || plan.descends($0, from: role) })
  }

  /// The signals a fork step passes on to the child it makes.
  static func signals(passedOnBy step: Step) -> [Int32] {
    step.calls.flatMap { call -> [Int32] in
      if case .forwardSignals(let signals, _) = call { return signals }
      return []
    }
  }

  /// Sends `failure` to nsbuild; the status to exit with is ``ExitStatus/of(_:in:)``.
  func fail(_ failure: StepFailure, _ channels: ChainChannels) -> Int32 {
    if let report = channels.reportFD { kernel.send(.failed(failure), on: report) }
    return ExitStatus.of(failure, in: plan)
  }

  /// Takes `steps` with `runner`; the status to exit with when one fails or a signal came (nil when all were
  /// taken). With `waiting`, the command waiting for the end of `go`: init's exit would bring that end too, so a
  /// failure or a signal here kills the command first, lest it take the end of `go` as leave to run execve(2).
  func run(
    _ steps: [Step], with runner: StepRunner<Kernel>, _ channels: ChainChannels, stopping waiting: Int32? = nil
  ) -> Int32? {
    for step in steps {
      trace(step)
      do { try runner.run(step) } catch {
        if let waiting { end(waiting) }
        undo(runner.journal, runner.fds)
        return fail(error, channels)
      }
      if let journal = runner.journal, let status = endIfSignalled(journal, runner.fds, stopping: waiting) {
        return status
      }
    }
    return nil
  }

  /// Takes back what init made. Its own shared locks go first: another run's still keep what that run uses.
  func undo(_ journal: SetupJournal?, _ fds: FDTable) {
    guard let journal else { return }
    fds.releaseLocks(kernel)
    journal.undo(kernel)
  }

  /// Takes back what was made if a signal arrived while init was setting up; the status to end with as the signal
  /// would have.
  func endIfSignalled(_ journal: SetupJournal, _ fds: FDTable, stopping waiting: Int32? = nil) -> Int32? {
    guard let signal = kernel.takeDeferredSignal() else { return nil }
    if let waiting { end(waiting) }
    undo(journal, fds)
    return 128 + signal
  }

  /// SIGKILL to the command init forked, then wait(2) for it, before anything is taken back: forked with init's
  /// fds, it holds init's shared locks on the host mount points until it has exited (flock(2) locks belong to the
  /// open file, which its copies keep open), and the undo removes only a mount point it can lock exclusively. Not
  /// waited for, a command still exiting left the mount points, and their folders, on the host.
  func end(_ command: Int32) {
    kernel.kill(command, 9)
    _ = try? kernel.wait(command)
  }

  /// Holds, until the sender closes its end, the fds `role` is handed to keep (init's locks on host mount points,
  /// which stay open here until exit), when the plan has it do so.
  func holdLocks(_ role: Step.Actor, _ channels: ChainChannels) {
    guard let socket = channels.fd(.receive, of: role, .locksHeld) else { return }
    _ = kernel.receiveFDsUntilClosed(socket)
  }
}

extension ChainChannels {
  /// The report pipe's write end, in a process that has it.
  var reportFD: Int32? { ends.first { $0.use == .reportWrite }?.fd }
}
