import SpecParser
import Testing

@testable import Builder

/// Joining against the recording kernel: the calls of the sandbox process of a `run` that joins, and of `exec`'s
/// joiner and command, in order; a pid whose start time changed is never entered.
@Suite struct JoinLaunchTests {
  func launch(_ plan: Plan, forks: [Int32], stat: String) -> (end: RoleEnd, log: [String]) {
    let kernel = RecordingKernel()
    kernel.forkResults = forks
    kernel.files["/proc/700/stat"] = Array(stat.utf8)
    let end = Launcher(kernel: kernel, plan: plan).start()
    return (end, kernel.log.filter { !$0.hasPrefix("block") && !$0.hasPrefix("forward") })
  }

  func joinPlan() throws -> Plan {
    let spec = try decodeSpec(
      "version = 1\n[namespaces]\nunshare = [\"pid\"]\njoin = { net = \"/proc/700/ns/net\", user = \"/proc/700/ns/user\" }\n"
    )
    var state = PlannerTests.root
    for namespace in [Namespace.net, .user] {
      state.joinTargets[namespace] = JoinObservation(file: .process(pid: 700, startTime: 5555))
    }
    return try Planner(spec: spec, state: state).plan(command: ["true"])
  }

  @Test func theSandboxProcessEntersBeforeItUnshares() throws {
    let (_, log) = launch(try joinPlan(), forks: [0, 4243], stat: JoinPlanTests.stat(700, 5555))
    let start = try #require(log.firstIndex(of: "open(/proc/700/ns/user)"))
    #expect(
      Array(log[start..<(start + 5)]) == [
        "open(/proc/700/ns/user)", "open(/proc/700/ns/net)", "setns(61, CLONE_NEWUSER)", "setns(62, CLONE_NEWNET)",
        "unshare(CLONE_NEWPID)",
      ])
  }

  @Test func aPidWhoseStartTimeChangedIsNeverEntered() throws {
    let plan = try joinPlan()
    let (end, log) = launch(plan, forks: [0], stat: JoinPlanTests.stat(700, 9999))
    guard case .exit(125) = end else {
      Issue.record("ended as \(end)")
      return
    }
    #expect(log.contains("open(/proc/700/ns/user)"))
    #expect(!log.contains { $0.hasPrefix("setns(") || $0.hasPrefix("unshare(") })
  }

  func execPlan(pidfd: Bool, namespaces: [Namespace] = [.user, .mount, .pid, .net]) throws -> Plan {
    let spec = try decodeSpec("version = 1\n[namespaces]\nunshare = [\"user\", \"mount\", \"pid\", \"net\"]\n")
    let target = LiveTarget(
      initProcess: ProcessIdentity(pid: 700, startTime: 5555), namespaces: namespaces, setnsTakesPidfd: pidfd)
    return try Planner(spec: spec, state: PlannerTests.user).execPlan(into: target, command: ["true"])
  }

  @Test func execsChainIsNsbuildTheJoinerAndTheCommand() throws {
    let plan = try execPlan(pidfd: true)
    #expect(plan.processes.map(\.role) == [.parent, .joiner, .command])
    #expect(plan.processes.compactMap(\.forkedBy).map { plan.steps[$0 - 1].kind } == [.spawn, .spawnCommand])
    #expect(plan.processes.last?.watchesParent == .lifeline)
    #expect(LaunchRequirements.problem(in: plan) == nil)
    #expect(
      plan.steps[1].calls == [
        .pidfdOpen(pid: 700, startTime: 5555, slot: 0),
        .setns(slot: 0, namespaces: [.newuser, .newns, .newpid, .newnet]),
      ])
    #expect(plan.steps.allSatisfy { $0.actor != .initProcess && $0.actor != .sandbox })
    #expect(plan.steps.last?.kind == .exec || plan.steps.last?.kind == .foreground)
  }

  @Test func withoutPidfdSetnsEachFileIsOpenedThenUserFirstAndMountLast() throws {
    let plan = try execPlan(pidfd: false)
    let file = NamespaceFile.process(pid: 700, startTime: 5555)
    #expect(
      plan.steps[1].calls == [
        .openNamespace(namespace: .user, file: file, slot: 0), .openNamespace(namespace: .pid, file: file, slot: 1),
        .openNamespace(namespace: .net, file: file, slot: 2), .openNamespace(namespace: .mount, file: file, slot: 3),
        .setns(slot: 0, namespaces: .newuser), .setns(slot: 1, namespaces: .newpid),
        .setns(slot: 2, namespaces: .newnet), .setns(slot: 3, namespaces: .newns),
      ])
  }

  @Test func theJoinerEntersThenForksTheCommandAndWaits() throws {
    let (end, log) = launch(try execPlan(pidfd: true), forks: [0], stat: JoinPlanTests.stat(700, 5555))
    guard case .exit(125) = end else {  // the fake's wait(2) has no status
      Issue.record("ended as \(end)")
      return
    }
    let start = try #require(log.firstIndex(of: "pidfd_open(700)"))
    #expect(
      log[start...].filter { !$0.hasPrefix("child: ") } == [
        "pidfd_open(700)", "setns(61, CLONE_NEWUSER|CLONE_NEWNS|CLONE_NEWPID|CLONE_NEWNET)", "clone(CLONE_VM)",
      ])
  }

  /// The command's child, cloned into the joined pid namespace, watches the joiner through a lifeline (getppid(2)
  /// reads 0 there), whose write end it closes first, and makes the spec's process steps from its list.
  @Test func theCommandTakesTheSpecsProcessStepsAfterTheJoin() throws {
    let (end, log) = launch(try execPlan(pidfd: true), forks: [0], stat: JoinPlanTests.stat(700, 5555))
    guard case .exit(125) = end else {  // the fake's wait(2) has no status
      Issue.record("ended as \(end): \(log)")
      return
    }
    let cloned = try #require(log.lastIndex(of: "clone(CLONE_VM)"))
    #expect(
      Array(log[(cloned + 1)...]) == [
        "child: close(fd: 11)", "child: setParentDeathSignal(signal: 9)", "child: checkLifeline(fd: 10)",
        "child: setsid", "child: dropBoundingSet(keep: 0)", "child: setresgid(gid: 0)", "child: setresuid(uid: 0)",
        "child: setParentDeathSignal(signal: 9)", "child: checkLifeline(fd: 10)", "child: capset(capabilities: 0)",
        "child: setNoNewPrivs", "child: chdir(path: \"/\")", "child: checkProgram", "child: closeOnExec(from: 3)",
        "child: execve",
      ])
  }

  @Test func aRecycledInitIsNotEnteredByExec() throws {
    let (end, log) = launch(try execPlan(pidfd: true), forks: [0], stat: JoinPlanTests.stat(700, 1))
    guard case .exit(125) = end else {
      Issue.record("ended as \(end)")
      return
    }
    #expect(log.contains("pidfd_open(700)"))
    #expect(!log.contains { $0.hasPrefix("setns(") })
    #expect(log.filter { $0 == "fork()" }.count == 1)  // nsbuild's only: the joiner forked no command
  }
}

/// The plan `apply` runs to start a main command anew: `exec`'s chain, whose joiner is a keeper that stays.
@Suite struct MainCommandPlanTests {
  func plan(pidfd: Bool = true) throws -> Plan {
    let spec = try exampleSpec("rootless.toml")
    let target = LiveTarget(
      initProcess: ProcessIdentity(pid: 4242, startTime: 777), namespaces: [.user, .mount, .pid], setnsTakesPidfd: pidfd
    )
    return try Planner(spec: spec, state: PlannerTests.user).mainCommandPlan(
      into: target, live: LiveLaunch(output: "/run/nsbuild/box/output.log"))
  }

  @Test(arguments: [true, false])
  func theKeeperDetachesOpensInitAndEndsTheSandboxLast(_ pidfd: Bool) throws {
    let plan = try plan(pidfd: pidfd)
    #expect(LaunchRequirements.problem(in: plan) == nil)
    #expect(plan.processes.map(\.role) == [.parent, .joiner, .command])
    #expect(plan.handoffs == [Handoff(.commandStarted, from: .joiner, to: .parent)])
    let spawn = try #require(plan.steps.first)
    #expect(spawn.calls == [.fork])  // no PR_SET_PDEATHSIG: the keeper outlives nsbuild
    let detach = try #require(plan.steps.first { $0.kind == .detach })
    #expect(detach.actor == .joiner)
    #expect(detach.calls.contains(.redirectStandardStreams(output: "/run/nsbuild/box/output.log")))
    #expect(detach.calls.contains(.closeInheritedDescriptors))
    #expect(detach.calls.contains(.pidfdOpen(pid: 4242, startTime: 777, slot: Planner.keeperInitSlot)))
    let last = try #require(plan.steps.last)
    #expect(last.actor == .joiner && last.calls == [.endSandboxAfterCommand(slot: Planner.keeperInitSlot)])
    #expect(plan.steps.contains { $0.kind == .exec && $0.actor == .command })
  }

  @Test func aKeeperThatDoesNotEndTheSandboxIsRefused() throws {
    var plan = try plan()
    plan.steps.removeLast()
    #expect(LaunchRequirements.problem(in: plan) == .missingStep(.outlive, actor: .joiner))
    let kernel = RecordingKernel()
    #expect(Launcher(kernel: kernel, plan: plan).run() == .refused(.missingStep(.outlive, actor: .joiner)))
    #expect(!kernel.log.contains("fork()"))
  }

  @Test func withoutArgsThereIsNoMainCommandToStart() throws {
    var spec = try exampleSpec("rootless.toml")
    spec.process.args = nil
    let target = LiveTarget(
      initProcess: ProcessIdentity(pid: 4242, startTime: 777), namespaces: [.user], setnsTakesPidfd: true)
    #expect(throws: PlanError.noCommand) {
      try Planner(spec: spec, state: PlannerTests.user).mainCommandPlan(
        into: target, live: LiveLaunch(output: "/o"))
    }
  }
}
