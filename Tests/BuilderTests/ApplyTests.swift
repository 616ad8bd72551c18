import Foundation
import SpecParser
import Testing

@testable import Builder
@testable import nsbuild

/// The applier against the recording kernel: the calls it makes are the plan's, in the plan's order.
@Suite struct ApplyTests {
  func applyAll(_ plan: Plan, kernel: RecordingKernel) throws(StepFailure) {
    let runner = StepRunner(kernel: kernel, sandboxPID: 4242)
    for step in plan.steps { try runner.run(step) }
  }

  @Test func callsFollowThePlanInOrder() throws {
    let plan = try Planner(spec: try exampleSpec("rootless.toml"), state: PlannerTests.user).plan(command: ["true"])
    let kernel = RecordingKernel()
    let failure = try #require(throws: StepFailure.self) { try applyAll(plan, kernel: kernel) }
    // The fake's execve fails (ENOENT), which ends the list where the real one would replace the process.
    #expect(failure.stepID == plan.steps.count)
    // The proc's protection (ProcProtectionTests) comes right after its mount, beneath the proc opened again.
    let opened = try #require(kernel.log.firstIndex { $0 == "fsopen(proc)" })
    let mounted = try #require(kernel.log[opened...].firstIndex { $0.hasPrefix("move_mount(") })
    // It ends where the command's fork re-arms PR_SET_PDEATHSIG; init closes its setup fds only before execve(2).
    let protected = try #require(kernel.log[mounted...].firstIndex { $0 == "prctl(PR_SET_PDEATHSIG, SIGKILL)" })
    #expect(kernel.log[mounted + 1] == "openat2(21, /proc)")
    var log = kernel.log
    log.removeSubrange((mounted + 1)..<protected)
    #expect(
      log == [
        "prctl(PR_SET_PDEATHSIG, SIGKILL)", "prctl(PR_SET_PDEATHSIG, SIGKILL)",
        "unshare(CLONE_NEWUSER|CLONE_NEWNS|CLONE_NEWPID|CLONE_NEWIPC|CLONE_NEWUTS)",
        "write(/proc/4242/setgroups, \"deny\")",
        "write(/proc/4242/uid_map, \"0 1000 1\\n\")",
        "write(/proc/4242/gid_map, \"0 1001 1\\n\")",
        "chdir(/)", "prctl(PR_SET_DUMPABLE, 0)", "prctl(PR_SET_DUMPABLE, 1)",
        "prctl(PR_SET_NAME, \"nsbuild-init\"); argv strings overwritten with it", "prctl(PR_SET_PDEATHSIG, SIGTERM)",
        "sethostname(\"rootless\", 8)",
        "mount(NULL, \"/\", NULL, MS_REC|MS_PRIVATE, NULL)",
        // each mount point on the host's tree locked; the host's /dev/null opened for the proc's protection
        "open(/)", "openat2(/dev/null, RESOLVE_NO_SYMLINKS)", "openat2(21, /tmp)", "flock(22, LOCK_SH)",
        // each mount made detached, then moved onto its mount point's fd
        "fsopen(tmpfs)", "fsconfig(23, size=16777216)", "fsconfig(23, mode=1777)", "fsconfig(23, create)",
        "fsmount(23, 0)", "move_mount(24, 22)",
        "openat2(21, /proc)", "flock(25, LOCK_SH)",
        "fsopen(proc)", "fsconfig(26, create)", "fsmount(26, MOUNT_ATTR_NOSUID|MOUNT_ATTR_NODEV|MOUNT_ATTR_NOEXEC)",
        "move_mount(27, 25)",
        "prctl(PR_SET_PDEATHSIG, SIGKILL)",
        "setsid()", "capbset_drop(keep: 0)", "setresgid(0)", "setresuid(0)", "prctl(PR_SET_PDEATHSIG, SIGKILL)",
        "capset(0)", "no_new_privs", "chdir(/)",
        "prctl(PR_SET_PDEATHSIG, SIGKILL)", "close_range(3, but none)", "cloexec(3)",
        "execve(/usr/bin/true)",
      ])
  }

  @Test func commandIdentityOrder() throws {
    let spec = try decodeSpec(
      """
      version = 1
      [namespaces]
      unshare = ["user"]
      [user]
      uid_map = [{ inside = 0, outside = 100000, count = 65536 }]
      gid_map = [{ inside = 0, outside = 100000, count = 65536 }]
      [process]
      args = ["/bin/id"]
      uid = 1000
      gid = 100
      groups = [5, 6]
      capabilities = ["CAP_NET_BIND_SERVICE"]
      rlimits = { nofile = { soft = 512, hard = 1024 } }
      umask = "027"
      """)
    let plan = try Planner(spec: spec, state: PlannerTests.root).plan()
    let kernel = RecordingKernel()
    _ = try? applyAll(plan, kernel: kernel)
    let commandPart = Array(kernel.log.drop { $0 != "setsid()" })
    #expect(
      commandPart == [
        "setsid()", "setrlimit(7, 512, 1024)", "capbset_drop(keep: 400)", "keepcaps", "setgroups([5, 6])",
        "setresgid(100)", "setresuid(1000)", "prctl(PR_SET_PDEATHSIG, SIGKILL)", "capset(400)", "ambient(400)",
        "no_new_privs", "umask(27)", "chdir(/)",
        "cloexec(3)", "execve(/bin/id)",
      ])
  }

  /// Each mount through the new mount API: made detached, configured on its fd, then moved onto its mount point;
  /// its propagation set once it is attached. No call takes a path.
  @Test func theNewMountAPICallsComeInOrder() throws {
    let spec = try decodeSpec(
      """
      version = 1
      [namespaces]
      unshare = ["mount"]
      [[mounts]]
      type = "tmpfs"
      target = "/t"
      size = "1M"
      mode = "0700"
      [[mounts]]
      type = "bind"
      source = "/usr"
      target = "/u"
      options = ["ro", "nosuid"]
      propagation = "private"
      [process]
      args = ["true"]
      """)
    let plan = try Planner(spec: spec, state: PlannerTests.root).plan()
    let kernel = RecordingKernel()
    _ = try? applyAll(plan, kernel: kernel)
    let mountCalls = ["fsopen", "fsconfig", "fsmount", "open_tree", "mount_setattr", "move_mount", "mount("]
    let made = kernel.log.filter { entry in
      mountCalls.contains { entry.hasPrefix($0) } && !entry.hasPrefix("mount(NULL")
    }
    // fd 21: the host's tree; 7: /usr, opened through no symlink; 22 and 25: the mount points.
    #expect(
      made == [
        "fsopen(tmpfs)", "fsconfig(23, size=1048576)", "fsconfig(23, mode=700)", "fsconfig(23, create)",
        "fsmount(23, 0)", "move_mount(24, 22)",
        "open_tree(7, AT_RECURSIVE)", "mount_setattr(26, true, MOUNT_ATTR_RDONLY|MOUNT_ATTR_NOSUID, 0)",
        "move_mount(26, 25)", "mount_setattr(26, true, propagation MS_PRIVATE)",
      ])
  }

  @Test func injectedErrnoNamesTheStepAndStops() throws {
    let plan = try Planner(spec: try exampleSpec("dev.toml"), state: PlannerTests.root).plan()
    let kernel = RecordingKernel()
    kernel.failures["move_mount("] = ErrnoNames.EACCES
    let failure = try #require(throws: StepFailure.self) { try applyAll(plan, kernel: kernel) }
    #expect(failure.stepID == 9)
    #expect(failure.error.description == "/tmp: move_mount(2): EACCES (Permission denied)")
    // The tmpfs (fd 24, made from the context in fd 23) onto its mount point (fd 22).
    #expect(kernel.log.last == "move_mount(24, 22)")
    #expect(!kernel.log.contains { $0.hasPrefix("openat2(21, /usr)") })
  }

  @Test func failureReportNamesStepCallPathErrnoAndSpecLine() throws {
    let path = specsDirectory + "/dev.toml"
    let source = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    let check = SpecDecoder.decode(source: source, file: "specs/dev.toml", directory: specsDirectory)
    let plan = try Planner(spec: try #require(check.spec), state: PlannerTests.root).plan()
    let kernel = RecordingKernel()
    // fd 28: the proc's context (after /tmp's mount point, context and mount, 22 to 24, and /usr's, 25 and 26, and
    // /proc's mount point, 27): fsmount(2) is where the kernel refuses a proc it finds too revealing.
    kernel.failures["fsmount(28"] = ErrnoNames.EPERM
    let failure = try #require(throws: StepFailure.self) { try applyAll(plan, kernel: kernel) }
    let loaded = LoadedSpec(path: "specs/dev.toml", source: source, check: check)
    let report = FailureReport(plan: plan, loaded: loaded, terminal: Terminal()).render(failure)
    #expect(
      report == """
        specs/dev.toml:24:1: error: step 11/23 mount proc on /proc: /proc: fsmount(2): EPERM (Operation not permitted)
         24 | [[mounts]]
            | ^~~~~~~~~~
            = help: proc cannot be mounted in a user namespace when the host /proc is partly covered, or read-only while this one is not, or without a pid namespace owned by it

        """)
    #expect(ExitStatus.of(failure, in: plan) == 125)
  }

  /// The step that opens every host path comes from no single spec entry: a failed open points at the mount that
  /// names its path, from the call's own origin.
  @Test func aFailedHostOpenPointsAtTheMountThatNamesIt() throws {
    let path = specsDirectory + "/dev.toml"
    let source = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    let check = SpecDecoder.decode(source: source, file: "specs/dev.toml", directory: specsDirectory)
    let plan = try Planner(spec: try #require(check.spec), state: PlannerTests.root).plan()
    let kernel = RecordingKernel()
    kernel.failures["openat2(/usr, RESOLVE_NO_SYMLINKS)"] = ErrnoNames.ENOENT
    let failure = try #require(throws: StepFailure.self) { try applyAll(plan, kernel: kernel) }
    let step = try #require(plan.steps.first { $0.id == failure.stepID })
    #expect(step.kind == .sources && step.origin == nil)
    let loaded = LoadedSpec(path: "specs/dev.toml", source: source, check: check)
    let report = FailureReport(plan: plan, loaded: loaded, terminal: Terminal()).render(failure)
    let lines = report.split(separator: "\n").map(String.init)
    #expect(
      lines.first?.hasPrefix("specs/dev.toml:18:1: error: step 8/23 open the host paths the sandbox uses: ") == true)
    #expect(lines.dropFirst().first == " 18 | [[mounts]]", "\(report)")
    #expect(report.contains("= help: a host path the spec names does not exist; nsbuild does not make it"))
  }

  @Test func unchangedStepsAreSkipped() throws {
    var state = PlannerTests.root
    state.hostname = "minimal"
    let plan = try Planner(spec: try exampleSpec("minimal.toml"), state: state).plan()
    let kernel = RecordingKernel()
    _ = try? applyAll(plan, kernel: kernel)
    #expect(kernel.log.contains { $0.hasPrefix("execve") })
    #expect(!kernel.log.contains { $0.hasPrefix("sethostname") })
  }

  @Test func failureRecordsSurviveThePipe() throws {
    let failure = StepFailure(
      stepID: 7, callIndex: 1, error: SyscallError(call: "mount_setattr", errno: 1, path: "/usr"))
    #expect(FailureRecord.decode(FailureRecord.encode(failure)) == failure)
    #expect(FailureRecord.decode([1, 2, 3]) == nil)
  }

  @Test func commandSearchesPathAndReportsNotFound() {
    let kernel = RecordingKernel()
    let command = Command(args: ["tool"], clearEnv: true, env: [EnvironmentVariable("PATH", "/a:/b")])
    let error = CommandLauncher(kernel: kernel).exec(command)
    #expect(kernel.log == ["execve(/a/tool)", "execve(/b/tool)"])
    #expect(error.errno == ErrnoNames.ENOENT)
  }

  @Test func commandFoundButNotExecutableIsEACCES() {
    let kernel = RecordingKernel()
    kernel.failures["execve(/a/tool)"] = ErrnoNames.EACCES
    let command = Command(args: ["tool"], clearEnv: true, env: [EnvironmentVariable("PATH", "/a:/b")])
    #expect(CommandLauncher(kernel: kernel).exec(command).errno == ErrnoNames.EACCES)
  }

  @Test func environmentOverridesAndClears() {
    let kernel = RecordingKernel()
    let launcher = CommandLauncher(kernel: kernel)
    let set = [EnvironmentVariable("PATH", "/bin"), EnvironmentVariable("X", "1")]
    #expect(
      launcher.environment(for: Command(args: ["a"], clearEnv: false, env: set))
        == ["HOME=/home/me", "PATH=/bin", "X=1"])
    #expect(
      launcher.environment(for: Command(args: ["a"], clearEnv: true, env: set)) == ["PATH=/bin", "X=1"])
    #expect(
      launcher.environment(for: Command(args: ["a"], clearEnv: false, env: [], unset: ["HOME"])) == ["PATH=/usr/bin"])
  }
}
