/// nsbuild's ends of the ``Handoff/Kind/recorded`` hand-off of an `up` (see ``Launcher/release(_:saved:)``).
public struct RecordedHandoff: Sendable, Hashable {
  /// The pipe nsbuild writes "go" on once the sandbox's record is saved.
  public let go: Int32
  /// The pipe the sandbox process says "ready" on once it no longer dies with nsbuild.
  public let outlived: Int32
  /// `[net.pasta]`: pasta, as it was once the sandbox's network was set up (its keeper ends it when the sandbox
  /// process ends; ``Syscall/startLivePasta(program:arguments:output:)``); nil without pasta.
  public var pasta: ProcessIdentity? = nil
}

extension Launcher {
  /// `up`: ends the ``Handoff/Kind/recorded`` hand-off of a ``RunOutcome/ready(initPID:sandboxPID:recorded:)``
  /// outcome, once its record is saved (`saved`) or could not be. Saved, the sandbox process gets "go", clears its
  /// parent-death signal (prctl(2) PR_SET_PDEATHSIG 0) and says so, and this returns after that, so nsbuild's exit
  /// cannot end it; not saved, it reads end of file and ends init and itself. Closes both fds either way.
  /// - Returns: whether the sandbox process said it outlives nsbuild (false when it ended instead).
  @discardableResult
  public func release(_ recorded: RecordedHandoff, saved: Bool) -> Bool {
    if saved { kernel.send(.go, on: recorded.go) }
    kernel.close(recorded.go)
    let outlives = saved && kernel.receive(on: recorded.outlived) == .ready
    kernel.close(recorded.outlived)
    return outlives
  }
}
