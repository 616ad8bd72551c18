import SpecParser

/// The command's calls as the child of ``Syscall/cloneVM`` makes them: a list of C calls, each with the failure it
/// reports, built from the plan before the clone(2), so that no Swift code runs in a child that shares its parent's
/// memory (nsb_spawn_command in spawn.c).
///
/// Each failure is the ``StepFailure`` the same call would throw from ``StepRunner``: the child fills in the errno,
/// writes it to the report pipe and exits with ``ExitStatus/of(_:in:)`` of it, as a forked command did.
public struct CommandSpawn: Sendable, Hashable {
  /// One call of the child.
  public enum Call: Sendable, Hashable {
    case close(fd: Int32)
    case setsid
    case setControllingTerminal(fd: Int32)
    case setrlimit(resource: Int32, soft: UInt64, hard: UInt64)
    case keepCapabilities
    case dropBoundingSet(keep: UInt64)
    case setgroups(groups: [UInt32])
    case setresgid(gid: UInt32)
    case setresuid(uid: UInt32)
    case setParentDeathSignal(signal: Int32)
    /// Exits 137 unless getppid(2) reads `pid`.
    case checkParentPID(pid: Int32)
    /// Exits 137 once the lifeline `fd` hung up.
    case checkLifeline(fd: Int32)
    case capset(capabilities: UInt64)
    case raiseAmbient(capabilities: UInt64)
    case setNoNewPrivs
    case umask(mask: UInt32)
    case chdir(path: String)
    /// Says "ready" on `ready`, then waits for "go" (or end of file) on `go` (``Handoff/Kind/commandReady``).
    case pause(ready: Int32, go: Int32)
    /// ``CommandLauncher/missingProgram(_:)``, made with the command's own credentials and working directory.
    case checkProgram
    case closeOnExec(from: Int32)
    /// ``CommandLauncher/exec(_:)``.
    case execve
  }

  public struct Operation: Sendable, Hashable {
    public var call: Call
    /// What the child reports when the call fails; nil for a call that does not fail.
    public var failure: Report?
  }

  /// A failure the child reports: `failure` with the errno filled in, after which it exits with `status`, or
  /// `statusIfNotFound` for ENOENT (``ExitStatus/of(_:in:)``).
  public struct Report: Sendable, Hashable {
    public var failure: StepFailure
    public var status: Int32
    public var statusIfNotFound: Int32

    init(_ failure: StepFailure, in plan: Plan) {
      self.failure = failure
      func exitStatus(_ errno: Int32) -> Int32 {
        var failed = failure
        failed.error = SyscallError(call: failure.error.call, errno: errno, path: failure.error.path)
        return ExitStatus.of(failed, in: plan)
      }
      status = exitStatus(ErrnoNames.EACCES)
      statusIfNotFound = exitStatus(ErrnoNames.ENOENT)
    }
  }

  /// The program ``Call/execve`` runs and ``Call/checkProgram`` looks for.
  public struct Program: Sendable, Hashable {
    public var args: [String]
    public var env: [String]
    /// The paths execve(2) is tried on, in turn.
    public var candidates: [String]
    /// Whether the candidates come from a PATH search (execvp(3)'s rules) or are the one path given.
    public var search: Bool
    /// The failure reported for each candidate, then for none found (ENOENT) last.
    public var failures: [Report]
  }

  public var operations: [Operation]
  public var program: Program
  /// The report pipe's write end, which the child holds (close-on-exec) until its execve(2).
  public var report: Int32?

  /// The program of ``Call/execve`` and ``Call/checkProgram`` for `command`, call `index` of the exec step `step` of
  /// `plan`: the same search as ``CommandLauncher/exec(_:)``.
  static func program<Kernel: LinuxKernel>(
    _ command: Command, step: Int, call index: Int, in plan: Plan, kernel: Kernel
  ) -> Program {
    let env = CommandLauncher(kernel: kernel).environment(for: command)
    func failure(_ path: String) -> Report {
      let failure = StepFailure(
        stepID: step, callIndex: index, error: SyscallError(call: "execve", errno: 0, path: path))
      return Report(failure, in: plan)
    }
    guard let program = command.args.first, !program.isEmpty else {
      return Program(args: command.args, env: env, candidates: [], search: false, failures: [failure("")])
    }
    let search = !program.utf8.contains(UInt8(ascii: "/"))
    let candidates =
      search
      ? CommandLauncher<Kernel>.searchPath(env).split(separator: ":", omittingEmptySubsequences: false).map {
        ($0.isEmpty ? "." : String($0)) + "/" + program
      } : [program]
    return Program(
      args: command.args, env: env, candidates: candidates, search: search,
      failures: candidates.map(failure) + [failure(program)])
  }
}
