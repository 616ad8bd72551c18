import Glibc

/// rtnetlink(7) over a NETLINK_ROUTE socket (netlink(7)).
extension RealKernel {
  /// SOL_NETLINK and its options (linux/netlink.h), which Glibc does not export.
  private static let SOL_NETLINK: Int32 = 270
  private static let NETLINK_CAP_ACK: Int32 = 10
  private static let NETLINK_EXT_ACK: Int32 = 11
  private static let NETLINK_ROUTE: Int32 = 0

  public func rtnetlink(_ message: [UInt8]) throws(SyscallError) -> [UInt8] {
    let socket = try retry("socket", path: "AF_NETLINK NETLINK_ROUTE") {
      Glibc.socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), Self.NETLINK_ROUTE)
    }
    defer { Glibc.close(socket) }
    var on: Int32 = 1
    // Both are hints: a kernel without them (before 4.12 for EXT_ACK) answers with the errno alone.
    _ = setsockopt(socket, Self.SOL_NETLINK, Self.NETLINK_EXT_ACK, &on, socklen_t(MemoryLayout<Int32>.size))
    _ = setsockopt(socket, Self.SOL_NETLINK, Self.NETLINK_CAP_ACK, &on, socklen_t(MemoryLayout<Int32>.size))
    // An unconnected netlink socket sends to the kernel (port 0).
    let sent = try retry("send", path: "NETLINK_ROUTE") {
      Int32(message.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, 0) })
    }
    guard Int(sent) == message.count else {
      throw SyscallError(call: "send", errno: ErrnoNames.EPROTO, path: "NETLINK_ROUTE: a short send")
    }
    var buffer = [UInt8](repeating: 0, count: 65536)
    let received = try retry("recv", path: "NETLINK_ROUTE") {
      Int32(buffer.withUnsafeMutableBytes { Glibc.recv(socket, $0.baseAddress, $0.count, 0) })
    }
    return Array(buffer[0..<Int(received)])
  }
}

extension RealKernel {
  public func keepAcrossExec(_ fd: Int32) throws(SyscallError) {
    _ = try retry("fcntl", path: "fd \(fd)") { fcntl(fd, F_SETFD, 0) }
  }
}
