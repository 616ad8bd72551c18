import SpecParser

/// Which call of which step failed, and how.
public struct StepFailure: Error, Sendable, Hashable {
  /// The step's id (1-based, as `plan` prints it).
  public var stepID: Int
  /// The failing call's index within the step.
  public var callIndex: Int
  public var error: SyscallError

  public init(stepID: Int, callIndex: Int, error: SyscallError) {
    self.stepID = stepID
    self.callIndex = callIndex
    self.error = error
  }
}

/// Makes the calls of one step through a kernel. Process changes (fork, exec) are the ``Launcher``'s; this runs
/// the calls that act in place.
struct StepRunner<Kernel: LinuxKernel> {
  let kernel: Kernel
  /// The sandbox process's pid, for the parent's writes to `/proc/<pid>/...`.
  var sandboxPID: Int32 = 0

  func perform(_ call: Syscall) throws(SyscallError) {
    switch call {
    case .setParentDeathSignal(let signal): try kernel.setParentDeathSignal(signal)
    case .unshare(let flags): try kernel.unshare(flags)
    case .writeProcFile(let file, let contents): try kernel.writeFile("/proc/\(sandboxPID)/\(file)", contents)
    case .mount(let source, let target, let fstype, let flags, let data):
      try kernel.mount(source: source, target: target, fstype: fstype, flags: flags, data: data)
    case .mountSetattr(let path, let recursive, let set): try kernel.mountSetattr(path: path, recursive: recursive, set: set)
    case .sethostname(let name): try kernel.sethostname(name)
    case .setdomainname(let name): try kernel.setdomainname(name)
    case .fork, .exec: break  // the Launcher's
    }
  }

  /// Runs every in-place call of `step`, in order; skips a step whose change is `=`.
  func run(_ step: Step) throws(StepFailure) {
    guard !step.change.isUnchanged else { return }
    for (index, call) in step.calls.enumerated() {
      do {
        try perform(call)
      } catch {
        throw StepFailure(stepID: step.id, callIndex: index, error: error)
      }
    }
  }
}
