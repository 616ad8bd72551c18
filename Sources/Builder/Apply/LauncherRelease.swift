extension Launcher {
  /// `up`: the end of the ``Handoff/Kind/recorded`` hand-off, once a ``RunOutcome/ready(initPID:sandboxPID:recorded:)``
  /// outcome's record is saved (`saved`) or could not be. Saved, the sandbox process gets "go" and stops dying with
  /// nsbuild (prctl(2) PR_SET_PDEATHSIG 0); not saved, it reads end of file and ends init and itself. Closes
  /// `recorded` either way.
  public func release(_ recorded: Int32, saved: Bool) {
    if saved { kernel.send(.go, on: recorded) }
    kernel.close(recorded)
  }
}
