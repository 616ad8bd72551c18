/// The exit statuses `run` gives when the command's own cannot be had, as the shell, env(1) and chroot(1) give them
/// (POSIX "Command Search and Execution"), chosen in this one place.
public enum ExitStatus {
  /// nsbuild failed before the command started: a bad spec, a failed step.
  public static let setupFailed: Int32 = 125

  /// A program that did not start: 127 when execve(2) found nothing there (ENOENT), 126 when it found a file it
  /// could not execute (EACCES, ENOEXEC, a folder…).
  public static func notExecuted(errno: Int32) -> Int32 { errno == ErrnoNames.ENOENT ? 127 : 126 }

  /// How `run` ends when `failure` stopped it: as ``notExecuted(errno:)`` when it is the command's exec step that
  /// failed, else ``setupFailed``.
  public static func of(_ failure: StepFailure, in plan: Plan) -> Int32 {
    guard plan.steps.first(where: { $0.id == failure.stepID })?.kind == .exec else { return setupFailed }
    return notExecuted(errno: failure.error.errno)
  }
}
