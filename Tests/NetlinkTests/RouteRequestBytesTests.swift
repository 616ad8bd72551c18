import Testing

@testable import Netlink

/// Each request, byte for byte, against the layouts of the kernel's uapi headers written out by hand here:
/// nlmsghdr (u32 len, u16 type, u16 flags, u32 seq, u32 pid), ifinfomsg (u8 family, u8 pad, u16 type, i32 index,
/// u32 flags, u32 change), ifaddrmsg (u8 family, u8 prefixlen, u8 flags, u8 scope, u32 index), rtmsg (8 u8s, u32
/// flags) and nlattr (u16 len, u16 type, payload padded to 4). Numbers are little-endian (this machine's order).
@Suite struct RouteRequestBytesTests {
  static func u16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
  static func u32(_ value: Int) -> [UInt8] { [0, 8, 16, 24].map { UInt8((value >> $0) & 0xFF) } }
  /// nlattr with `payload`, padded.
  static func attr(_ type: Int, _ payload: [UInt8]) -> [UInt8] {
    let padding = (4 - payload.count % 4) % 4
    return u16(4 + payload.count) + u16(type) + payload + [UInt8](repeating: 0, count: padding)
  }
  static func name(_ text: String) -> [UInt8] { Array(text.utf8) + [0] }
  static func header(length: Int, type: Int, flags: Int, sequence: Int) -> [UInt8] {
    u32(length) + u16(type) + u16(flags) + u32(sequence) + u32(0)
  }
  static let ifinfomsg = [UInt8](repeating: 0, count: 16)
  /// NLM_F_REQUEST (1) | NLM_F_ACK (4).
  static let request = 0x1 | 0x4
  /// NLM_F_CREATE (0x400) | NLM_F_EXCL (0x200).
  static let create = 0x400 | 0x200

  func encode(_ request: RouteRequest, sequence: UInt32 = 7, indexes: [String: UInt32] = [:], fds: [Int: UInt32] = [:])
    throws -> [UInt8]
  {
    try request.encoded(sequence: sequence) { (value) throws(LookupFailure) -> UInt32 in
      switch value {
      case .interfaceIndex(let name): guard let index = indexes[name] else { throw LookupFailure() }; return index
      case .fdSlot(let slot): guard let fd = fds[slot] else { throw LookupFailure() }; return fd
      case .madeLinkIndex(let name): guard let index = indexes[name] else { throw LookupFailure() }; return index
      }
    }
  }
  struct LookupFailure: Error {}

  /// The host end nsbuild made, deleted by the index it had then: ifi_index set, no IFLA_IFNAME (the kernel would
  /// look a name up anew), nothing else.
  @Test func aMadeLinkIsDeletedByItsIndexNotItsName() throws {
    let bytes = try encode(RouteRequest.deleteMadeLink(name: "nsb0"), indexes: ["nsb0": 42])
    #expect(bytes.count == 16 + 16)
    #expect(bytes[4..<6] == [17, 0])  // RTM_DELLINK
    #expect(Array(bytes[20..<24]) == [42, 0, 0, 0])  // ifi_index
    #expect(
      RouteRequest.deleteMadeLink(name: "nsb0").description == "RTM_DELLINK ifi_index=index of the nsb0 nsbuild made")
  }

  @Test func vethWithItsPeerInANamespace() throws {
    let bytes = try encode(
      .newVeth(name: "nsb0", peer: "eth0", peerNamespace: 3, mtu: 1400, master: nil), fds: [3: 9])
    let peer = Self.attr(
      1, Self.ifinfomsg + Self.attr(3, Self.name("eth0")) + Self.attr(28, Self.u32(9)) + Self.attr(4, Self.u32(1400)))
    // VETH_INFO_PEER (1) and IFLA_INFO_DATA (2), IFLA_LINKINFO (18) nested: NLA_F_NESTED (0x8000) set.
    let peerNested = Self.u16(peer.count) + Self.u16(0x8001) + peer.dropFirst(4)
    let data = Self.u16(4 + peerNested.count) + Self.u16(0x8002) + peerNested
    let kind = Self.attr(1, Self.name("veth") + [])
    let linkinfo = Self.u16(4 + kind.count + data.count) + Self.u16(0x8012) + kind + data
    let body = Self.ifinfomsg + Self.attr(3, Self.name("nsb0")) + Self.attr(4, Self.u32(1400)) + linkinfo
    let expected = Self.header(length: 16 + body.count, type: 16, flags: Self.request | Self.create, sequence: 7) + body
    #expect(bytes == expected)
    #expect(bytes.count == 120)
    // ip link add nsb0 mtu 1400 type veth peer name eth0 netns FD: the peer's ifinfomsg and two attributes.
    #expect(Array(bytes[72..<76]) == [0x28 + 8, 0x00, 0x01, 0x80])
  }

  @Test func vethAttachedToABridge() throws {
    let bytes = try encode(
      .newVeth(name: "h0", peer: "e0", peerNamespace: 1, mtu: nil, master: "br0"), indexes: ["br0": 42], fds: [1: 5])
    // IFLA_IFNAME, then IFLA_MASTER (10) with the bridge's index, before IFLA_LINKINFO.
    let prefix = Self.ifinfomsg + Self.attr(3, Self.name("h0")) + Self.attr(10, Self.u32(42))
    #expect(Array(bytes[16..<(16 + prefix.count)]) == prefix)
    #expect(throws: LookupFailure.self) {
      try encode(.newVeth(name: "h0", peer: "e0", peerNamespace: 1, mtu: nil, master: "br0"), fds: [1: 5])
    }
  }

  @Test func bridgeMadeUp() throws {
    let bytes = try encode(.newBridge(name: "nsb0"), sequence: 1)
    // ifi_flags and ifi_change IFF_UP (1).
    let ifinfo: [UInt8] = [0, 0] + Self.u16(0) + Self.u32(0) + Self.u32(1) + Self.u32(1)
    let kind = Self.attr(1, Self.name("bridge"))
    let body = ifinfo + Self.attr(3, Self.name("nsb0")) + Self.u16(4 + kind.count) + Self.u16(0x8012) + kind
    #expect(
      bytes == Self.header(length: 16 + body.count, type: 16, flags: Self.request | Self.create, sequence: 1) + body)
  }

  @Test func linkUpByName() throws {
    let bytes = try encode(.setUp(name: "eth0"), sequence: 2)
    let body: [UInt8] = [0, 0, 0, 0] + Self.u32(0) + Self.u32(1) + Self.u32(1) + Self.attr(3, Self.name("eth0"))
    #expect(bytes == Self.header(length: 16 + body.count, type: 16, flags: Self.request, sequence: 2) + body)
    #expect(bytes.count == 44)
  }

  @Test func deleteAndGetLink() throws {
    let body = Self.ifinfomsg + Self.attr(3, Self.name("nsb-x"))
    #expect(
      try encode(.deleteLink(name: "nsb-x"), sequence: 3) == Self.header(
        length: 16 + body.count, type: 17, flags: Self.request, sequence: 3) + body)
    #expect(
      try encode(.getLink(name: "nsb-x"), sequence: 4) == Self.header(
        length: 16 + body.count, type: 18, flags: Self.request, sequence: 4) + body)
  }

  @Test func ipv4Address() throws {
    let bytes = try encode(
      .newAddress(interface: "eth0", address: [10, 88, 0, 2], text: "10.88.0.2", prefixLength: 24),
      indexes: ["eth0": 2])
    // AF_INET (2), prefix 24, no flags, RT_SCOPE_UNIVERSE, index 2; IFA_LOCAL (2) then IFA_ADDRESS (1).
    let body = [2, 24, 0, 0] + Self.u32(2) + Self.attr(2, [10, 88, 0, 2]) + Self.attr(1, [10, 88, 0, 2])
    #expect(
      bytes == Self.header(length: 16 + body.count, type: 20, flags: Self.request | Self.create, sequence: 7) + body)
    #expect(bytes.count == 40)
  }

  @Test func ipv6AddressSkipsDuplicateAddressDetection() throws {
    let address: [UInt8] = [0xFD, 0, 0, 0x88] + [UInt8](repeating: 0, count: 11) + [2]
    let bytes = try encode(
      .newAddress(interface: "eth0", address: address, text: "fd00:88::2", prefixLength: 64), indexes: ["eth0": 5])
    // AF_INET6 (10), IFA_F_NODAD (2) in ifa_flags and in IFA_FLAGS (8).
    let body = [10, 64, 2, 0] + Self.u32(5) + Self.attr(2, address) + Self.attr(1, address) + Self.attr(8, Self.u32(2))
    #expect(
      bytes == Self.header(length: 16 + body.count, type: 20, flags: Self.request | Self.create, sequence: 7) + body)
  }

  @Test func defaultRouteThroughAGateway() throws {
    let bytes = try encode(
      .newRoute(interface: "eth0", gateway: [10, 88, 0, 1], text: "10.88.0.1"), indexes: ["eth0": 3])
    // rtmsg: AF_INET, dst_len 0, src_len 0, tos 0, RT_TABLE_MAIN (254), RTPROT_BOOT (3), RT_SCOPE_UNIVERSE (0),
    // RTN_UNICAST (1), flags 0; RTA_GATEWAY (5), RTA_OIF (4).
    let body = [2, 0, 0, 0, 254, 3, 0, 1] + Self.u32(0) + Self.attr(5, [10, 88, 0, 1]) + Self.attr(4, Self.u32(3))
    #expect(
      bytes == Self.header(length: 16 + body.count, type: 24, flags: Self.request | Self.create, sequence: 7) + body)
  }

  @Test func routeToADestination() throws {
    let bytes = try encode(
      .newRoute(
        interface: "eth0", gateway: [10, 0, 0, 1], text: "10.0.0.1", destination: ([10, 9, 0, 0], "10.9.0.0", 16)),
      indexes: ["eth0": 3])
    let body =
      [2, 16, 0, 0, 254, 3, 0, 1] + Self.u32(0) + Self.attr(1, [10, 9, 0, 0]) + Self.attr(5, [10, 0, 0, 1])
      + Self.attr(4, Self.u32(3))
    #expect(
      bytes == Self.header(length: 16 + body.count, type: 24, flags: Self.request | Self.create, sequence: 7) + body)
  }

  @Test func requestsPrintTheirAttributesByName() {
    let veth = RouteRequest.newVeth(name: "nsb0", peer: "eth0", peerNamespace: 3, mtu: nil, master: "br0")
    #expect(
      veth.description
        == "RTM_NEWLINK NLM_F_CREATE|NLM_F_EXCL IFLA_IFNAME=nsb0 IFLA_MASTER=index of br0 IFLA_LINKINFO={IFLA_INFO_KIND=veth IFLA_INFO_DATA={VETH_INFO_PEER={ifinfomsg IFLA_IFNAME=eth0 IFLA_NET_NS_FD=fd[3]}}}"
    )
    #expect(RouteRequest.setUp(name: "eth0").description == "RTM_NEWLINK IFF_UP IFLA_IFNAME=eth0")
  }
}
