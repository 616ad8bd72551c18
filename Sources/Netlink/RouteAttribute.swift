/// One rtnetlink attribute (nlattr, netlink(7)) by its uapi name, with a value that may be known only at run time
/// (an interface's index, an fd).
public struct RouteAttribute: Sendable, Hashable, Codable, CustomStringConvertible {
  /// The uapi name, such as `IFLA_IFNAME`: what `plan` prints.
  public var name: String
  /// The attribute type number.
  public var type: UInt16
  public var value: Value

  public init(_ name: String, _ type: UInt16, _ value: Value) {
    self.name = name
    self.type = type
    self.value = value
  }

  /// An attribute's payload.
  public enum Value: Sendable, Hashable, Codable {
    /// A NUL-terminated string (IFLA_IFNAME, IFLA_INFO_KIND).
    case string(String)
    /// A u32 in host order (IFLA_MTU, IFA_FLAGS).
    case u32(UInt32)
    /// An address in network order (4 bytes for IPv4, 16 for IPv6), with its text for `plan`.
    case address(bytes: [UInt8], text: String)
    /// Attributes inside this one (NLA_F_NESTED).
    case nested([RouteAttribute])
    /// A struct (ifinfomsg for VETH_INFO_PEER) followed by attributes.
    case headed(LinkHeader, [RouteAttribute])
    /// The u32 index of the interface named so, looked up (RTM_GETLINK) when the request is made.
    case interfaceIndex(name: String)
    /// The fd held in the applier's fd slot, as a u32 (IFLA_NET_NS_FD).
    case fdSlot(Int)
  }

  public var description: String { name + "=" + value.description }
}

extension RouteAttribute.Value: CustomStringConvertible {
  public var description: String {
    switch self {
    case .string(let text): text
    case .u32(let value): String(value)
    case .address(_, let text): text
    case .nested(let inner): "{" + inner.map(\.description).joined(separator: " ") + "}"
    case .headed(let header, let inner):
      "{" + ([header.description] + inner.map(\.description)).joined(separator: " ") + "}"
    case .interfaceIndex(let name): "index of " + name
    case .fdSlot(let slot): "fd[\(slot)]"
    }
  }
}

/// ifinfomsg (linux/rtnetlink.h): u8 family, u8 pad, u16 type, i32 index, u32 flags, u32 change; 16 bytes.
public struct LinkHeader: Sendable, Hashable, Codable, CustomStringConvertible {
  public var family: UInt8 = NetlinkNumbers.AF_UNSPEC
  /// ifi_index: 0 to name the link by IFLA_IFNAME instead.
  public var index: Int32 = 0
  /// When set, ifi_index is instead the index the kernel gave the link of this name that the sender made (read back
  /// as it made it), given when the request is encoded: the link is named by its index, never by its name, which
  /// someone else's link may take once the sender's is gone.
  public var madeLink: String?
  public var flags: UInt32 = 0
  /// Which bits of `flags` to change.
  public var change: UInt32 = 0

  public init(index: Int32 = 0, flags: UInt32 = 0, change: UInt32 = 0, madeLink: String? = nil) {
    self.index = index
    self.flags = flags
    self.change = change
    self.madeLink = madeLink
  }

  public var description: String {
    if let madeLink { return "ifi_index=index of the \(madeLink) nsbuild made" }
    return change & NetlinkNumbers.IFF_UP != 0
      ? (flags & NetlinkNumbers.IFF_UP != 0 ? "IFF_UP" : "~IFF_UP") : "ifinfomsg"
  }
}

/// ifaddrmsg (linux/if_addr.h): u8 family, u8 prefix length, u8 flags, u8 scope, u32 index; 8 bytes.
public struct AddressHeader: Sendable, Hashable, Codable {
  public var family: UInt8
  public var prefixLength: UInt8
  public var flags: UInt8
  public var scope: UInt8 = NetlinkNumbers.RT_SCOPE_UNIVERSE
  /// The interface, looked up by name when the request is made.
  public var interface: String

  public init(family: UInt8, prefixLength: UInt8, flags: UInt8, interface: String) {
    self.family = family
    self.prefixLength = prefixLength
    self.flags = flags
    self.interface = interface
  }
}

/// rtmsg (linux/rtnetlink.h): u8 family, dst_len, src_len, tos, table, protocol, scope, type; u32 flags; 12 bytes.
public struct RouteHeader: Sendable, Hashable, Codable {
  public var family: UInt8
  public var destinationLength: UInt8
  public var table: UInt8 = NetlinkNumbers.RT_TABLE_MAIN
  public var proto: UInt8 = NetlinkNumbers.RTPROT_BOOT
  public var scope: UInt8 = NetlinkNumbers.RT_SCOPE_UNIVERSE
  public var type: UInt8 = NetlinkNumbers.RTN_UNICAST

  public init(family: UInt8, destinationLength: UInt8) {
    self.family = family
    self.destinationLength = destinationLength
  }
}
