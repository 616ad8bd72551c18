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

/// Makes the calls of one step through a kernel. Forks are the ``Launcher``'s (they change which process goes on);
/// this runs every call that acts in the current process.
struct StepRunner<Kernel: LinuxKernel> {
  let kernel: Kernel
  /// The sandbox process's pid, for the parent's writes to `/proc/<pid>/...`.
  var sandboxPID: Int32 = 0

  func perform(_ call: Syscall) throws(SyscallError) {
    switch call {
    case .fork, .forwardSignals: break  // the Launcher's, around its fork(2)
    case .setParentDeathSignal(let signal): try kernel.setParentDeathSignal(signal)
    case .unshare(let flags): try kernel.unshare(flags)
    case .writeProcFile(let file, let contents): try kernel.writeFile("/proc/\(sandboxPID)/\(file)", contents)
    case .mount(let source, let target, let fstype, let flags, let data):
      try kernel.mount(source: source, target: target, fstype: fstype, flags: flags, data: data)
    case .mountSetattr(let path, let recursive, let set):
      try kernel.mountSetattr(path: path, recursive: recursive, set: set)
    case .sethostname(let name): try kernel.sethostname(name)
    case .setdomainname(let name): try kernel.setdomainname(name)
    case .loopbackUp: try kernel.loopbackUp()
    case .scrubEnvironment: kernel.scrubEnvironment()
    default: try performForCommand(call)
    }
  }

  /// The calls the command's process makes between fork(2) and execve(2).
  private func performForCommand(_ call: Syscall) throws(SyscallError) {
    switch call {
    case .setsid: try kernel.setsid()
    case .setrlimit(let limit): try kernel.setrlimit(limit.resource.number, soft: limit.soft, hard: limit.hard)
    case .setgroups(let groups): try kernel.setgroups(groups)
    case .setresgid(let id): try kernel.setresgid(id)
    case .setresuid(let id): try kernel.setresuid(id)
    case .keepCapabilities: try kernel.keepCapabilities()
    case .dropBoundingSet(let keep): try kernel.dropBoundingSet(keep: Self.mask(keep))
    case .capset(let keep): try kernel.capset(Self.mask(keep))
    case .raiseAmbient(let keep): try kernel.raiseAmbient(Self.mask(keep))
    case .setNoNewPrivs: try kernel.setNoNewPrivs()
    case .umask(let mask): kernel.umask(mask)
    case .chdir(let path): try kernel.chdir(path)
    case .closeOnExecFrom(let first): try kernel.closeOnExec(from: first)
    case .execve(let command): throw CommandLauncher(kernel: kernel).exec(command)
    default: break
    }
  }

  static func mask(_ capabilities: [Capability]) -> UInt64 {
    capabilities.reduce(0) { $0 | (1 << UInt64($1.number)) }
  }

  /// Runs every call of `step` in order; skips a step whose change is `=`.
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
