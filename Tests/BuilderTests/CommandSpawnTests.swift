import Glibc
import SpecParser
import Testing

@testable import Builder

/// The command's child of ``Syscall/cloneVM`` for real (nsb_spawn_command): it makes its list of calls in a process
/// of its own, reports the first that fails on the report pipe with that call's step, name, path and errno, and
/// exits as a forked command did; what it does not fail at, it execs.
@Suite struct CommandSpawnTests {
  let kernel = RealKernel()

  /// Spawns `operations` then `program`, with a report pipe; the failure reported (nil for none) and the status.
  func spawn(_ operations: [CommandSpawn.Operation], _ program: CommandSpawn.Program) throws -> (
    failure: StepFailure?, status: WaitStatus?
  ) {
    let report = try kernel.pipe()
    let spawn = CommandSpawn(operations: operations, program: program, report: report.write)
    let pid = try kernel.spawnCommand(spawn)
    kernel.close(report.write)
    var bytes: [UInt8] = []
    while let chunk = try? kernel.read(report.read, count: 4096), !chunk.isEmpty { bytes += chunk }
    kernel.close(report.read)
    let status = try kernel.wait(pid)?.status
    guard case .failed(let failure)? = ChainMessage(decoding: bytes) else { return (nil, status) }
    return (failure, status)
  }

  func plan() throws -> Plan {
    try Planner(spec: try decodeSpec("version = 1\n"), state: PlannerTests.root).plan(command: ["true"])
  }

  /// The program `args` with nothing but PATH (`path`) in its environment, as the exec step of `plan()` runs it.
  func program(_ args: [String], path: String = "/no/such:/bin") throws -> CommandSpawn.Program {
    let plan = try plan()
    let exec = try #require(plan.steps.last { $0.kind == .exec })
    let command = Command(args: args, clearEnv: true, env: [EnvironmentVariable("PATH", path)])
    return CommandSpawn.program(command, step: exec.id, call: 1, in: plan, kernel: kernel)
  }

  @Test func aFailingCallIsReportedWithItsStepNameAndErrnoAndEndsTheChild() throws {
    let plan = try plan()
    let failure = StepFailure(stepID: 3, callIndex: 0, error: SyscallError(call: "chdir", errno: 0, path: "/no/such"))
    let operations: [CommandSpawn.Operation] = [
      .init(call: .umask(mask: 0o77)), .init(call: .chdir(path: "/no/such"), failure: .init(failure, in: plan)),
      .init(call: .execve),
    ]
    let (reported, status) = try spawn(operations, try program(["/bin/true"]))
    #expect(
      reported == StepFailure(stepID: 3, callIndex: 0, error: SyscallError(call: "chdir", errno: 2, path: "/no/such")))
    #expect(status == .exited(ExitStatus.setupFailed))
  }

  @Test func theProgramIsSearchedInPathAndRunsWithItsArguments() throws {
    let (reported, status) = try spawn(
      [.init(call: .checkProgram), .init(call: .execve)], try program(["sh", "-c", "exit 7"]))
    #expect(reported == nil)
    #expect(status == .exited(7))
  }

  /// execvp(3)'s rules: nothing found is ENOENT (127) naming the program; a file found but not executable is
  /// EACCES (126) naming that path, both before the pause (the check) and at the execve(2) itself.
  @Test(arguments: [true, false])
  func aMissingOrUnexecutableProgramIsReportedAsExecveWould(checkedFirst: Bool) throws {
    let operations: [CommandSpawn.Operation] =
      (checkedFirst ? [.init(call: .checkProgram)] : []) + [.init(call: .execve)]
    let missing = try spawn(operations, try program(["no-such-program"]))
    #expect(missing.failure?.error == SyscallError(call: "execve", errno: ErrnoNames.ENOENT, path: "no-such-program"))
    #expect(missing.status == .exited(127))
    let denied = try spawn(operations, try program(["passwd"], path: "/no/such:/etc"))
    #expect(denied.failure?.error == SyscallError(call: "execve", errno: ErrnoNames.EACCES, path: "/etc/passwd"))
    #expect(denied.status == .exited(126))
  }

  /// The child's own copy of the fd table: what it closes stays open here, and what is close-on-exec never reaches
  /// the program.
  @Test func theChildClosesInItsOwnFdTable() throws {
    let kept = try kernel.pipe()
    defer { [kept.read, kept.write].forEach(kernel.close) }
    let (reported, status) = try spawn(
      [.init(call: .close(fd: kept.write)), .init(call: .closeOnExec(from: 3)), .init(call: .execve)],
      try program(["sh", "-c", "test ! -e /proc/self/fd/\(kept.read)"]))
    #expect(reported == nil)
    #expect(status == .exited(0))
    #expect(fcntl(kept.write, F_GETFD) >= 0)
  }
}
