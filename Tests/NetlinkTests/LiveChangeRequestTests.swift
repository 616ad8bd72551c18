import Testing

@testable import Netlink

/// The requests `apply --target` adds for a live sandbox's veths, byte for byte against the uapi layouts (see
/// ``RouteRequestBytesTests``), and the dumps `plan --target` reads its links with, parsed from answers built by hand.
@Suite struct LiveChangeRequestTests {
  typealias B = RouteRequestBytesTests

  func encode(_ request: RouteRequest, indexes: [String: UInt32] = [:]) throws -> [UInt8] {
    try B().encode(request, sequence: 9, indexes: indexes)
  }

  @Test func deleteAddressIsTheNewOneWithoutCreate() throws {
    let bytes = try encode(
      .deleteAddress(interface: "eth0", address: [10, 88, 0, 3], text: "10.88.0.3", prefixLength: 24),
      indexes: ["eth0": 4])
    // RTM_DELADDR (21), NLM_F_REQUEST|NLM_F_ACK only; ifaddrmsg AF_INET, /24, index 4; IFA_LOCAL, IFA_ADDRESS.
    let body = [2, 24, 0, 0] + B.u32(4) + B.attr(2, [10, 88, 0, 3]) + B.attr(1, [10, 88, 0, 3])
    #expect(bytes == B.header(length: 16 + body.count, type: 21, flags: B.request, sequence: 9) + body)
    #expect(
      RouteRequest.deleteAddress(interface: "eth0", address: [10, 88, 0, 3], text: "10.88.0.3", prefixLength: 24)
        .description == "RTM_DELADDR ifa_index=index of eth0 ifa_prefixlen=24 IFA_LOCAL=10.88.0.3 IFA_ADDRESS=10.88.0.3"
    )
  }

  @Test func deleteRouteMatchesTheOneAdded() throws {
    let bytes = try encode(
      .deleteRoute(interface: "eth0", gateway: [10, 88, 0, 1], text: "10.88.0.1"), indexes: ["eth0": 3])
    // RTM_DELROUTE (25): the rtmsg of the route added (main table, RTPROT_BOOT, universe, unicast).
    let body = [2, 0, 0, 0, 254, 3, 0, 1] + B.u32(0) + B.attr(5, [10, 88, 0, 1]) + B.attr(4, B.u32(3))
    #expect(bytes == B.header(length: 16 + body.count, type: 25, flags: B.request, sequence: 9) + body)
  }

  @Test func mtuSetByName() throws {
    let bytes = try encode(.setMTU(name: "eth0", mtu: 1400))
    // RTM_NEWLINK (16) without NLM_F_CREATE: ifinfomsg all zeros (no flag changed), IFLA_IFNAME (3), IFLA_MTU (4).
    let body = B.ifinfomsg + B.attr(3, B.name("eth0")) + B.attr(4, B.u32(1400))
    #expect(bytes == B.header(length: 16 + body.count, type: 16, flags: B.request, sequence: 9) + body)
    #expect(RouteRequest.setMTU(name: "eth0", mtu: 1400).description == "RTM_NEWLINK IFLA_IFNAME=eth0 IFLA_MTU=1400")
  }

  @Test func dumpsCarryAZeroHeaderOfTheirType() {
    // NLM_F_REQUEST (1) | NLM_F_DUMP (0x300), no NLM_F_ACK: the answer ends with NLMSG_DONE.
    let flags = 0x1 | 0x300
    #expect(
      RouteRequest.dump(18, sequence: 1) == B.header(length: 32, type: 18, flags: flags, sequence: 1) + B.ifinfomsg)
    #expect(
      RouteRequest.dump(22, sequence: 2)
        == B.header(length: 24, type: 22, flags: flags, sequence: 2) + [UInt8](repeating: 0, count: 8))
    #expect(
      RouteRequest.dump(26, sequence: 3)
        == B.header(length: 28, type: 26, flags: flags, sequence: 3) + [UInt8](repeating: 0, count: 12))
  }

  /// RTM_NEWLINK of link `index` named `name`, IFF_UP when `up`, with IFLA_MTU.
  static func link(_ index: Int, _ name: String, up: Bool, mtu: Int = 1500) -> [UInt8] {
    let body =
      [0, 0] + B.u16(1) + B.u32(index) + B.u32(up ? 0x1043 : 0x1002) + B.u32(0) + B.attr(3, B.name(name))
      + B.attr(4, B.u32(mtu))
    return B.header(length: 16 + body.count, type: 16, flags: 2, sequence: 1) + body
  }

  /// RTM_NEWADDR of `bytes`/`prefix` on link `index`; IPv4 with IFA_LOCAL, IPv6 with IFA_ADDRESS only.
  static func address(_ index: Int, _ bytes: [UInt8], _ prefix: UInt8) -> [UInt8] {
    let six = bytes.count == 16
    let body =
      [six ? 10 : 2, prefix, 0, 0] + B.u32(index) + B.attr(1, bytes) + (six ? [] : B.attr(2, bytes))
    return B.header(length: 16 + body.count, type: 20, flags: 2, sequence: 2) + body
  }

  /// RTM_NEWROUTE in `table` out of link `index`, through `gateway` when given.
  static func route(_ index: Int, gateway: [UInt8]?, table: UInt8 = 254, destination: ([UInt8], UInt8)? = nil)
    -> [UInt8]
  {
    let dst = destination.map { B.attr(1, $0.0) } ?? []
    let body =
      [2, destination?.1 ?? 0, 0, 0, table, 3, 0, 1] + B.u32(0) + B.attr(15, B.u32(Int(table))) + dst
      + (gateway.map { B.attr(5, $0) } ?? []) + B.attr(4, B.u32(index))
    return B.header(length: 16 + body.count, type: 24, flags: 2, sequence: 3) + body
  }

  static let done = B.header(length: 20, type: 3, flags: 2, sequence: 3) + B.u32(0)

  @Test func linksWithTheirAddressesAndGatewayRoutes() {
    let six: [UInt8] = [0xFE, 0x80] + [UInt8](repeating: 0, count: 13) + [1]
    let bytes =
      Self.link(1, "lo", up: true, mtu: 65536) + Self.link(4, "eth0", up: true, mtu: 1400)
      + Self.link(5, "eth1", up: false)
      + Self.address(4, [10, 1, 0, 2], 24) + Self.address(4, six, 64) + Self.address(9, [10, 9, 0, 2], 24)
      + Self.route(4, gateway: [10, 1, 0, 1]) + Self.route(4, gateway: nil, destination: ([10, 1, 0, 0], 24))
      + Self.route(4, gateway: [10, 1, 0, 9], table: 255) + Self.done
    let links = LinkState.parse(bytes)
    #expect(links.map(\.name) == ["lo", "eth0", "eth1"])
    let eth0 = links[1]
    #expect(eth0.isUp && eth0.mtu == 1400 && eth0.index == 4)
    #expect(
      eth0.addresses == [
        LinkState.Address(bytes: [10, 1, 0, 2], prefixLength: 24), LinkState.Address(bytes: six, prefixLength: 64),
      ])
    // The prefix route (no gateway) and the local table's route are not the spec's kind of route.
    #expect(eth0.routes == [LinkState.Route(destination: [], destinationLength: 0, gateway: [10, 1, 0, 1])])
    #expect(!links[2].isUp && links[2].addresses.isEmpty)
    // An address of a link not in the dump belongs to none.
    #expect(links.allSatisfy { !$0.addresses.contains(LinkState.Address(bytes: [10, 9, 0, 2], prefixLength: 24)) })
    #expect(LinkState.parse([1, 2, 3]).isEmpty)
  }
}
