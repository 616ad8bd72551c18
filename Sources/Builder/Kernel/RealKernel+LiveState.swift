import CShim
import Glibc

/// The calls of live sandboxes: the holder's streams and its wait, the state store's lock, rename and listing, and
/// the pidfds `down` signals through.
extension RealKernel {
  public func redirectStandardStreams(output: String) throws(SyscallError) {
    _ = try retry("openat2", path: output) { nsb_redirect_standard_streams(output) }
  }

  public func holdUntilSignalled() -> Never { nsb_hold_until_signalled() }

  public func defaultSignalHandling() { nsb_default_signal_handling() }

  public func keepHelper(_ helper: Int32, until watched: Int32) -> Never { nsb_keep_helper(helper, watched) }

  public var handoffSignal: Int32 { nsb_handoff_signal() }

  public func takeHandoff(outsideOnly: Bool) -> Bool { nsb_take_handoff(outsideOnly ? 1 : 0) == 1 }

  public func lockExclusiveWaiting(_ dirfd: Int32, _ name: String) throws(SyscallError) -> Int32 {
    try retry("flock", path: name) { nsb_lock_exclusive_waiting(dirfd, name) }
  }

  public func unlock(_ fd: Int32) { _ = flock(fd, LOCK_UN) }

  public func directoryEntries(_ dirfd: Int32) throws(SyscallError) -> [String] {
    var size = 1 << 16
    while true {
      var buffer = [CChar](repeating: 0, count: size)
      let used = nsb_list_directory(dirfd, &buffer, UInt(size))
      if used >= 0 {
        return buffer.prefix(Int(used)).split(separator: 0).map {
          String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
      }
      let code = Glibc.errno
      guard code == ERANGE || code == EINTR else { throw SyscallError(call: "getdents64", errno: code, path: nil) }
      if code == ERANGE { size *= 4 }
    }
  }

  public func isOnNoexecMount(_ fd: Int32) -> Bool {
    var info = statvfs()
    guard fstatvfs(fd, &info) == 0 else { return false }
    return info.f_flag & 8 != 0  // ST_NOEXEC, an enum constant Glibc does not export to Swift
  }

  public func openProcess(_ pid: Int32) throws(SyscallError) -> Int32 {
    try retry("pidfd_open", path: "pid \(pid)") { nsb_pidfd_open(pid) }
  }

  public func signalProcess(_ pidfd: Int32, _ signal: Int32) throws(SyscallError) {
    _ = try retry("pidfd_send_signal") { nsb_pidfd_send_signal(pidfd, signal) }
  }

  public func waitForEnd(_ pidfd: Int32, milliseconds: Int32?) throws(SyscallError) -> Bool {
    let result = try retry("poll") { nsb_pidfd_wait(pidfd, milliseconds ?? -1) }
    if result == 2 { throw SyscallError(call: "poll", errno: EINTR, path: "a signal came while waiting") }
    return result == 1
  }

  public func cancelHandoff(_ pidfd: Int32) throws(SyscallError) {
    _ = try retry("pidfd_send_signal") { nsb_cancel_handoff(pidfd) }
  }
}
