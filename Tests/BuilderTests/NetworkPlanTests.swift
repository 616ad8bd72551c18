import Netlink
import SpecParser
import Testing

@testable import Builder

/// `[[net.veth]]` planned and launched against the recording kernel: which process sends which rtnetlink request,
/// in which order, what plan says of the host, and what a failure takes back.
@Suite struct NetworkPlanTests {
  static let header = "version = 1\n[namespaces]\nunshare = [\"net\", \"pid\"]\n[process]\nargs = [\"true\"]\n"
  static let veth =
    header + """
      [[net.veth]]
      name = "eth0"
      host_name = "nsb-t0"
      addresses = ["10.88.0.2/24"]
      host_addresses = ["10.88.0.1/24"]
      gateway = "10.88.0.1"

      """
  static let bridged =
    header + """
      [[net.veth]]
      name = "eth0"
      host_name = "nsb-a0"
      bridge = "nsb-br"
      addresses = ["10.89.0.2/24"]
      [[net.veth]]
      name = "eth1"
      host_name = "nsb-a1"
      bridge = "nsb-br"
      addresses = ["10.90.0.2/24"]

      """

  func plan(_ text: String, state: ObservedState = PlannerTests.root) throws -> Plan {
    try Planner(spec: try decodeSpec(text), state: state).plan()
  }

  func shape(_ plan: Plan) -> [String] { plan.steps.map { "\($0.actor.rawValue) \($0.kind.rawValue)" } }

  @Test func hostEndAfterUnshareInsideAfterLoopback() throws {
    let plan = try plan(Self.veth)
    #expect(
      Array(shape(plan).prefix(6)) == [
        "parent spawn", "sandbox unshare", "parent veth", "sandbox fork", "init loopback", "init veth",
      ])
    // nsbuild's step is taken while the sandbox process waits, its namespaces made.
    #expect(plan.handoff(.idMapsWritten) == Handoff(.idMapsWritten, from: .parent, to: .sandbox))
    let host = plan.steps[2]
    #expect(
      host.calls == [
        .openSandboxNamespace(namespace: .net, slot: 0),
        .rtnetlink(request: .newVeth(name: "nsb-t0", peer: "eth0", peerNamespace: 0, mtu: nil, master: nil)),
        .rtnetlink(
          request: .newAddress(interface: "nsb-t0", address: [10, 88, 0, 1], text: "10.88.0.1", prefixLength: 24)),
        .rtnetlink(request: .setUp(name: "nsb-t0")),
      ])
    #expect(host.change == .create)
    #expect(host.origin?.start.line == 6)
    let inside = plan.steps[5]
    #expect(
      inside.calls == [
        .rtnetlink(
          request: .newAddress(interface: "eth0", address: [10, 88, 0, 2], text: "10.88.0.2", prefixLength: 24)),
        .rtnetlink(request: .setUp(name: "eth0")),
        .rtnetlink(request: .newRoute(interface: "eth0", gateway: [10, 88, 0, 1], text: "10.88.0.1")),
      ])
    #expect(plan.hostChanges.isEmpty)
  }

  @Test func aBridgeIsMadeOnceAndLeftOnTheHost() throws {
    let plan = try plan(Self.bridged)
    #expect(
      Array(shape(plan).prefix(5)) == [
        "parent spawn", "sandbox unshare", "parent bridge", "parent veth", "parent veth",
      ])
    #expect(plan.steps[2].calls == [.rtnetlink(request: .newBridge(name: "nsb-br"))])
    #expect(
      plan.steps[3].calls.contains(
        .rtnetlink(request: .newVeth(name: "nsb-a0", peer: "eth0", peerNamespace: 0, mtu: nil, master: "nsb-br"))))
    #expect(plan.hostChanges == ["bridge nsb-br"])
  }

  @Test func planSaysWhatTheHostAlreadyHas() throws {
    var state = PlannerTests.root
    state.hostInterfaces = ["nsb-br": HostInterface(isBridge: true), "nsb-a1": HostInterface(isBridge: false)]
    let planned = try plan(Self.bridged, state: state)
    #expect(planned.steps[2].change == .unchanged(value: "bridge nsb-br exists"))
    #expect(planned.steps[3].change == .create)
    #expect(planned.steps[4].change == .conflict(before: "host interface nsb-a1", after: "veth"))
    #expect(planned.hostChanges.isEmpty)
    state.hostInterfaces = ["nsb-br": HostInterface(isBridge: false)]
    #expect(try plan(Self.bridged, state: state).steps[2].change.symbol == "!")
  }

  @Test func theObserverReadsSysClassNet() throws {
    let host = FakeHost()
    for path in ["/sys/class/net/nsb-br", "/sys/class/net/nsb-br/bridge", "/sys/class/net/nsb-a0"] {
      host.files[path] = ""
    }
    let found = HostInterfaceReader(reader: host).read(for: try decodeSpec(Self.bridged))
    #expect(found == ["nsb-br": HostInterface(isBridge: true), "nsb-a0": HostInterface(isBridge: false)])
  }

  @Test func vethNeedsRoot() throws {
    let error = #expect(throws: PlanError.self) { try plan(Self.veth, state: PlannerTests.user) }
    #expect(error?.description.hasPrefix("[[net.veth]] needs root") == true)
  }

  @Test func planTextNamesEachAttribute() throws {
    let text = try plan(Self.veth).steps[2].calls[1].description
    #expect(
      text
        == "sendmsg(NETLINK_ROUTE, RTM_NEWLINK NLM_F_CREATE|NLM_F_EXCL IFLA_IFNAME=nsb-t0 IFLA_LINKINFO={IFLA_INFO_KIND=veth IFLA_INFO_DATA={VETH_INFO_PEER={ifinfomsg IFLA_IFNAME=eth0 IFLA_NET_NS_FD=fd[0]}}})"
    )
  }

  @Test func aLiveSandboxsVethsChangeInPlaceAndPastaReplacesIt() {
    // A veth's and a bridge's marks are TargetPlanner.networkEntries' (TargetVethPlanTests).
    for kind in [Step.Kind.veth, .bridge] {
      guard case .inPlace = TargetPlanner.Category(kind) else {
        Issue.record("\(kind) is not changed in place")
        continue
      }
    }
    guard case .replaces(let cause) = TargetPlanner.Category(.pasta) else {
      Issue.record("pasta is not replaced")
      return
    }
    #expect(cause == .network && Replacement(cause).scope == .sandbox)
    #expect(Replacement(cause).description.hasSuffix("(pasta(1))"))
    #expect(Replacement(.link).scope == .link && Replacement(.link).description.hasSuffix("(veth(4))"))
  }

  /// nsbuild, forked the sandbox (pid 4242), takes its network step once it says ready.
  func launchParent(_ plan: Plan, failing: [String: Int32] = [:]) -> (RoleEnd, RecordingKernel) {
    let kernel = RecordingKernel()
    kernel.forkResults = []
    kernel.reads = [LauncherTests.ready]
    kernel.failures = failing
    kernel.linkIndexes = ["nsb-t0": 12]
    let end = Launcher(kernel: kernel, plan: plan).start()
    return (end, kernel)
  }

  @Test func nsbuildSendsTheHostRequestsWithTheSandboxNamespaceFD() throws {
    let (_, kernel) = launchParent(try plan(Self.veth))
    let netlink = kernel.log.filter { $0.hasPrefix("rtnetlink(") || $0.hasPrefix("open(/proc") }
    #expect(
      netlink == [
        "open(/proc/4242/ns/net)", "rtnetlink(RTM_NEWLINK nsb-t0)", "rtnetlink(RTM_GETLINK nsb-t0)",
        "rtnetlink(RTM_GETLINK nsb-t0)", "rtnetlink(RTM_NEWADDR)", "rtnetlink(RTM_NEWLINK nsb-t0)",
        "rtnetlink(RTM_DELLINK nsb-t0 by index)",
      ])
    // The namespace fd (the fake's first, 101) went in IFLA_NET_NS_FD, and the address on index 12.
    let veth = try #require(kernel.netlinkRequests.first)
    let expected = try RouteRequest.newVeth(name: "nsb-t0", peer: "eth0", peerNamespace: 0, mtu: nil, master: nil)
      .encoded(sequence: 1) { (_) throws(SyscallError) -> UInt32 in UInt32(kernel.lastNamespaceFD) }
    #expect(veth == expected)
    let address = kernel.netlinkRequests[3]
    #expect(Array(address[20..<24]) == [12, 0, 0, 0])
    #expect(kernel.closedFDs.contains(kernel.lastNamespaceFD))
  }

  @Test func aFailedHostRequestDeletesTheVethMade() throws {
    let (end, kernel) = launchParent(try plan(Self.veth), failing: ["rtnetlink(RTM_NEWADDR": 17])
    guard case .outcome(.failed(let failure)) = end else {
      Issue.record("ended as \(end)")
      return
    }
    #expect(failure.stepID == 3)
    #expect(failure.callIndex == 2)
    #expect(failure.error.description == "RTM_NEWADDR nsb-t0: sendmsg(2): EEXIST (File exists)")
    #expect(kernel.log.suffix(4).contains("rtnetlink(RTM_DELLINK nsb-t0 by index)"))
  }

  /// The host end is deleted once the sandbox ended (the kernel frees the namespace, and with it the pair, only
  /// later); one gone already with the namespace (ENODEV) is what was asked for.
  @Test(arguments: [nil, ErrnoNames.ENODEV])
  func theHostEndIsDeletedOnceTheSandboxEnded(errno: Int32?) throws {
    let plan = try plan(Self.veth)
    let last = try #require(plan.steps.last)
    #expect(last.kind == .deleteLink && last.actor == .parent)
    let (end, kernel) = launchParent(plan, failing: errno.map { ["rtnetlink(RTM_DELLINK": $0] } ?? [:])
    guard case .outcome(.finished) = end else {
      Issue.record("ended as \(end)")
      return
    }
    #expect(kernel.log.last { $0.hasPrefix("rtnetlink(") } == "rtnetlink(RTM_DELLINK nsb-t0 by index)")
    // By the index read back when the veth was made (12), with no name the kernel would look up anew.
    let delete = try #require(kernel.netlinkRequests.last)
    #expect(Array(delete[20..<24]) == [12, 0, 0, 0] && delete.count == 32)
  }

  /// A link of that name read back as something else than the veth made (someone else's, made in between) gets
  /// no index, and nothing is deleted, by name or otherwise.
  @Test func aHostEndNotReadBackAsTheVethMadeIsNeverDeleted() throws {
    let kernel = RecordingKernel()
    kernel.forkResults = []
    kernel.reads = [LauncherTests.ready]
    kernel.linkIndexes = ["nsb-t0": 12]
    kernel.linkKinds = ["nsb-t0": "dummy"]
    guard case .outcome(.finished) = Launcher(kernel: kernel, plan: try plan(Self.veth)).start() else {
      Issue.record("the run did not finish")
      return
    }
    #expect(!kernel.log.contains { $0.hasPrefix("rtnetlink(RTM_DELLINK") }, "\(kernel.log)")
  }

  @Test func aHostEndThatCannotBeDeletedFailsTheRunNamingIt() throws {
    let plan = try plan(Self.veth)
    let (end, _) = launchParent(plan, failing: ["rtnetlink(RTM_DELLINK": ErrnoNames.EPERM])
    guard case .outcome(.failed(let failure)) = end else {
      Issue.record("ended as \(end)")
      return
    }
    #expect(failure.stepID == plan.steps.count)
    #expect(failure.error.description.hasPrefix("RTM_DELLINK nsb-t0: sendmsg(2): EPERM"), "\(failure.error)")
  }
}
