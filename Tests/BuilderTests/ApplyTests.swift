import SpecParser
import Testing

@testable import Builder

/// The applier against the recording kernel: the calls it makes are the plan's, in the plan's order.
@Suite struct ApplyTests {
  func applyAll(_ plan: Plan, kernel: RecordingKernel) throws(StepFailure) {
    let runner = StepRunner(kernel: kernel, sandboxPID: 4242)
    for step in plan.steps { try runner.run(step) }
  }

  @Test func callsFollowThePlanInOrder() throws {
    let plan = try Planner(spec: try exampleSpec("rootless.toml"), state: PlannerTests.user).plan()
    let kernel = RecordingKernel()
    try applyAll(plan, kernel: kernel)
    #expect(
      kernel.log == [
        "prctl(PR_SET_PDEATHSIG, SIGKILL)",
        "unshare(CLONE_NEWUSER|CLONE_NEWNS|CLONE_NEWPID|CLONE_NEWIPC|CLONE_NEWUTS)",
        "write(/proc/4242/setgroups, \"deny\")",
        "write(/proc/4242/uid_map, \"0 1000 1\\n\")",
        "write(/proc/4242/gid_map, \"0 1001 1\\n\")",
        "prctl(PR_SET_PDEATHSIG, SIGKILL)",
        "mount(NULL, \"/\", NULL, MS_REC|MS_PRIVATE, NULL)",
        "sethostname(\"rootless\", 8)",
        "mount(\"tmpfs\", \"/tmp\", \"tmpfs\", 0, \"size=16777216,mode=1777\")",
        "mount(\"proc\", \"/proc\", \"proc\", MS_NOSUID|MS_NODEV|MS_NOEXEC, NULL)",
      ])
  }

  @Test func injectedErrnoNamesTheStepAndStops() throws {
    let plan = try Planner(spec: try exampleSpec("dev.toml"), state: PlannerTests.root).plan()
    let kernel = RecordingKernel()
    kernel.failures["mount(\"tmpfs\""] = ErrnoNames.EACCES
    let failure = try #require(throws: StepFailure.self) { try applyAll(plan, kernel: kernel) }
    #expect(failure.stepID == 7)
    #expect(failure.error.description == "/tmp: mount(2): EACCES (Permission denied)")
    #expect(kernel.log.last == "mount(\"tmpfs\", \"/tmp\", \"tmpfs\", 0, \"size=67108864,mode=1777\")")
    #expect(!kernel.log.contains { $0.hasPrefix("mount(\"/usr\"") })
  }

  @Test func unchangedStepsAreSkipped() throws {
    var state = PlannerTests.root
    state.hostname = "minimal"
    let plan = try Planner(spec: try exampleSpec("minimal.toml"), state: state).plan()
    let kernel = RecordingKernel()
    try applyAll(plan, kernel: kernel)
    #expect(!kernel.log.contains { $0.hasPrefix("sethostname") })
  }

  @Test func failureRecordsSurviveThePipe() throws {
    let failure = StepFailure(stepID: 7, callIndex: 1, error: SyscallError(call: "mount_setattr", errno: 1, path: "/usr"))
    #expect(FailureRecord.decode(FailureRecord.encode(failure)) == failure)
    #expect(FailureRecord.decode([1, 2, 3]) == nil)
  }

  @Test func commandSearchesPathAndReportsNotFound() {
    let kernel = RecordingKernel()
    let command = Command(args: ["tool"], clearEnv: true, env: [EnvironmentVariable("PATH", "/a:/b")], cwd: "/srv")
    let error = CommandLauncher(kernel: kernel).exec(command)
    #expect(kernel.log == ["chdir(/srv)", "execve(/a/tool)", "execve(/b/tool)"])
    #expect(error.errno == ErrnoNames.ENOENT)
  }

  @Test func commandFoundButNotExecutableIsEACCES() {
    let kernel = RecordingKernel()
    kernel.failures["execve(/a/tool)"] = ErrnoNames.EACCES
    let command = Command(args: ["tool"], clearEnv: true, env: [EnvironmentVariable("PATH", "/a:/b")], cwd: "/")
    #expect(CommandLauncher(kernel: kernel).exec(command).errno == ErrnoNames.EACCES)
  }

  @Test func environmentOverridesAndClears() {
    let kernel = RecordingKernel()
    let launcher = CommandLauncher(kernel: kernel)
    let set = [EnvironmentVariable("PATH", "/bin"), EnvironmentVariable("X", "1")]
    #expect(
      launcher.environment(for: Command(args: ["a"], clearEnv: false, env: set, cwd: "/"))
        == ["HOME=/home/me", "PATH=/bin", "X=1"])
    #expect(
      launcher.environment(for: Command(args: ["a"], clearEnv: true, env: set, cwd: "/")) == ["PATH=/bin", "X=1"])
  }
}
