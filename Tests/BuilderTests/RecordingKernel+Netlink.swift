import Netlink

@testable import Builder

/// rtnetlink in the fake kernel: each request is logged as `rtnetlink(TYPE NAME)` and kept whole in
/// `netlinkRequests`; RTM_GETLINK answers with an index per name (`linkIndexes`, else 7), anything else with an ack,
/// or with the errno `failures` gives for its logged form.
extension RecordingKernel {
  func rtnetlink(_ message: [UInt8]) throws(SyscallError) -> [UInt8] {
    guard let request = NetlinkMessage.all(in: message).first else {
      throw SyscallError(call: "send", errno: ErrnoNames.EINVAL, path: "NETLINK_ROUTE")
    }
    let name = Self.ifname(request) ?? deletedByIndex(request)
    let entry = "rtnetlink(\(Self.typeName(request.type))\(name.map { " " + $0 } ?? ""))"
    netlinkRequests.append(message)
    do { try recordNetlink(entry) } catch { return Self.errorReply(-error.errno, sequence: request.sequence) }
    if request.type == NetlinkNumbers.RTM_GETLINK {
      let index = linkIndexes[name ?? ""] ?? 7
      var body: [UInt8] = [0, 0, 1, 0]
      withUnsafeBytes(of: index) { body += $0 }
      body += [UInt8](repeating: 0, count: 8)
      // IFLA_LINKINFO { IFLA_INFO_KIND "veth" }, or the kind `linkKinds` gives.
      let kind = Array((linkKinds[name ?? ""] ?? "veth").utf8) + [0]
      let padded = kind + [UInt8](repeating: 0, count: (4 - kind.count % 4) % 4)
      body += [UInt8(8 + padded.count), 0, 18, 0, UInt8(4 + kind.count), 0, 1, 0] + padded
      // IFLA_LINK_NETNSID 0: a veth end whose peer is in another namespace.
      body += [8, 0, 37, 0, 0, 0, 0, 0]
      return Self.header(length: 16 + body.count, type: NetlinkNumbers.RTM_NEWLINK, sequence: request.sequence) + body
    }
    return Self.errorReply(0, sequence: request.sequence)
  }

  /// The name `linkIndexes` gives the ifi_index of an RTM_DELLINK that names no IFLA_IFNAME.
  private func deletedByIndex(_ message: NetlinkMessage) -> String? {
    guard message.type == NetlinkNumbers.RTM_DELLINK, message.payload.count >= 8 else { return nil }
    let bytes = Array(message.payload.prefix(8))
    let index = Int32(bytes[4]) | Int32(bytes[5]) << 8 | Int32(bytes[6]) << 16 | Int32(bytes[7]) << 24
    return linkIndexes.first { $0.value == index }?.key.appending(" by index")
  }

  static func typeName(_ type: UInt16) -> String {
    RouteRequest(type: type, header: .link(LinkHeader()), attributes: []).typeName
  }

  /// IFLA_IFNAME of a link message (after its 16-byte ifinfomsg).
  static func ifname(_ message: NetlinkMessage) -> String? {
    guard [NetlinkNumbers.RTM_NEWLINK, NetlinkNumbers.RTM_GETLINK, NetlinkNumbers.RTM_DELLINK].contains(message.type)
    else { return nil }
    var offset = 16
    let bytes = message.payload
    while offset + 4 <= bytes.count {
      let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
      let type = Int(bytes[offset + 2]) | Int(bytes[offset + 3]) << 8
      guard length >= 4, offset + length <= bytes.count else { return nil }
      if type == Int(NetlinkNumbers.IFLA_IFNAME) {
        return String(decoding: bytes[(offset + 4)..<(offset + length)].prefix { $0 != 0 }, as: UTF8.self)
      }
      offset += (length + 3) & ~3
    }
    return nil
  }

  static func header(length: Int, type: UInt16, sequence: UInt32) -> [UInt8] {
    var bytes: [UInt8] = []
    withUnsafeBytes(of: UInt32(length)) { bytes += $0 }
    withUnsafeBytes(of: type) { bytes += $0 }
    bytes += [0, 0]
    withUnsafeBytes(of: sequence) { bytes += $0 }
    return bytes + [0, 0, 0, 0]
  }

  static func errorReply(_ error: Int32, sequence: UInt32) -> [UInt8] {
    var body: [UInt8] = []
    withUnsafeBytes(of: error) { body += $0 }
    body += header(length: 16, type: 0, sequence: sequence)
    return header(length: 16 + body.count, type: NetlinkNumbers.NLMSG_ERROR, sequence: sequence) + body
  }
}

extension RecordingKernel {
  func keepAcrossExec(_ fd: Int32) throws(SyscallError) { try recordNetlink("fcntl(\(fd), F_SETFD, 0)") }
}
