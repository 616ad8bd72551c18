/// One rtnetlink request (rtnetlink(7)): a message type, its flags, its fixed header and its attributes, with the
/// values only known at run time left symbolic until ``encoded(sequence:resolve:)``.
public struct RouteRequest: Sendable, Hashable, Codable, CustomStringConvertible {
  /// RTM_NEWLINK, RTM_NEWADDR, …
  public var type: UInt16
  /// NLM_F_* flags besides NLM_F_REQUEST and NLM_F_ACK, which every request has.
  public var flags: UInt16
  public var header: Header
  public var attributes: [RouteAttribute]

  public init(type: UInt16, flags: UInt16 = 0, header: Header, attributes: [RouteAttribute]) {
    self.type = type
    self.flags = flags
    self.header = header
    self.attributes = attributes
  }

  public enum Header: Sendable, Hashable, Codable {
    case link(LinkHeader)
    case address(AddressHeader)
    case route(RouteHeader)
  }

  /// The run-time values a request needs.
  public enum Unresolved: Sendable, Hashable {
    case interfaceIndex(name: String)
    case fdSlot(Int)
    /// The index of the link named so that the sender made (``LinkHeader/madeLink``).
    case madeLinkIndex(name: String)
  }

  /// The message bytes: nlmsghdr (length, type, flags | NLM_F_REQUEST | NLM_F_ACK, `sequence`, port 0), the fixed
  /// header, then the attributes, each padded to 4 bytes.
  ///
  /// - Parameter resolve: gives each symbolic value (an interface's index, the fd in a slot); its error is thrown.
  public func encoded<E: Error>(sequence: UInt32, resolve: (Unresolved) throws(E) -> UInt32) throws(E) -> [UInt8] {
    var writer = NetlinkWriter()
    writer.u32(0)
    writer.u16(type)
    writer.u16(flags | NetlinkNumbers.NLM_F_REQUEST | NetlinkNumbers.NLM_F_ACK)
    writer.u32(sequence)
    writer.u32(0)
    switch header {
    case .link(let link): try Self.write(link, &writer, resolve)
    case .address(let address):
      writer.u8(address.family)
      writer.u8(address.prefixLength)
      writer.u8(address.flags)
      writer.u8(address.scope)
      writer.u32(try resolve(.interfaceIndex(name: address.interface)))
    case .route(let route):
      for byte in [route.family, route.destinationLength, 0, 0, route.table, route.proto, route.scope, route.type] {
        writer.u8(byte)
      }
      writer.u32(0)
    }
    for attribute in attributes { try Self.write(attribute, &writer, resolve) }
    writer.setU32(UInt32(writer.bytes.count), at: 0)
    return writer.bytes
  }

  private static func write<E: Error>(
    _ link: LinkHeader, _ writer: inout NetlinkWriter, _ resolve: (Unresolved) throws(E) -> UInt32
  ) throws(E) {
    writer.u8(link.family)
    writer.u8(0)
    writer.u16(0)
    if let made = link.madeLink {
      writer.u32(try resolve(.madeLinkIndex(name: made)))
    } else {
      writer.i32(link.index)
    }
    writer.u32(link.flags)
    writer.u32(link.change)
  }

  private static func write<E: Error>(
    _ attribute: RouteAttribute, _ writer: inout NetlinkWriter, _ resolve: (Unresolved) throws(E) -> UInt32
  ) throws(E) {
    let start = writer.bytes.count
    writer.u16(0)
    var type = attribute.type
    switch attribute.value {
    case .nested, .headed: type |= NetlinkNumbers.NLA_F_NESTED
    case .string, .u32, .address, .interfaceIndex, .fdSlot: break
    }
    writer.u16(type)
    switch attribute.value {
    case .string(let text): writer.append(Array(text.utf8) + [0])
    case .u32(let value): writer.u32(value)
    case .address(let bytes, _): writer.append(bytes)
    case .nested(let inner): for each in inner { try write(each, &writer, resolve) }
    case .headed(let header, let inner):
      try write(header, &writer, resolve)
      for each in inner { try write(each, &writer, resolve) }
    case .interfaceIndex(let name): writer.u32(try resolve(.interfaceIndex(name: name)))
    case .fdSlot(let slot): writer.u32(try resolve(.fdSlot(slot)))
    }
    // nla_len counts the payload without its padding.
    writer.setU16(UInt16(writer.bytes.count - start), at: start)
    writer.pad()
  }

  /// The message type's uapi name.
  public var typeName: String {
    switch type {
    case NetlinkNumbers.RTM_NEWLINK: "RTM_NEWLINK"
    case NetlinkNumbers.RTM_DELLINK: "RTM_DELLINK"
    case NetlinkNumbers.RTM_GETLINK: "RTM_GETLINK"
    case NetlinkNumbers.RTM_NEWADDR: "RTM_NEWADDR"
    case NetlinkNumbers.RTM_DELADDR: "RTM_DELADDR"
    case NetlinkNumbers.RTM_GETADDR: "RTM_GETADDR"
    case NetlinkNumbers.RTM_NEWROUTE: "RTM_NEWROUTE"
    case NetlinkNumbers.RTM_DELROUTE: "RTM_DELROUTE"
    case NetlinkNumbers.RTM_GETROUTE: "RTM_GETROUTE"
    default: "message type \(type)"
    }
  }

  /// `RTM_NEWLINK NLM_F_CREATE|NLM_F_EXCL IFLA_IFNAME=nsb0 …`: the request as `plan` prints it.
  public var description: String {
    var parts = [typeName]
    let named = [(NetlinkNumbers.NLM_F_CREATE, "NLM_F_CREATE"), (NetlinkNumbers.NLM_F_EXCL, "NLM_F_EXCL")]
    let set = named.filter { flags & $0.0 != 0 }.map(\.1)
    if !set.isEmpty { parts.append(set.joined(separator: "|")) }
    switch header {
    case .link(let link):
      if link.change != 0 || link.madeLink != nil { parts.append(link.description) }
    case .address(let address):
      parts.append("ifa_index=index of \(address.interface) ifa_prefixlen=\(address.prefixLength)")
    case .route(let route):
      parts.append("rtm_dst_len=\(route.destinationLength) RT_TABLE_MAIN")
    }
    return (parts + attributes.map(\.description)).joined(separator: " ")
  }
}
