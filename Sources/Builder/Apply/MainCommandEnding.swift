extension MainCommandSteps {
  /// Takes the steps of ``ending`` in nsbuild (each a ``Step/Actor/parent`` step), in order, with a ``StepRunner``:
  /// the keepers told, the old command ended. `trace` is called before each. The first failure stops it.
  public func end<Kernel: LinuxKernel>(kernel: Kernel, trace: (Step) -> Void = { _ in }) -> StepFailure? {
    for step in ending {
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
