extension MainCommandSteps {
  /// Takes the steps of ``ending`` in nsbuild (each a ``Step/Actor/parent`` step), in order, with a ``StepRunner``:
  /// the keepers told, the old command ended; not the program checks, which ``checkProgram(kernel:trace:)`` takes
  /// before. `trace` is called before each. The first failure stops it. With
  /// `first`, only the steps from the one numbered so on (the rest after a wait a signal cut short).
  public func end<Kernel: LinuxKernel>(kernel: Kernel, trace: (Step) -> Void = { _ in }, from first: Int = Int.min)
    -> StepFailure?
  {
    for step in ending where step.id >= first && step.kind != .checkProgram {
      trace(step)
      guard step.actor == .parent else {
        return StepFailure(
          stepID: step.id, callIndex: 0,
          error: SyscallError(call: "apply", errno: ErrnoNames.EINVAL, path: "a step for \(step.actor.rawValue)"))
      }
      do { try StepRunner(kernel: kernel).run(step) } catch { return error }
    }
    return nil
  }
}

extension MainCommandSteps {
  /// Takes the ``Step/Kind/checkProgram`` steps of ``ending`` (the new program looked up inside the sandbox), the
  /// first of them, before anything is ended: the first failure, or nil.
  public func checkProgram<Kernel: LinuxKernel>(kernel: Kernel, trace: (Step) -> Void = { _ in }) -> StepFailure? {
    for step in ending where step.kind == .checkProgram {
      trace(step)
      do { try StepRunner(kernel: kernel).run(step) } catch { return error }
    }
    return nil
  }

  /// The old main commands the taken ending steps (those numbered up to `last`) were to end, when every one still
  /// runs: the handoff each keeper was sent is then taken back (``LinuxKernel/cancelHandoff(_:)``) and the sandbox
  /// stands as before. False, with nothing sent, once one of them ended: that cannot be taken back.
  public func takeBackEnding<Kernel: LinuxKernel>(through last: Int, kernel: Kernel) -> Bool {
    let taken = ending.filter { $0.id <= last }
    let commands = taken.flatMap(\.calls).compactMap { call -> ProcessIdentity? in
      if case .endProcess(let target, _) = call { return target }
      return nil
    }
    guard commands.allSatisfy({ $0.isAlive(reader: kernel) }) else { return false }
    for case .sendHandoffSignal(let keeper) in taken.flatMap(\.calls) {
      guard let pidfd = try? kernel.openProcess(keeper.pid) else { continue }
      defer { kernel.close(pidfd) }
      if keeper.isAlive(reader: kernel) { try? kernel.cancelHandoff(pidfd) }
    }
    return true
  }
}
