import SpecParser
import Testing

@testable import Builder

/// The launcher against the recording kernel: which process of the chain makes which call, in which order, and
/// what they tell each other. fork(2) returns what a test chooses, so each launch follows one process down the
/// chain: nsbuild (a fork returns the child's pid, 4242), or the child (it returns 0) into the next role.
@Suite struct LauncherTests {
  static let ready = ChainMessage.ready.encoded
  static let go = ChainMessage.go.encoded

  /// Launches `plan`; the role it ended in, and the calls, with the lists of signals left out.
  func launch(_ plan: Plan, forks: [Int32], reads: [[UInt8]] = []) -> (end: RoleEnd, log: [String]) {
    let kernel = RecordingKernel()
    kernel.logsChain = true
    kernel.forkResults = forks
    kernel.reads = reads
    let end = Launcher(kernel: kernel, plan: plan).start()
    let log = kernel.log.map { line in
      if line.hasPrefix("block ") { return "block" }
      if line.hasPrefix("forward("), let arrow = line.range(of: " → ") { return "forward" + line[arrow.lowerBound...] }
      return line
    }
    return (end, log)
  }

  func rootless() throws -> Plan {
    try Planner(spec: try exampleSpec("rootless.toml"), state: PlannerTests.user).plan(command: ["true"])
  }

  /// The calls after the `count`th fork(2) (or clone(2) of the command), but the command's child's.
  func after(forks count: Int, _ log: [String]) -> [String] {
    var seen = 0
    func forks(_ line: String) -> Bool { line == "fork()" || line == "clone(CLONE_VM)" }
    return Array(
      log.drop { line in
        if forks(line) { seen += 1 }
        return seen < count || forks(line)
      }
    ).filter { !$0.hasPrefix("child: ") }
  }

  @Test func theChainIsThePlans() throws {
    let plan = try rootless()
    #expect(plan.processes.map(\.role) == [.parent, .sandbox, .initProcess, .command])
    #expect(plan.processes.compactMap(\.forkedBy).map { plan.steps[$0 - 1].kind } == [.spawn, .fork, .spawnCommand])
    #expect(
      plan.chainSummary
        == "parent → sandbox → init → command; id_maps_written (parent → sandbox), locks_held (init → sandbox), command_ready (command → init)"
    )
  }

  @Test func nsbuildWritesTheMapsOnceTheSandboxProcessSaysReady() throws {
    let (end, log) = launch(try rootless(), forks: [], reads: [Self.ready])
    guard case .outcome(.finished(.exited(125))) = end else {  // the fake's wait(2) has no status
      Issue.record("ended as \(end)")
      return
    }
    #expect(
      log == [
        "pipe() = (31, 32)", "pipe() = (33, 34)", "pipe() = (35, 36)",  // report, ready, go
        "prctl(PR_SET_PDEATHSIG, SIGKILL)", "block", "fork()", "forward → 4242)",
        "read(33) = ready",
        "write(/proc/4242/setgroups, \"deny\")", "write(/proc/4242/uid_map, \"0 1000 1\\n\")",
        "write(/proc/4242/gid_map, \"0 1001 1\\n\")",
        "write(36, go)", "wait(4242)", "read(31) = end of file",
      ])
  }

  @Test func nsbuildWritesNothingWhenTheSandboxProcessEndsFirstAndReportsItsFailure() throws {
    let failure = StepFailure(stepID: 2, callIndex: 0, error: SyscallError(call: "unshare", errno: ErrnoNames.EPERM))
    let (end, log) = launch(try rootless(), forks: [], reads: [[], ChainMessage.failed(failure).encoded])
    guard case .outcome(.failed(let reported)) = end else {
      Issue.record("ended as \(end)")
      return
    }
    #expect(reported == failure)
    #expect(!log.contains { $0.hasPrefix("write(") })
    #expect(log.suffix(3) == ["read(33) = end of file", "wait(4242)", "read(31) = \(ChainMessage.failed(failure))"])
  }

  @Test func theSandboxProcessUnsharesWaitsForGoForksInitAndHoldsItsLocks() throws {
    let (end, log) = launch(try rootless(), forks: [0], reads: [Self.go])
    guard case .exit(125) = end else {
      Issue.record("ended as \(end)")
      return
    }
    #expect(
      after(forks: 1, log) == [
        "forward → 0)", "prctl(PR_SET_PDEATHSIG, SIGKILL)",
        "unshare(CLONE_NEWUSER|CLONE_NEWNS|CLONE_NEWPID|CLONE_NEWIPC|CLONE_NEWUTS)",
        "write(34, ready)", "read(35) = go",
        "socketpair() = (37, 38)",  // init's locks
        "chdir(/)", "prctl(PR_SET_DUMPABLE, 0)", "pipe() = (39, 40)",  // init's lifeline
        "block", "fork()", "forward → 4242)", "hold fds from 38", "wait(4242)",
      ])
  }

  @Test func theSandboxProcessForksNothingWithoutGo() throws {
    let (end, log) = launch(try rootless(), forks: [0], reads: [])
    guard case .exit(125) = end else {
      Issue.record("ended as \(end)")
      return
    }
    #expect(log.last == "read(35) = end of file")
    #expect(log.filter { $0 == "fork()" }.count == 1)
  }

  @Test func initTakesItsLastStepsOnlyOnceTheCommandIsReady() throws {
    let (end, log) = launch(try rootless(), forks: [0, 0], reads: [Self.go, Self.ready])
    guard case .exit(125) = end else {  // the fake's wait(2) has no child
      Issue.record("ended as \(end)")
      return
    }
    let initCalls = after(forks: 2, log)
    #expect(
      initCalls.prefix(5) == [
        "forward → 0)", "prctl(PR_SET_DUMPABLE, 1)",
        "prctl(PR_SET_NAME, \"nsbuild-init\"); argv strings overwritten with it",
        "prctl(PR_SET_PDEATHSIG, SIGTERM)", "sethostname(\"rootless\", 8)",
      ])
    #expect(
      after(forks: 3, log) == [
        "forward → -4242)", "read(41) = ready", "prctl(PR_SET_PDEATHSIG, SIGKILL)",
        "sendmsg(37, [8, 8])",  // the locks, to the sandbox process
        "close_range(3, but none)",
        // Only once its end of `go` is closed (44; the command's child may wait for it) does init wait for the
        // child to let go of the memory they share.
        "await release (last closed: 44)", "wait(-1)",
      ])
  }

  @Test func initTakesBackWhatItMadeWhenTheCommandEndsBeforeReady() throws {
    let (end, log) = launch(try rootless(), forks: [0, 0], reads: [Self.go])
    guard case .exit(125) = end else {
      Issue.record("ended as \(end)")
      return
    }
    let tail = after(forks: 3, log)
    #expect(tail.prefix(2) == ["forward → -4242)", "read(41) = end of file"])
    #expect(tail.contains { $0.hasPrefix("umount2(") })
    #expect(!tail.contains { $0.hasPrefix("close_range") || $0.hasPrefix("sendmsg") })
  }

  /// The command's child makes the command's steps from its list: it closes what init's side of the chain holds
  /// (the pause's other ends, the locks' socket, init's locks), then the calls of the clone step and of each command
  /// step, the program's check, the pause, and the exec step's calls; each failure is the one a step would throw.
  @Test func theCommandsChildSaysReadyThenExecsAndReportsWhatStoppedIt() throws {
    let plan = try rootless()
    let kernel = RecordingKernel()
    kernel.logsChain = true
    kernel.forkResults = [0, 0]
    kernel.reads = [Self.go, Self.ready]
    _ = Launcher(kernel: kernel, plan: plan).start()
    let spawn = try #require(kernel.spawned.first)
    #expect(
      kernel.log.filter { $0.hasPrefix("child: ") } == [
        "child: close(fd: 37)", "child: close(fd: 41)", "child: close(fd: 44)",  // init's ends of the chain
        "child: close(fd: 8)", "child: close(fd: 8)",  // init's locks (the fake's flock(2) gives each the same fd)
        "child: setParentDeathSignal(signal: 9)", "child: checkParentPID(pid: 102)",
        "child: setsid", "child: dropBoundingSet(keep: 0)", "child: setresgid(gid: 0)", "child: setresuid(uid: 0)",
        "child: setParentDeathSignal(signal: 9)", "child: checkParentPID(pid: 102)", "child: capset(capabilities: 0)",
        "child: setNoNewPrivs", "child: chdir(path: \"/\")", "child: checkProgram",
        "child: pause(ready: 42, go: 43)", "child: closeOnExec(from: 3)", "child: execve",
      ])
    #expect(spawn.report == 32)
    let exec = try #require(plan.steps.last)
    #expect(spawn.program.candidates == ["/usr/bin/true"] && spawn.program.search)
    #expect(spawn.program.args == ["true"] && spawn.program.env == kernel.env)
    let notFound = try #require(spawn.program.failures.last)
    #expect(
      notFound.failure
        == StepFailure(stepID: exec.id, callIndex: 1, error: SyscallError(call: "execve", errno: 0, path: "true")))
    #expect(notFound.statusIfNotFound == 127 && notFound.status == 126)
    let chdir = try #require(spawn.operations.first { $0.call == .chdir(path: "/") }?.failure)
    #expect(chdir.failure.error == SyscallError(call: "chdir", errno: 0, path: "/"))
    #expect(chdir.status == ExitStatus.setupFailed && chdir.statusIfNotFound == ExitStatus.setupFailed)
  }

  /// Issue 12's shorter chain as data only: nsbuild unshares and forks init itself, with no sandbox process.
  @Test func aChainWithoutTheSandboxProcessIsPlanDataOnly() throws {
    var plan = try Planner(spec: try exampleSpec("minimal.toml"), state: PlannerTests.root).plan()
    let standard = launch(plan, forks: [0, 0])
    let unshare = try #require(plan.steps.firstIndex { $0.kind == .unshare })
    let fork = try #require(plan.steps.firstIndex { $0.kind == .fork })
    plan.steps[unshare].actor = .parent
    plan.steps[fork].actor = .parent
    plan.steps.removeAll { $0.kind == .spawn }
    plan.processes.removeAll { $0.role == .sandbox }
    plan.processes = plan.processes.map { process in
      var process = process
      if process.role == .initProcess { process.parent = .parent }
      return process
    }
    #expect(plan.chainSummary == "parent → init → command; command_ready (command → init)")
    let short = launch(plan, forks: [0, 4242])
    #expect(standard.log.filter { $0 == "fork()" || $0 == "clone(CLONE_VM)" }.count == 3)
    #expect(
      short.log.filter { !$0.hasPrefix("child: ") } == [
        "unshare(CLONE_NEWUTS)", "pipe() = (31, 32)", "chdir(/)", "prctl(PR_SET_DUMPABLE, 0)", "pipe() = (33, 34)",
        "block", "fork()", "forward → 0)", "prctl(PR_SET_DUMPABLE, 1)",
        "prctl(PR_SET_NAME, \"nsbuild-init\"); argv strings overwritten with it",
        "prctl(PR_SET_PDEATHSIG, SIGTERM)",
        "sethostname(\"minimal\", 7)", "block", "pipe() = (35, 36)", "pipe() = (37, 38)",
        "prctl(PR_SET_PDEATHSIG, SIGKILL)", "block", "clone(CLONE_VM)",
        "forward → -4242)", "read(35) = end of file", "wait(4242)",
      ])
  }

  /// A hand-off left out of the plan is one the processes no longer make: without `locks_held`, init keeps its
  /// locks to itself and the sandbox process holds nothing.
  @Test func aHandOffLeftOutIsNotMade() throws {
    var plan = try rootless()
    plan.handoffs.removeAll { $0.kind == .locksHeld }
    let (_, log) = launch(plan, forks: [0, 0], reads: [Self.go, Self.ready])
    #expect(!log.contains { $0.hasPrefix("socketpair") || $0.hasPrefix("hold fds") || $0.hasPrefix("sendmsg") })
    #expect(log.suffix(3) == ["close_range(3, but none)", "await release (last closed: 42)", "wait(-1)"])
  }
}

@Suite struct ChainMessageTests {
  @Test func messagesSurviveThePipeAndGarbageIsNone() {
    let failure = StepFailure(
      stepID: 7, callIndex: 1, error: SyscallError(call: "mount_setattr", errno: 1, path: "/usr"))
    for message in [ChainMessage.ready, .go, .failed(failure)] {
      #expect(ChainMessage(decoding: message.encoded) == message)
    }
    #expect(ChainMessage(decoding: []) == nil)
    #expect(ChainMessage(decoding: [9]) == nil)
    #expect(ChainMessage(decoding: [3, 1, 2]) == nil)
  }
}
