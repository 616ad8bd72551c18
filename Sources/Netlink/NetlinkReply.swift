/// One message of a reply (nlmsghdr and what follows it), read from the bytes recv(2) gave.
public struct NetlinkMessage: Sendable, Hashable {
  public var type: UInt16
  public var flags: UInt16
  public var sequence: UInt32
  /// The bytes after the 16-byte header.
  public var payload: [UInt8]

  public init(type: UInt16, flags: UInt16, sequence: UInt32, payload: [UInt8]) {
    self.type = type
    self.flags = flags
    self.sequence = sequence
    self.payload = payload
  }

  /// Every whole message in `bytes`, in order; a truncated or malformed tail is left out (netlink(7): each message is
  /// NLMSG_ALIGN'ed, nlmsg_len counts its header).
  public static func all(in bytes: [UInt8]) -> [NetlinkMessage] {
    let reader = NetlinkReader(bytes[...])
    var result: [NetlinkMessage] = []
    var offset = 0
    while let length = reader.u32(at: offset).map(Int.init), length >= NetlinkNumbers.headerSize,
      offset + length <= bytes.count, let type = reader.u16(at: offset + 4), let flags = reader.u16(at: offset + 6),
      let sequence = reader.u32(at: offset + 8)
    {
      result.append(
        NetlinkMessage(
          type: type, flags: flags, sequence: sequence,
          payload: Array(bytes[(offset + NetlinkNumbers.headerSize)..<(offset + length)])))
      offset += NetlinkWriter.aligned(length)
    }
    return result
  }
}

/// What the kernel answered a request: its acknowledgement (NLMSG_ERROR with error 0), an error (a negative errno,
/// with the kernel's extended-ack text when it gave one), or a message of its own (RTM_NEWLINK for RTM_GETLINK).
public enum NetlinkReply: Sendable, Hashable {
  case ack
  /// `errno` positive, as errno(3) names it; `message` is NLMSGERR_ATTR_MSG when the kernel gave one.
  case error(errno: Int32, message: String?)
  case message(NetlinkMessage)
  /// Nothing that answers the request with `sequence` (a short or garbled datagram).
  case malformed

  /// The answer to the request numbered `sequence` among the messages in `bytes`.
  public static func parse(_ bytes: [UInt8], sequence: UInt32) -> NetlinkReply {
    for message in NetlinkMessage.all(in: bytes) where message.sequence == sequence {
      guard message.type == NetlinkNumbers.NLMSG_ERROR else {
        if message.type == NetlinkNumbers.NLMSG_DONE { continue }
        return .message(message)
      }
      let reader = NetlinkReader(message.payload[...])
      guard let error = reader.i32(at: 0) else { return .malformed }
      if error == 0 { return .ack }
      return .error(errno: -error, message: extendedMessage(message, reader))
    }
    return .malformed
  }

  /// NLMSGERR_ATTR_MSG after nlmsgerr's copy of the request: its header alone when NLM_F_CAPPED, else all of it.
  private static func extendedMessage(_ message: NetlinkMessage, _ reader: NetlinkReader) -> String? {
    guard message.flags & NetlinkNumbers.NLM_F_ACK_TLVS != 0 else { return nil }
    let copied =
      message.flags & NetlinkNumbers.NLM_F_CAPPED != 0
      ? NetlinkNumbers.headerSize : Int(reader.u32(at: 4) ?? UInt32(NetlinkNumbers.headerSize))
    let attributes = reader.attributes(from: 4 + NetlinkWriter.aligned(copied))
    guard let text = attributes.first(where: { $0.type == NetlinkNumbers.NLMSGERR_ATTR_MSG })?.payload else {
      return nil
    }
    return String(decoding: text.prefix { $0 != 0 }, as: UTF8.self)
  }
}

/// An RTM_NEWLINK message the kernel sent (the answer to RTM_GETLINK): the link's index, flags and name.
public struct LinkReply: Sendable, Hashable {
  public var index: Int32
  public var flags: UInt32
  public var name: String?
  /// IFLA_MTU, when the message has it.
  public var mtu: UInt32?
  /// IFLA_INFO_KIND inside IFLA_LINKINFO (`veth`, `bridge`), when the message has it.
  public var kind: String?
  /// IFLA_LINK_NETNSID: the id of the peer's network namespace, for a veth end whose peer is in another one.
  public var peerNamespaceID: Int32?

  /// A veth end whose peer lies in another network namespace (a sandbox's host end), not a pair on one host.
  public var isVethWithPeerElsewhere: Bool { kind == "veth" && peerNamespaceID != nil }

  /// nil when `message` is not RTM_NEWLINK or is too short for an ifinfomsg.
  public init?(_ message: NetlinkMessage) {
    guard message.type == NetlinkNumbers.RTM_NEWLINK else { return nil }
    let reader = NetlinkReader(message.payload[...])
    guard let index = reader.i32(at: 4), let flags = reader.u32(at: 8) else { return nil }
    self.index = index
    self.flags = flags
    let attributes = reader.attributes(from: 16)
    name = attributes.first { $0.type == NetlinkNumbers.IFLA_IFNAME }.map {
      String(decoding: $0.payload.prefix { $0 != 0 }, as: UTF8.self)
    }
    mtu = attributes.first { $0.type == NetlinkNumbers.IFLA_MTU }.flatMap { NetlinkReader($0.payload).u32(at: 0) }
    let info = attributes.first { $0.type == NetlinkNumbers.IFLA_LINKINFO }.map {
      NetlinkReader($0.payload).attributes(from: 0)
    }
    peerNamespaceID = attributes.first { $0.type == NetlinkNumbers.IFLA_LINK_NETNSID }.flatMap {
      NetlinkReader($0.payload).i32(at: 0)
    }
    kind = info?.first { $0.type == NetlinkNumbers.IFLA_INFO_KIND }.map {
      String(decoding: $0.payload.prefix { $0 != 0 }, as: UTF8.self)
    }
  }
}
