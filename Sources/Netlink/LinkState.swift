/// One link of a network namespace as its RTM_GETLINK, RTM_GETADDR and RTM_GETROUTE dumps describe it
/// (rtnetlink(7)): what `plan --target` compares a live sandbox's veths with.
public struct LinkState: Sendable, Hashable {
  public var name: String
  public var index: Int32
  /// IFF_UP in ifi_flags.
  public var isUp: Bool
  public var mtu: UInt32?
  /// Its addresses (IFA_LOCAL, else IFA_ADDRESS), in the order of the dump.
  public var addresses: [Address]
  /// Routes of the main table out of it through a gateway (RTA_OIF this link, RTA_GATEWAY set).
  public var routes: [Route]

  /// An address and its prefix length; `bytes` 4 long for IPv4, 16 for IPv6, network order.
  public struct Address: Sendable, Hashable {
    public var bytes: [UInt8]
    public var prefixLength: UInt8

    public init(bytes: [UInt8], prefixLength: UInt8) {
      self.bytes = bytes
      self.prefixLength = prefixLength
    }
  }

  /// A route through `gateway`: to `destination`/`destinationLength`, the default route when the length is 0.
  public struct Route: Sendable, Hashable {
    public var destination: [UInt8]
    public var destinationLength: UInt8
    public var gateway: [UInt8]

    public init(destination: [UInt8], destinationLength: UInt8, gateway: [UInt8]) {
      self.destination = destination
      self.destinationLength = destinationLength
      self.gateway = gateway
    }
  }

  public init(name: String, index: Int32, isUp: Bool, mtu: UInt32?, addresses: [Address] = [], routes: [Route] = []) {
    self.name = name
    self.index = index
    self.isUp = isUp
    self.mtu = mtu
    self.addresses = addresses
    self.routes = routes
  }

  /// The links among the messages in `bytes` (the answers to the three dumps, in any order), each with the
  /// addresses and routes whose ifa_index or RTA_OIF is its index. Malformed messages are left out.
  public static func parse(_ bytes: [UInt8]) -> [LinkState] {
    let messages = NetlinkMessage.all(in: bytes)
    var links = messages.compactMap(LinkReply.init).compactMap { reply -> LinkState? in
      guard let name = reply.name else { return nil }
      return LinkState(
        name: name, index: reply.index, isUp: reply.flags & NetlinkNumbers.IFF_UP != 0, mtu: reply.mtu)
    }
    for message in messages {
      if let (index, address) = address(message), let at = links.firstIndex(where: { $0.index == index }) {
        links[at].addresses.append(address)
      }
      if let (index, route) = route(message), let at = links.firstIndex(where: { $0.index == index }) {
        links[at].routes.append(route)
      }
    }
    return links
  }

  /// RTM_NEWADDR: ifaddrmsg (u8 family, u8 prefix length, u8 flags, u8 scope, u32 index), then IFA_* attributes.
  private static func address(_ message: NetlinkMessage) -> (Int32, Address)? {
    guard message.type == NetlinkNumbers.RTM_NEWADDR else { return nil }
    let reader = NetlinkReader(message.payload[...])
    guard message.payload.count >= 8, let index = reader.i32(at: 4) else { return nil }
    let attributes = reader.attributes(from: 8)
    let local = attributes.first { $0.type == NetlinkNumbers.IFA_LOCAL }?.payload
    guard let bytes = local ?? attributes.first(where: { $0.type == NetlinkNumbers.IFA_ADDRESS })?.payload else {
      return nil
    }
    return (index, Address(bytes: Array(bytes), prefixLength: message.payload[1]))
  }

  /// RTM_NEWROUTE of the main table with a gateway: rtmsg (u8 family, dst_len, src_len, tos, table, protocol,
  /// scope, type; u32 flags), then RTA_* attributes (RTA_TABLE overrides rtm_table).
  private static func route(_ message: NetlinkMessage) -> (Int32, Route)? {
    guard message.type == NetlinkNumbers.RTM_NEWROUTE, message.payload.count >= 12 else { return nil }
    let reader = NetlinkReader(message.payload[...])
    let attributes = reader.attributes(from: 12)
    func value(_ type: UInt16) -> ArraySlice<UInt8>? { attributes.first { $0.type == type }?.payload }
    let table = value(NetlinkNumbers.RTA_TABLE).flatMap { NetlinkReader($0).u32(at: 0) } ?? UInt32(message.payload[4])
    guard table == UInt32(NetlinkNumbers.RT_TABLE_MAIN), let gateway = value(NetlinkNumbers.RTA_GATEWAY),
      let oif = value(NetlinkNumbers.RTA_OIF).flatMap({ NetlinkReader($0).i32(at: 0) })
    else { return nil }
    let route = Route(
      destination: Array(value(NetlinkNumbers.RTA_DST) ?? []), destinationLength: message.payload[1],
      gateway: Array(gateway))
    return (oif, route)
  }
}
