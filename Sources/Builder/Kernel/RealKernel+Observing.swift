import Glibc
import SpecParser

/// The reads that only observing the host needs: credentials, names, clocks and namespaces of the caller.
extension RealKernel {
  public func realUserID() -> UInt32 { getuid() }

  public func realGroupID() -> UInt32 { getgid() }

  public func hostname() -> String {
    var names = utsname()
    _ = uname(&names)
    return withUnsafeBytes(of: &names.nodename) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
  }

  public func domainname() -> String {
    var names = utsname()
    _ = uname(&names)
    return withUnsafeBytes(of: &names.__domainname) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
  }

  public func clockSeconds(_ clock: ClockID) -> Int64 {
    var now = timespec()
    switch clock {
    case .monotonic: _ = clock_gettime(CLOCK_MONOTONIC, &now)
    case .boottime: _ = clock_gettime(CLOCK_BOOTTIME, &now)
    }
    return Int64(now.tv_sec)
  }

  public func namespaceID(_ namespace: Namespace) -> String? {
    var buffer = [CChar](repeating: 0, count: 64)
    let length = readlink("/proc/self/ns/\(namespace.procName)", &buffer, 63)
    guard length > 0 else { return nil }
    return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  public func ownership(of fd: Int32) -> FileOwnership? {
    var status = stat()
    guard fstat(fd, &status) == 0 else { return nil }
    return FileOwnership(uid: status.st_uid, gid: status.st_gid, mode: FileMode.permissions(of: UInt32(status.st_mode)))
  }
}
