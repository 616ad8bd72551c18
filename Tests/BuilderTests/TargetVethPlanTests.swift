import Netlink
import SpecParser
import Testing

@testable import Builder

/// `[[net.veth]]` against a live sandbox made of data (``TargetPlanTests``' record and FakeHost), its links as the
/// rtnetlink dumps in its namespace answer (built here byte by byte, as the kernel lays them out): a veth added is
/// `+`, one dropped `-`, an address, route or mtu `~`, a renamed one `-/+` of that link; drift comes from the dump.
/// Transcripts: Golden/live-veth-*.plan.{txt,json}.
@Suite struct TargetVethPlanTests {
  typealias T = TargetPlanTests

  /// A veth entry named `eth0` on the host end `nsb-t0` unless said otherwise.
  static func veth(
    name: String = "eth0", host: String = "nsb-t0", addresses: [String] = ["10.1.0.2/24"], more: String = "",
    hostAddress: Bool = true
  ) -> String {
    let list = addresses.map { "\"\($0)\"" }.joined(separator: ", ")
    return "[[net.veth]]\nname = \"\(name)\"\nhost_name = \"\(host)\"\naddresses = [\(list)]\n"
      + (hostAddress ? "host_addresses = [\"10.1.0.1/24\"]\n" : "") + more
  }

  static func spec(_ veths: String...) -> String { T.spec(extra: veths.joined()) }

  // The dump's messages, as rtnetlink(7) answers RTM_GETLINK, RTM_GETADDR and RTM_GETROUTE.
  static func u16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
  static func u32(_ value: Int) -> [UInt8] { [0, 8, 16, 24].map { UInt8((value >> $0) & 0xFF) } }
  static func attr(_ type: Int, _ payload: [UInt8]) -> [UInt8] {
    u16(4 + payload.count) + u16(type) + payload + [UInt8](repeating: 0, count: (4 - payload.count % 4) % 4)
  }
  static func message(_ type: Int, _ body: [UInt8]) -> [UInt8] {
    u32(16 + body.count) + u16(type) + u16(2) + u32(1) + u32(0) + body
  }
  /// ifinfomsg (index, IFF_UP when up) and IFLA_IFNAME.
  static func link(_ index: Int, _ name: String, up: Bool = true) -> [UInt8] {
    message(16, [0, 0] + u16(1) + u32(index) + u32(up ? 1 : 0) + u32(0) + attr(3, Array(name.utf8) + [0]))
  }
  /// ifaddrmsg and IFA_LOCAL of an IPv4 address.
  static func address(_ index: Int, _ bytes: [UInt8], _ prefix: UInt8) -> [UInt8] {
    message(20, [2, prefix, 0, 0] + u32(index) + attr(2, bytes))
  }
  /// A default route of the main table through `gateway` out of link `index`.
  static func route(_ index: Int, _ gateway: [UInt8]) -> [UInt8] {
    message(24, [2, 0, 0, 0, 254, 3, 0, 1] + u32(0) + attr(5, gateway) + attr(4, u32(index)))
  }

  /// The sandbox's init with `dump` as what its network namespace's dumps answer (nil: they cannot be read).
  static func host(_ dump: [UInt8]?) -> FakeHost {
    let host = T.host()
    host.routeDumpsInside[T.pid] = dump
    return host
  }

  /// lo, and eth0 up with 10.1.0.2/24: what `up` of ``veth(name:host:addresses:more:)`` left.
  static let standing = link(1, "lo") + link(2, "eth0") + address(2, [10, 1, 0, 2], 24)

  func marks(_ target: TargetPlan) -> [String: String] {
    var marks: [String: String] = [:]
    for entry in target.entries where entry.action != .unchanged && !entry.isSetup {
      marks["\(entry.step.actor.rawValue) " + PlanDiff.key(of: entry.step)] = entry.action.symbol
    }
    return marks
  }

  func requests(_ step: Step) -> [String] {
    step.calls.compactMap { call in
      guard case .rtnetlink(let request) = call else { return nil }
      return request.typeName
    }
  }

  @Test func aVethAddedIsMadeFromOutsideAndSetUpByAJoiner() throws {
    let spec = Self.spec(Self.veth())
    let target = try T.target(applied: T.spec(), spec: spec, host: Self.host(nil))
    #expect(marks(target) == ["parent veth nsb-t0": "+", "init veth eth0": "+"])
    #expect(target.summary == "2 to add, 0 to change, 0 to remove" && target.sandboxReplacements.isEmpty)
    let (make, setUp) = (target.applySteps[0], target.applySteps[1])
    // nsbuild opens the init's namespace file, checked by its start time, for IFLA_NET_NS_FD.
    #expect(make.actor == .parent)
    #expect(
      make.calls.first == .openNamespace(namespace: .net, file: .process(pid: T.pid, startTime: T.startTime), slot: 0))
    #expect(requests(make) == ["RTM_NEWLINK", "RTM_NEWADDR", "RTM_NEWLINK"])
    #expect(setUp.actor == .joiner && setUp.calls.contains(.setns(slot: 0, namespaces: .newnet)))
    #expect(requests(setUp) == ["RTM_NEWADDR", "RTM_NEWLINK"])
    // A failed apply deletes the pair it made; the inside end's settings go with it.
    let undo = target.entries.first { $0.action == .add && $0.step.actor == .parent }?.undo
    #expect(undo?.first?.first?.calls == [.rtnetlink(request: .deleteLink(name: "nsb-t0"))])
    try T.compareGolden(target, spec: spec, "veth-added")
  }

  @Test func addressesRoutesAndMTUChangeInPlace() throws {
    let spec = Self.spec(
      Self.veth(addresses: ["10.1.0.2/24", "10.1.0.3/24"], more: "gateway = \"10.1.0.1\"\nmtu = 1400\n"))
    let target = try T.target(applied: Self.spec(Self.veth()), spec: spec, host: Self.host(Self.standing))
    #expect(marks(target) == ["parent veth nsb-t0": "~", "init veth eth0": "~"])
    #expect(target.summary == "0 to add, 2 to change, 0 to remove")
    #expect(target.applySteps.map(\.actor) == [.parent, .joiner, .joiner, .joiner])
    #expect(target.applySteps.map(requests) == [["RTM_NEWLINK"], ["RTM_NEWLINK"], ["RTM_NEWADDR"], ["RTM_NEWROUTE"]])
    // Each change taken back by its inverse.
    let inside = try #require(target.entries.first { $0.action == .inPlace && $0.step.actor == .initProcess })
    #expect(inside.undo.map { $0.map(requests) } == [[["RTM_DELADDR"]], [["RTM_DELROUTE"]]])
    try T.compareGolden(target, spec: spec, "veth-changed")
  }

  @Test func aRenamedVethIsThatLinkMadeAnew() throws {
    let spec = Self.spec(Self.veth(name: "eth1"))
    let target = try T.target(applied: Self.spec(Self.veth()), spec: spec, host: Self.host(Self.standing))
    #expect(marks(target) == ["parent veth nsb-t0": "-/+", "init veth eth1": "+"])
    let entry = try #require(target.entries.first { $0.action == .replace(Replacement(.link)) })
    #expect(entry.note == "inside name eth0 → eth1")
    #expect(entry.apply.map(\.actor) == [.joiner, .parent])
    #expect(entry.apply.first?.calls.last == .rtnetlink(request: .deleteLink(name: "eth0")))
    // The old pair made again, then set up, when a later step fails.
    #expect(entry.undo.first?.map(\.actor) == [.parent, .joiner])
    #expect(target.sandboxReplacements.isEmpty && target.summary == "2 to add, 0 to change, 1 to remove")
    try T.compareGolden(target, spec: spec, "veth-renamed")
  }

  @Test func aDroppedVethIsDeletedInsideAndAHostNameChangeRemakesIt() throws {
    let target = try T.target(applied: Self.spec(Self.veth()), spec: T.spec(), host: Self.host(Self.standing))
    #expect(marks(target) == ["parent veth nsb-t0": "-", "init veth eth0": "-"])
    #expect(
      target.applySteps.count == 1 && target.applySteps[0].calls.last == .rtnetlink(request: .deleteLink(name: "eth0")))
    let renamed = try T.target(
      applied: Self.spec(Self.veth()), spec: Self.spec(Self.veth(host: "nsb-t9")), host: Self.host(Self.standing))
    #expect(marks(renamed) == ["parent veth nsb-t9": "-/+", "init veth eth0": "+"])
    #expect(renamed.entries.contains { $0.note == "host_name nsb-t0 → nsb-t9" })
  }

  @Test func driftInsideIsReadFromTheDumpAndBroughtBack() throws {
    let spec = Self.spec(Self.veth())
    // The address removed and the link taken down by hand.
    let down = try T.target(
      applied: spec, spec: spec, host: Self.host(Self.link(1, "lo") + Self.link(2, "eth0", up: false)))
    #expect(
      down.drift.map(\.description) == [
        "interface eth0: applied up, now down", "interface eth0: applied 10.1.0.2/24, now absent",
      ])
    #expect(marks(down) == ["init veth eth0": "~"])
    #expect(down.applySteps.map(requests) == [["RTM_NEWADDR"], ["RTM_NEWLINK"]])
    // The link deleted by hand: made again.
    let gone = try T.target(applied: spec, spec: spec, host: Self.host(Self.link(1, "lo")))
    #expect(gone.drift.map(\.description) == ["interface eth0: applied present, now absent"])
    #expect(marks(gone) == ["parent veth nsb-t0": "+", "init veth eth0": "+"])
    // An address added by hand, and IPv6 link-local ones, are nsbuild's to leave alone.
    let extra = Self.standing + Self.address(2, [10, 1, 0, 77], 24)
    #expect(try T.target(applied: spec, spec: spec, host: Self.host(extra)).hasChanges == false)
    // Unreadable: nothing claimed, and said so.
    let unread = try T.target(applied: spec, spec: spec, host: Self.host(nil))
    #expect(!unread.hasChanges && unread.unread.contains { $0.hasPrefix("links:") })
  }

  @Test func aDefaultRouteRemovedByTheSpecIsDeletedBeforeItsAddress() throws {
    let applied = Self.spec(Self.veth(more: "gateway = \"10.1.0.1\"\n"))
    let spec = Self.spec(Self.veth(addresses: ["10.1.0.5/24"]))
    let target = try T.target(
      applied: applied, spec: spec, host: Self.host(Self.standing + Self.route(2, [10, 1, 0, 1])))
    #expect(target.applySteps.map(requests) == [["RTM_DELROUTE"], ["RTM_DELADDR"], ["RTM_NEWADDR"]])
  }

  @Test func aBridgeJoinedRemakesTheLinkAndMakesAMissingBridge() throws {
    let spec = Self.spec(Self.veth(more: "bridge = \"nsb-br\"\n", hostAddress: false))
    let target = try T.target(applied: Self.spec(Self.veth()), spec: spec, host: Self.host(Self.standing))
    #expect(marks(target) == ["parent bridge nsb-br": "+", "parent veth nsb-t0": "-/+", "init veth eth0": "+"])
    #expect(target.entries.contains { $0.note == "bridge none → nsb-br" })
    let bridge = try #require(target.entries.first { $0.step.kind == .bridge })
    #expect(bridge.undo.first?.first?.calls == [.rtnetlink(request: .deleteLink(name: "nsb-br"))])
    // The bridge made before the pair that joins it.
    #expect(target.applySteps.first?.kind == .bridge)
  }

  /// An apply killed after making a pair, before writing the record: the link that stands is deleted and made again.
  @Test func aPairTheRecordLacksIsMadeAgain() throws {
    let spec = Self.spec(Self.veth())
    // As `plan --target` reads it: the links too, since the spec has a veth.
    let record = try T.record(try T.plan(T.spec()))
    let live = LiveObserver(reader: Self.host(Self.standing)).observe(record, links: true)
    let target = try TargetPlanner(record: record, live: live).plan(try T.plan(spec))
    let entry = try #require(target.entries.first { $0.step.kind == .veth && $0.step.actor == .parent })
    #expect(entry.action == .add && entry.note == TargetPlanner.unrecordedLink)
    #expect(entry.apply.map(\.actor) == [.joiner, .parent])
    #expect(entry.apply.first?.calls.last == .rtnetlink(request: .deleteLink(name: "eth0")))
  }

  /// Killed after the old pair was deleted and the renamed one made: the one that stands is made again, never EEXIST.
  @Test func aRenameHalfDoneIsMadeAgain() throws {
    let renamed = Self.link(1, "lo") + Self.link(3, "eth1") + Self.address(3, [10, 1, 0, 2], 24)
    let target = try T.target(
      applied: Self.spec(Self.veth()), spec: Self.spec(Self.veth(name: "eth1")), host: Self.host(renamed))
    let entry = try #require(target.entries.first { $0.action == .replace(Replacement(.link)) })
    #expect(entry.apply.map(\.actor) == [.joiner, .parent])
    #expect(entry.apply.first?.calls.last == .rtnetlink(request: .deleteLink(name: "eth1")))
    #expect(entry.note?.hasSuffix(TargetPlanner.unrecordedLink) == true)
  }

  /// A later step failing takes back a veth deleted: the pair made again first, then its inside end set up.
  @Test func aDeletedVethIsMadeAgainThenSetUpWhenALaterStepFails() throws {
    let spec = T.spec(["hostname = \"livebox\"": "hostname = \"newbox\""])
    let plan = try T.target(applied: Self.spec(Self.veth()), spec: spec, host: Self.host(Self.standing))
    let hostname = try #require(plan.applySteps.first { $0.kind == .hostname })
    let (outcome, taken) = InPlaceApplierTests().apply(plan, RecordingKernel(), failing: [hostname.id: 0])
    guard case .failed(let failure, _) = outcome else {
      Issue.record("\(outcome)")
      return
    }
    #expect(failure.stepID == hostname.id)
    #expect(
      taken == [
        "delete veth eth0 inside (its host end goes with it)", "set hostname newbox",
        "make veth nsb-t0 (host) ↔ eth0 (sandbox)", "set up eth0 inside",
      ])
  }
}
