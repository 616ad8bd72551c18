import CShim
import Glibc
import SpecParser

/// The calls that read and change a live sandbox from outside it (`plan --target`, and `apply` later).
extension RealKernel {
  public func utsNames(ofProcess pid: Int32) throws(SyscallError) -> (hostname: String, domainname: String) {
    let uts = "/proc/\(pid)/ns/uts"
    fflush(nil)
    var buffer = [CChar](repeating: 0, count: 2 * 65 + 2)
    let length = nsb_uts_names(uts, "/proc/\(pid)/ns/user", &buffer, UInt(buffer.count))
    guard length >= 0 else { throw SyscallError(call: "setns", errno: Glibc.errno, path: uts) }
    let bytes = buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }
    let names = bytes.split(separator: 0, omittingEmptySubsequences: false).map {
      String(decoding: $0, as: UTF8.self)
    }
    guard names.count >= 2 else { throw SyscallError(call: "uname", errno: EIO, path: uts) }
    return (names[0], names[1])
  }

  public func routeDumps(ofProcess pid: Int32, requests: [[UInt8]]) throws(SyscallError) -> [UInt8] {
    let net = "/proc/\(pid)/ns/net"
    fflush(nil)
    let message = requests.flatMap { $0 }
    var buffer = [UInt8](repeating: 0, count: 4 << 20)
    let length = nsb_route_dumps(net, "/proc/\(pid)/ns/user", message, UInt(message.count), &buffer, UInt(buffer.count))
    guard length >= 0 else { throw SyscallError(call: "setns", errno: Glibc.errno, path: net) }
    return Array(buffer.prefix(Int(length)))
  }

  public func reconfigure(_ fd: Int32, key: String, value: String) throws(SyscallError) {
    _ = try retry("fsconfig") { nsb_reconfigure(fd, key, value) }
  }

  public func changeMode(of fd: Int32, mode: UInt32) throws(SyscallError) {
    _ = try retry("fchmod") { nsb_change_mode(fd, mode) }
  }

  public func changeOwner(of fd: Int32, uid: UInt32?, gid: UInt32?) throws(SyscallError) {
    _ = try retry("fchown") { nsb_change_owner(fd, uid ?? UInt32.max, gid ?? UInt32.max) }
  }

  public func rename(_ dirfd: Int32, _ from: String, to: String) throws(SyscallError) {
    _ = try retry("renameat", path: to) { renameat(dirfd, from, dirfd, to) }
  }

  public func prlimit(_ pid: Int32, _ resource: Int32, soft: UInt64?, hard: UInt64?) throws(SyscallError) {
    _ = try retry("prlimit") { nsb_prlimit(pid, resource, soft ?? UInt64.max, hard ?? UInt64.max) }
  }
}
