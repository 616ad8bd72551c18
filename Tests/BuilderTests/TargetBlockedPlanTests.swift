import SpecParser
import Testing

@testable import Builder

/// A veth or bridge a target plan would make where the host already has an interface of that name (read from
/// /sys/class/net by `plan`, ``HostInterface``): marked `!` as plain `plan` marks it, and `apply` refuses the plan
/// (``TargetPlan/blockers``). The sandbox's own host end, which stands on the host too, is never in the way.
@Suite struct TargetBlockedPlanTests {
  typealias T = TargetPlanTests
  typealias V = TargetVethPlanTests

  /// The spec's plan as `plan` makes it on a host where `interfaces` stand.
  static func plan(_ text: String, interfaces: [String: HostInterface]) throws -> Plan {
    let check = SpecDecoder.decode(source: Array(text.utf8), file: "live.toml", directory: "/specs")
    let spec = try #require(check.spec, "\(check.diagnostics.map(\.message))")
    var state = GoldenPlanTests.state
    state.hostInterfaces = interfaces
    return try Planner(spec: spec, state: state).plan()
  }

  /// `spec` marked against the sandbox `applied` made, whose namespace has `dump`'s links.
  static func target(applied: String, spec: String, interfaces: [String: HostInterface], dump: [UInt8]? = nil)
    throws -> TargetPlan
  {
    let record = try T.record(try plan(applied, interfaces: [:]))
    let live = LiveObserver(reader: V.host(dump)).observe(record, files: [], links: true)
    return try TargetPlanner(record: record, live: live).plan(try plan(spec, interfaces: interfaces))
  }

  static let link = HostInterface(isBridge: false)

  func mark(_ target: TargetPlan, _ key: String) -> String? {
    target.entries.first { "\($0.step.actor.rawValue) " + PlanDiff.key(of: $0.step) == key }?.action.symbol
  }

  @Test func aNewVethWhoseHostNameIsTakenIsBlocked() throws {
    let spec = V.spec(V.veth(host: "ifb0"))
    let target = try Self.target(applied: T.spec(), spec: spec, interfaces: ["ifb0": Self.link])
    #expect(mark(target, "parent veth ifb0") == "!")
    #expect(target.blockers == ["host interface ifb0 is in the way of a veth"])
    #expect(
      target.summary == "1 to add, 0 to change, 0 to remove; apply refuses: host interface ifb0 is in the way of a veth"
    )
    // Nothing of it is taken: the host link is never deleted.
    #expect(!target.applySteps.contains { $0.actor == .parent })
    let entry = try #require(target.entries.first { $0.action.symbol == "!" })
    #expect(entry.step.change == .conflict(before: "host interface ifb0", after: "veth"))
    // The same spec on a host where the name is free: `+`, nothing in the way.
    let free = try Self.target(applied: T.spec(), spec: spec, interfaces: [:])
    #expect(mark(free, "parent veth ifb0") == "+" && free.blockers.isEmpty)
  }

  @Test func aVethMadeAnewUnderATakenHostNameIsBlocked() throws {
    let target = try Self.target(
      applied: V.spec(V.veth()), spec: V.spec(V.veth(host: "ifb0")),
      interfaces: ["ifb0": Self.link, "nsb-t0": Self.link],
      dump: V.standing)
    #expect(target.blockers == ["host interface ifb0 is in the way of a veth"], "\(target.summary)")
  }

  @Test func theSandboxsOwnHostEndIsNotInTheWay() throws {
    // nsb-t0 stands on the host: it is the pair `up` made. Its mtu changes in place.
    let target = try Self.target(
      applied: V.spec(V.veth()), spec: V.spec(V.veth(more: "mtu = 1400\n")), interfaces: ["nsb-t0": Self.link],
      dump: V.standing)
    #expect(target.blockers.isEmpty)
    #expect(mark(target, "parent veth nsb-t0") == "~")
  }

  @Test func aNewBridgeThatIsNoBridgeIsBlocked() throws {
    let spec = V.spec(V.veth(more: "bridge = \"br9\"\n", hostAddress: false))
    let blocked = try Self.target(applied: T.spec(), spec: spec, interfaces: ["br9": Self.link])
    #expect(mark(blocked, "parent bridge br9") == "!")
    #expect(blocked.blockers == ["host interface br9, not a bridge, is in the way of a bridge"])
    let standing = try Self.target(applied: T.spec(), spec: spec, interfaces: ["br9": HostInterface(isBridge: true)])
    #expect(mark(standing, "parent bridge br9") == "=" && standing.blockers.isEmpty)
  }
}
