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

  @Test func withoutPastaOrUnderUpThereIsNoPlan() throws {
    var missing = state
    missing.pasta = nil
    let error = #expect(throws: PlanError.self) { try Planner(spec: try decodeSpec(Self.spec), state: missing).plan() }
    #expect(error?.description.contains("apt-get install passt") == true)
    let live = #expect(throws: PlanError.self) {
      try Planner(spec: try decodeSpec(Self.spec), state: state).plan(live: LiveLaunch(output: "/x"))
    }
    #expect(live?.description.contains("not supported with `up`") == true)
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
