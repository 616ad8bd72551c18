import Testing

@testable import Netlink

/// Replies as the kernel sends them (netlink(7) "NLMSG_ERROR", rtnetlink(7) RTM_NEWLINK), built by hand.
@Suite struct NetlinkReplyTests {
  typealias B = RouteRequestBytesTests

  /// NLMSG_ERROR (2) carrying `error` and the request's header (NLM_F_CAPPED), then `tlvs`.
  static func errorMessage(_ error: Int32, sequence: Int, tlvs: [UInt8] = []) -> [UInt8] {
    let original = B.header(length: 44, type: 16, flags: 5, sequence: sequence)
    let body = B.u32(Int(UInt32(bitPattern: error))) + original + tlvs
    let flags = 0x100 | (tlvs.isEmpty ? 0 : 0x200)
    return B.header(length: 16 + body.count, type: 2, flags: flags, sequence: sequence) + body
  }

  @Test func ackIsErrorZero() {
    #expect(NetlinkReply.parse(Self.errorMessage(0, sequence: 9), sequence: 9) == .ack)
  }

  @Test func errorGivesTheErrnoAndTheKernelsText() {
    // -EEXIST (17) with NLMSGERR_ATTR_MSG (1).
    let text = B.attr(1, B.name("File exists"))
    #expect(
      NetlinkReply.parse(Self.errorMessage(-17, sequence: 3, tlvs: text), sequence: 3)
        == .error(errno: 17, message: "File exists"))
    #expect(NetlinkReply.parse(Self.errorMessage(-1, sequence: 3), sequence: 3) == .error(errno: 1, message: nil))
  }

  @Test func anotherSequenceOrGarbageIsMalformed() {
    #expect(NetlinkReply.parse(Self.errorMessage(0, sequence: 4), sequence: 5) == .malformed)
    #expect(NetlinkReply.parse([1, 2, 3], sequence: 1) == .malformed)
    // nlmsg_len past the end of what was received.
    #expect(NetlinkReply.parse(B.header(length: 200, type: 2, flags: 0, sequence: 1), sequence: 1) == .malformed)
    #expect(NetlinkReply.parse(B.header(length: 16, type: 2, flags: 0, sequence: 1), sequence: 1) == .malformed)
  }

  @Test func getLinkAnswerGivesTheIndex() throws {
    // RTM_NEWLINK (16): ifinfomsg with index 7 and flags IFF_UP|IFF_LOOPBACK (0x9), IFLA_MTU, IFLA_IFNAME.
    let body: [UInt8] =
      [0, 0] + B.u16(772) + B.u32(7) + B.u32(0x9) + B.u32(0) + B.attr(4, B.u32(65536)) + B.attr(3, B.name("lo"))
    let bytes = B.header(length: 16 + body.count, type: 16, flags: 0, sequence: 11) + body
    guard case .message(let message) = NetlinkReply.parse(bytes, sequence: 11) else {
      Issue.record("no message")
      return
    }
    let link = try #require(LinkReply(message))
    #expect(link.index == 7)
    #expect(link.flags == 0x9)
    #expect(link.name == "lo")
    #expect(LinkReply(NetlinkMessage(type: 16, flags: 0, sequence: 1, payload: [0, 0])) == nil)
  }

  @Test func twoMessagesInOneDatagram() {
    let first = Self.errorMessage(-22, sequence: 1)
    let second = Self.errorMessage(0, sequence: 2)
    #expect(NetlinkMessage.all(in: first + second).map(\.sequence) == [1, 2])
    #expect(NetlinkReply.parse(first + second, sequence: 2) == .ack)
  }
}
