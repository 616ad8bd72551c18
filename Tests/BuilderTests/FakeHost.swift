import SpecParser

@testable import Builder

/// A host made of data, behind ``SystemReader`` alone: it has no call that could change anything, so whatever
/// observes it and plans from it cannot have changed it. Each read is logged, in order.
final class FakeHost: SystemReader {
  var uid: UInt32 = 1000
  var gid: UInt32 = 1000
  var euid: UInt32 = 1000
  var names = (hostname: "fakehost", domainname: "(none)", release: "6.18.0")
  var clocks: [ClockID: Int64] = [.monotonic: 500, .boottime: 600]
  /// Regular files by absolute path; `exists` and `readFile` see these and nothing else.
  var files: [String: String] = [:]
  /// Paths this process may execute.
  var executables: Set<String> = []
  /// `/proc/self/ns/NAME` link texts.
  var namespaces: [Namespace: String] = [:]
  /// The call of the new mount API this kernel lacks, if any.
  var missingCall: String?
  /// The UTS names inside live sandboxes, by their init's pid (what `uname` says after joining its UTS namespace).
  var utsNamesInside: [Int32: (hostname: String, domainname: String)] = [:]
  /// The answers to the rtnetlink dumps in a process's network namespace (see ``LinkState/parse(_:)``).
  var routeDumpsInside: [Int32: [UInt8]] = [:]
  /// Namespace files by path (`/run/netns/x`, `/proc/PID/ns/net`): what ioctl_ns(2) would say of each.
  var namespaceFiles: [String: NamespaceFileInfo] = [:]
  /// The caller's environment (`NSBUILD_STATE_DIR=…`).
  var env: [String] = []
  private(set) var log: [String] = []
  /// Paths that are symlinks: opening them without following one fails with ELOOP.
  var symlinks: Set<String> = []
  /// The folders opened, by fd (1000 + index).
  private var folders: [String] = []

  private func missing(_ call: String, _ path: String) -> SyscallError {
    SyscallError(call: call, errno: ErrnoNames.ENOENT, path: path)
  }

  func realUserID() -> UInt32 { uid }
  func realGroupID() -> UInt32 { gid }
  func effectiveUserID() -> UInt32 { euid }
  func processID() -> Int32 { 100 }
  func hostname() -> String { names.hostname }
  func domainname() -> String { names.domainname }
  func kernelRelease() -> String { names.release }
  func clockSeconds(_ clock: ClockID) -> Int64 { clocks[clock] ?? 0 }
  func namespaceID(_ namespace: Namespace) -> String? { namespaces[namespace] }
  func userName(_ uid: UInt32) throws(SyscallError) -> String? {
    log.append("read \(AccountFile.users)")
    return uid == 1000 ? "me" : nil
  }
  func groupName(_ gid: UInt32) throws(SyscallError) -> String? { nil }
  func environment() -> [String] { env }
  func isTerminal(_ fd: Int32) -> Bool { false }
  func currentDirectory() throws(SyscallError) -> String { "/work" }
  func missingMountCall() -> String? { missingCall }
  func directoryEntries(_ dirfd: Int32) throws(SyscallError) -> [String] { throw missing("getdents64", "fd \(dirfd)") }
  func namespaceFile(_ path: String) throws(SyscallError) -> NamespaceFileInfo {
    log.append("ioctl_ns \(path)")
    guard let info = namespaceFiles[path] else { throw missing("open", path) }
    return info
  }

  func readFile(_ path: String) throws(SyscallError) -> [UInt8] {
    log.append("read \(path)")
    guard let text = files[path] else { throw missing("open", path) }
    return Array(text.utf8)
  }
  func exists(_ path: String) -> Bool {
    log.append("access \(path)")
    return files[path] != nil || executables.contains(path)
  }
  func executionError(_ path: String) -> Int32 { executables.contains(path) ? 0 : ErrnoNames.ENOENT }
  func keepsBirthTimes(_ path: String) -> Bool? { true }
  func realPath(_ path: String) -> String? { path }

  // Nothing on this host can be opened by fd: the readers that walk the tree then claim nothing.
  func openPath(_ path: String) throws(SyscallError) -> Int32 { throw missing("open", path) }
  func openInRoot(_ root: Int32, _ path: String) throws(SyscallError) -> Int32 { throw missing("openat2", path) }
  func openInRootWithoutSymlinks(_ root: Int32, _ path: String) throws(SyscallError) -> Int32 {
    throw missing("openat2", path)
  }
  /// A sandbox's state folder opens (its `state.json` in ``files``), or fails as ``symlinks`` say; nothing else.
  func openDirectoryWithoutSymlinks(_ path: String) throws(SyscallError) -> Int32 {
    log.append("open \(path)")
    if symlinks.contains(path) { throw SyscallError(call: "openat2", errno: ErrnoNames.ELOOP, path: path) }
    // A sandbox's folder, or the state folder holding them.
    guard files.keys.contains(where: { $0.hasPrefix(path + "/") && $0.hasSuffix("/state.json") }) else {
      throw missing("openat2", path)
    }
    folders.append(path)
    return Int32(1000 + folders.count - 1)
  }
  func openWithoutSymlinks(_ path: String) throws(SyscallError) -> Int32 { throw missing("openat2", path) }
  func openEntry(_ dirfd: Int32, _ name: String) throws(SyscallError) -> Int32 { throw missing("openat", name) }
  func read(_ fd: Int32, count: Int) throws(SyscallError) -> [UInt8] { [] }
  func close(_ fd: Int32) {}
  func ownerAndMode(_ dirfd: Int32, _ name: String) throws(SyscallError) -> (uid: UInt32, mode: UInt32) {
    throw missing("fstatat", name)
  }
  func readExistingFile(_ dirfd: Int32, _ name: String) throws(SyscallError) -> [UInt8] {
    guard folders.indices.contains(Int(dirfd) - 1000) else { throw missing("openat", name) }
    return try readFile(folders[Int(dirfd) - 1000] + "/" + name)
  }
  func identity(_ dirfd: Int32, _ name: String) throws(SyscallError) -> FileIdentity { throw missing("statx", name) }
  func readLink(_ dirfd: Int32, _ name: String) throws(SyscallError) -> String { throw missing("readlinkat", name) }
  func fileKind(_ dirfd: Int32, _ name: String) throws(SyscallError) -> FileKind { throw missing("fstatat", name) }
  func fileKind(of fd: Int32) throws(SyscallError) -> FileKind { throw missing("fstat", "fd \(fd)") }
  func isOnReadOnlyMount(_ fd: Int32) -> Bool { false }
  /// A folder opened: the caller's, mode 0700 (as nsbuild makes its state folders).
  func status(of fd: Int32) throws(SyscallError) -> FileStatus {
    guard folders.indices.contains(Int(fd) - 1000) else { throw missing("fstat", "fd \(fd)") }
    return FileStatus(kind: .directory, owner: euid, group: gid, mode: 0o40700)
  }
  /// A file in a folder opened: the caller's, mode 0600 (as nsbuild writes its state).
  func readRegularFile(_ dirfd: Int32, _ name: String) throws(SyscallError) -> (FileStatus, [UInt8]) {
    guard folders.indices.contains(Int(dirfd) - 1000) else { throw missing("openat", name) }
    let bytes = try readFile(folders[Int(dirfd) - 1000] + "/" + name)
    return (FileStatus(kind: .regular, owner: euid, group: gid, mode: 0o100600), bytes)
  }
  func readDescriptorLink(_ dirfd: Int32, _ name: String) throws(SyscallError) -> (FileStatus, [UInt8]) {
    throw missing("openat", name)
  }
  func ownership(of fd: Int32) -> FileOwnership? { nil }
  func utsNames(ofProcess pid: Int32) throws(SyscallError) -> (hostname: String, domainname: String) {
    log.append("uname in /proc/\(pid)/ns/uts")
    guard let names = utsNamesInside[pid] else { throw missing("open", "/proc/\(pid)/ns/uts") }
    return names
  }
  func routeDumps(ofProcess pid: Int32, requests: [[UInt8]]) throws(SyscallError) -> [UInt8] {
    log.append("rtnetlink dumps in /proc/\(pid)/ns/net")
    guard let bytes = routeDumpsInside[pid] else { throw missing("open", "/proc/\(pid)/ns/net") }
    return bytes
  }
}
