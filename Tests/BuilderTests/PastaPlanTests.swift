import SpecParser
import Testing

@testable import Builder

/// `[net.pasta]` planned and launched against the recording kernel.
@Suite struct PastaPlanTests {
  static let spec = """
    version = 1
    [namespaces]
    unshare = ["user", "net"]
    [process]
    args = ["true"]
    [net.pasta]
    ports = ["8080:80/tcp", "5353:53/udp", "8443:443"]

    """

  var state: ObservedState {
    var state = PlannerTests.user
    state.newuidmap = "/usr/bin/newuidmap"
    state.newgidmap = "/usr/bin/newgidmap"
    state.pasta = "/usr/bin/pasta"
    return state
  }

  @Test func nsbuildStartsPastaOnceTheMapsAreWritten() throws {
    let plan = try Planner(spec: try decodeSpec(Self.spec), state: state).plan()
    let kinds = plan.steps.map { "\($0.actor.rawValue) \($0.kind.rawValue)" }
    let pasta = try #require(kinds.firstIndex(of: "parent pasta"))
    #expect(try #require(kinds.firstIndex(of: "parent gid_map")) < pasta)
    #expect(try #require(kinds.firstIndex(of: "sandbox fork")) > pasta)
    #expect(
      plan.steps[pasta].calls == [
        .startPasta(
          program: "/usr/bin/pasta",
          arguments: [
            "--foreground", "--quiet", "--config-net", "--runas", "1000", "-t", "8080:80,8443:443", "-u", "5353:53",
            "-T", "none", "-U", "none",
          ])
      ])
  }

  @Test func noPortsForwardsNone() {
    #expect(
      Planner.pastaArguments(Pasta(), euid: 0) == [
        "--foreground", "--quiet", "--config-net", "--runas", "0", "-t", "none", "-u", "none", "-T", "none", "-U",
        "none",
      ])
  }

  @Test func withoutPastaThereIsNoPlan() throws {
    var missing = state
    missing.pasta = nil
    let error = #expect(throws: PlanError.self) { try Planner(spec: try decodeSpec(Self.spec), state: missing).plan() }
    #expect(error?.description.contains("apt-get install passt") == true)
  }

  /// `up`: the same pasta, started through a keeper whose streams go to the sandbox's log, with the same hand-offs
  /// as any `up` (the sandbox process dies with nsbuild until the record is saved, and pasta with it).
  @Test func underUpPastaIsKeptWithTheSandboxProcess() throws {
    let spec = Self.spec.replacingOccurrences(of: "[\"user\", \"net\"]", with: "[\"user\", \"net\", \"pid\"]")
    let plan = try Planner(spec: try decodeSpec(spec), state: state).plan(live: LiveLaunch(output: "/state/x.log"))
    let step = try #require(plan.steps.first { $0.kind == .pasta })
    #expect(step.actor == .parent)
    #expect(
      step.calls == [
        .startLivePasta(
          program: "/usr/bin/pasta",
          arguments: [
            "--foreground", "--quiet", "--config-net", "--runas", "1000", "-t", "8080:80,8443:443", "-u", "5353:53",
            "-T", "none", "-U", "none",
          ], output: "/state/x.log")
      ])
    #expect(step.calls[0].description.contains("stdout/stderr > \"/state/x.log\""))
    #expect(plan.handoff(.recorded) != nil)
    #expect(try #require(plan.steps.firstIndex { $0.kind == .spawn }) < plan.steps.firstIndex(of: step) ?? 0)
  }

  /// `up` on the recording kernel: nsbuild opens a pidfd of the sandbox process (4242) and forks the keeper (5151);
  /// pasta that says nothing fails the step, and the keeper is killed (pasta dies with it) and reaped.
  @Test func livePastaEndingEarlyKillsItsKeeper() throws {
    let spec = Self.spec.replacingOccurrences(of: "[\"user\", \"net\"]", with: "[\"user\", \"net\", \"pid\"]")
    let kernel = RecordingKernel()
    kernel.forkResults = [4242, 5151]
    kernel.reads = [LauncherTests.ready, []]
    let plan = try Planner(spec: try decodeSpec(spec), state: state).plan(live: LiveLaunch(output: "/x.log"))
    let end = Launcher(kernel: kernel, plan: plan).start()
    guard case .outcome(.failed(let failure)) = end else {
      Issue.record("ended as \(end)")
      return
    }
    #expect(
      failure.error.path == "/usr/bin/pasta: ended before the sandbox's network was set up (its message is in /x.log)")
    #expect(kernel.log.contains("pidfd_open(4242)"), "\(kernel.log)")
    #expect(kernel.log.contains("kill(5151, 9)"), "\(kernel.log)")
    #expect(kernel.log.contains("kill(4242, 9)"), "\(kernel.log)")
  }

  /// nsbuild forks the sandbox process (4242), then pasta (5151); `pastaSays` is what pasta writes on its pipe.
  func launch(pastaSays: [UInt8]) throws -> (RoleEnd, RecordingKernel) {
    let kernel = RecordingKernel()
    kernel.forkResults = [4242, 5151]
    kernel.reads = [LauncherTests.ready, pastaSays]
    let plan = try Planner(spec: try decodeSpec(Self.spec), state: state).plan()
    return (Launcher(kernel: kernel, plan: plan).start(), kernel)
  }

  @Test func pastaIsEndedWithTheSandbox() throws {
    let (_, kernel) = try launch(pastaSays: Array("5151\n".utf8))
    let forks = kernel.log.filter { $0 == "fork()" }.count
    #expect(forks == 2)
    #expect(kernel.log.contains("kill(5151, 15)"), "\(kernel.log)")
  }

  @Test func pastaEndingEarlyFailsTheStep() throws {
    let (end, kernel) = try launch(pastaSays: [])
    guard case .outcome(.failed(let failure)) = end else {
      Issue.record("ended as \(end)")
      return
    }
    #expect(failure.error.path?.hasPrefix("/usr/bin/pasta: ended before the sandbox's network was set up") == true)
    #expect(kernel.log.contains("kill(5151, 15)"))
    #expect(kernel.log.contains("kill(4242, 9)"))
  }
}
