import CShim
import Glibc
import SpecParser

/// The one implementation of ``LinuxKernel`` that makes system calls. Every other file of nsbuild goes through it.
public struct RealKernel: LinuxKernel {
  public init() {}

  /// Runs `body` until it stops failing with EINTR; throws the errno it failed with otherwise.
  @inline(__always)
  func retry(_ call: String, path: String? = nil, _ body: () -> Int32) throws(SyscallError) -> Int32 {
    while true {
      let result = body()
      if result != -1 { return result }
      let code = Glibc.errno
      if code != EINTR { throw SyscallError(call: call, errno: code, path: path) }
    }
  }

  public func fork() throws(SyscallError) -> Int32 {
    fflush(nil)
    return try retry("fork") { Glibc.fork() }
  }

  public func exit(_ status: Int32) -> Never { Glibc._exit(status) }

  public func wait(_ pid: Int32) throws(SyscallError) -> (pid: Int32, status: WaitStatus)? {
    var raw: Int32 = 0
    let result = Glibc.waitpid(pid, &raw, 0)
    if result == -1 {
      let code = Glibc.errno
      if code == ECHILD { return nil }
      if code == EINTR { return try wait(pid) }
      throw SyscallError(call: "waitpid", errno: code)
    }
    // Its pid is free from now: signals are no longer passed on to it.
    nsb_forward_reaped(result)
    // WIFEXITED / WTERMSIG, spelled out since the macros are not imported.
    let signal = raw & 0x7F
    let status: WaitStatus = signal == 0 ? .exited((raw >> 8) & 0xFF) : .signaled(signal)
    return (result, status)
  }

  public func kill(_ pid: Int32, _ signal: Int32) { _ = Glibc.kill(pid, signal) }

  public func processID() -> Int32 { getpid() }
  public func parentProcessID() -> Int32 { getppid() }

  public func pipe() throws(SyscallError) -> (read: Int32, write: Int32) {
    var fds: [Int32] = [-1, -1]
    _ = try retry("pipe2") { nsb_pipe_cloexec(&fds) }
    return (fds[0], fds[1])
  }

  public func read(_ fd: Int32, count: Int) throws(SyscallError) -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: count)
    let got = try retry("read") { Int32(buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, count) }) }
    return Array(buffer.prefix(Int(got)))
  }

  public func write(_ fd: Int32, _ bytes: [UInt8]) throws(SyscallError) {
    var offset = 0
    while offset < bytes.count {
      let wrote = try retry("write") {
        bytes[offset...].withUnsafeBytes { Int32(Glibc.write(fd, $0.baseAddress, $0.count)) }
      }
      offset += Int(wrote)
    }
  }

  public func close(_ fd: Int32) { _ = Glibc.close(fd) }

  public func setParentDeathSignal(_ signal: Int32) throws(SyscallError) {
    _ = try retry("prctl") { nsb_prctl_set_pdeathsig(signal) }
  }

  public func setDumpable(_ dumpable: Bool) throws(SyscallError) {
    _ = try retry("prctl") { nsb_prctl_set_dumpable(dumpable ? 1 : 0) }
  }

  public func hasHungUp(_ fd: Int32) -> Bool { nsb_has_hung_up(fd) != 0 }

  public func foregroundTerminal() -> Int32? {
    let fd = nsb_foreground_terminal()
    return fd < 0 ? nil : fd
  }

  public func takeBackForeground(_ fd: Int32) throws(SyscallError) {
    _ = try retry("tcsetpgrp") { nsb_take_back_foreground(fd) }
  }

  public func startParentProcessID() -> Int32 { nsb_start_parent_pid() }

  public func unshare(_ flags: CloneFlags) throws(SyscallError) {
    _ = try retry("unshare") { nsb_unshare(flags.rawValue) }
  }

  public func mount(
    source: String?, target: String, fstype: String?, flags: MountFlags, data: String?
  ) throws(SyscallError) {
    // For a bind, ENOENT may mean either path: name both.
    let path = fstype == nil && source != nil ? "\(source ?? "") on \(target)" : target
    _ = try retry("mount", path: path) { Glibc.mount(source, target, fstype, flags.rawValue, data) }
  }

  public func mountSetattr(path: String, recursive: Bool, set: MountAttributes) throws(SyscallError) {
    let flags = UInt32(recursive ? NSB_AT_RECURSIVE : 0)
    _ = try retry("mount_setattr", path: path) { nsb_mount_setattr(AT_FDCWD, path, flags, set.rawValue, 0, 0) }
  }

  public func sethostname(_ name: String) throws(SyscallError) {
    _ = try retry("sethostname") { nsb_sethostname(name, name.utf8.count) }
  }

  public func setdomainname(_ name: String) throws(SyscallError) {
    _ = try retry("setdomainname") { nsb_setdomainname(name, name.utf8.count) }
  }

  public func chdir(_ path: String) throws(SyscallError) {
    _ = try retry("chdir", path: path) { Glibc.chdir(path) }
  }

  public func execve(_ path: String, args: [String], env: [String]) -> SyscallError {
    let argv = args.map { strdup($0) } + [nil]
    let envp = env.map { strdup($0) } + [nil]
    _ = Glibc.execve(path, argv, envp)
    return SyscallError(call: "execve", errno: Glibc.errno, path: path)
  }

  public func writeFile(_ path: String, _ contents: String) throws(SyscallError) {
    let fd = try retry("open", path: path) { open(path, O_WRONLY | O_CLOEXEC) }
    defer { Glibc.close(fd) }
    let bytes = Array(contents.utf8)
    let wrote = try retry("write", path: path) {
      Int32(bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, bytes.count) })
    }
    // Map files take one write(2); a short write would leave half a map.
    if Int(wrote) != bytes.count { throw SyscallError(call: "write", errno: EIO, path: path) }
  }

  /// The most `readFile` reads: spec files are small, and /dev/zero must not eat the machine's memory.
  public static let maximumFileSize = 64 << 20

  public func readFile(_ path: String) throws(SyscallError) -> [UInt8] {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer before fstat could refuse it.
    let fd = try retry("open", path: path) { open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
    defer { Glibc.close(fd) }
    var info = stat()
    _ = try retry("fstat", path: path) { fstat(fd, &info) }
    // Only regular files and /proc's files (which report size 0); a FIFO or device would block or never end.
    guard info.st_mode & S_IFMT == S_IFREG else { throw SyscallError(call: "open", errno: EINVAL, path: path) }
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let got = try retry("read", path: path) {
        Int32(chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 65536) })
      }
      if got == 0 { return result }
      result += chunk.prefix(Int(got))
      if result.count > Self.maximumFileSize { throw SyscallError(call: "read", errno: EFBIG, path: path) }
    }
  }

  public func environment() -> [String] {
    var result: [String] = []
    var cursor = environ
    while let entry = cursor.pointee {
      result.append(String(cString: entry))
      cursor += 1
    }
    return result
  }

  public func currentDirectory() throws(SyscallError) -> String {
    // A deleted current folder (ENOENT) must not make a relative path resolve against `/`.
    guard let pointer = getcwd(nil, 0) else { throw SyscallError(call: "getcwd", errno: errno, path: ".") }
    defer { free(pointer) }
    return String(cString: pointer)
  }

  public func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

  public func realPath(_ path: String) -> String? {
    guard let pointer = realpath(path, nil) else { return nil }
    defer { free(pointer) }
    return String(cString: pointer)
  }

  public func forwardSignals(_ signals: [Int32], to target: Int32) throws(SyscallError) {
    _ = try retry("sigaction") { nsb_forward_signals(target, signals, Int32(signals.count)) }
  }

  public func unblockSignals() { _ = nsb_unblock_signals() }

  public func blockSignals(_ signals: [Int32]) { _ = nsb_block_signals(signals, Int32(signals.count)) }

  public func deferSignals(_ on: Bool) { nsb_defer_signals(on ? 1 : 0) }

  public func ignoreWriteSignals(_ on: Bool) { _ = nsb_ignore_write_signals(on ? 1 : 0) }

  public func takeDeferredSignal() -> Int32? {
    let signal = nsb_take_deferred_signal()
    return signal == 0 ? nil : signal
  }

  public func takeForwardedSignal() -> Int32? {
    let signal = nsb_take_forwarded_signal()
    return signal == 0 ? nil : signal
  }

  public func loopbackUp() throws(SyscallError) {
    _ = try retry("ioctl", path: "lo") { nsb_loopback_up() }
  }

  public func loopbackDown() throws(SyscallError) {
    _ = try retry("ioctl", path: "lo") { nsb_loopback_down() }
  }

  public func scrubEnvironment() { nsb_scrub_environ() }

  public func setsid() throws(SyscallError) {
    _ = try retry("setsid") { Glibc.setsid() }
  }

  public func setrlimit(_ resource: Int32, soft: UInt64?, hard: UInt64?) throws(SyscallError) {
    _ = try retry("setrlimit") { nsb_setrlimit(resource, soft ?? UInt64.max, hard ?? UInt64.max) }
  }

  public func setgroups(_ groups: [UInt32]) throws(SyscallError) {
    _ = try retry("setgroups") { Glibc.setgroups(groups.count, groups) }
  }

  public func setresgid(_ id: UInt32) throws(SyscallError) {
    _ = try retry("setresgid") { nsb_setresgid(id) }
  }

  public func setresuid(_ id: UInt32) throws(SyscallError) {
    _ = try retry("setresuid") { nsb_setresuid(id) }
  }

  public func keepCapabilities() throws(SyscallError) {
    _ = try retry("prctl") { nsb_keep_capabilities() }
  }

  public func dropBoundingSet(keep: UInt64) throws(SyscallError) {
    _ = try retry("prctl") { nsb_drop_bounding_set(keep) }
  }

  public func capset(_ caps: UInt64) throws(SyscallError) {
    _ = try retry("capset") { nsb_capset(caps) }
  }

  public func raiseAmbient(_ caps: UInt64) throws(SyscallError) {
    _ = try retry("prctl") { nsb_raise_ambient(caps) }
  }

  public func setNoNewPrivs() throws(SyscallError) {
    _ = try retry("prctl") { nsb_prctl_set_no_new_privs() }
  }

  public func umask(_ mask: UInt32) { _ = Glibc.umask(mode_t(mask)) }

  public func closeAll(from first: Int32, except keep: [Int32]) throws(SyscallError) {
    guard keep.count > 2 else {
      let kept = keep + [-1, -1]
      _ = try retry("close_range") { nsb_close_from_except(UInt32(first), kept[0], kept[1]) }
      return
    }
    // Every gap between the kept fds, in ascending order, then the rest.
    var from = UInt32(first)
    for fd in Set(keep).sorted() where fd >= 0 && UInt32(fd) >= from {
      if UInt32(fd) > from { _ = try retry("close_range") { nsb_close_range(from, UInt32(fd) - 1) } }
      from = UInt32(fd) + 1
    }
    _ = try retry("close_range") { nsb_close_range(from, ~0) }
  }

  public func closeOnExec(from first: Int32) throws(SyscallError) {
    _ = try retry("close_range") { nsb_cloexec_from(UInt32(first)) }
  }

  public func openDirectoryWithoutSymlinks(_ path: String) throws(SyscallError) -> Int32 {
    let flags = UInt64(0o10000000 | O_DIRECTORY | O_CLOEXEC)  // O_PATH
    return try retry("openat2", path: path) { nsb_openat2(AT_FDCWD, path, flags, UInt64(NSB_RESOLVE_NO_SYMLINKS)) }
  }

  public func openWithoutSymlinks(_ path: String) throws(SyscallError) -> Int32 {
    let flags = UInt64(0o10000000 | O_CLOEXEC)  // O_PATH
    return try retry("openat2", path: path) { nsb_openat2(AT_FDCWD, path, flags, UInt64(NSB_RESOLVE_NO_SYMLINKS)) }
  }

  public func lockShared(_ fd: Int32, in dirfd: Int32?, _ name: String) throws(SyscallError) -> Int32? {
    let result = try retry("flock") { nsb_lock_shared(fd, dirfd ?? -1, name) }
    return result == -2 ? nil : result
  }

  public func lockExclusive(_ dirfd: Int32, _ name: String) throws(SyscallError) -> Int32? {
    let result = try retry("flock", path: name) { nsb_lock_exclusive(dirfd, name) }
    return result == -2 ? nil : result
  }

  public func ownerAndMode(_ dirfd: Int32, _ name: String) throws(SyscallError) -> (uid: UInt32, mode: UInt32) {
    var (uid, mode): (UInt32, UInt32) = (0, 0)
    _ = try retry("fstatat", path: name) { nsb_owner_mode(dirfd, name, &uid, &mode) }
    return (uid, mode)
  }

  public func receiveFDsUntilClosed(_ socket: Int32) -> [Int32] {
    var result: [Int32] = []
    var buffer = [Int32](repeating: -1, count: 256)
    while true {
      let count = nsb_receive_some_fds(socket, &buffer, 256)
      if count <= 0 { return result }
      result += buffer.prefix(Int(count))
    }
  }

  public func readExistingFile(_ dirfd: Int32, _ name: String) throws(SyscallError) -> [UInt8] {
    let fd = try retry("openat", path: name) { nsb_open_existing_regular(dirfd, name) }
    defer { Glibc.close(fd) }
    return try readToEnd(fd, name)
  }

  public func changeDirectoryMode(_ dirfd: Int32, _ name: String, mode: UInt32) throws(SyscallError) {
    _ = try retry("fchmod", path: name) { nsb_chmod_directory(dirfd, name, mode) }
  }

  public func openPath(_ path: String) throws(SyscallError) -> Int32 {
    try retry("open", path: path) { nsb_open_path(path) }
  }

  public func openInRootWithoutSymlinks(_ root: Int32, _ path: String) throws(SyscallError) -> Int32 {
    let flags = UInt64(0o10000000 | O_CLOEXEC)  // O_PATH
    let resolve = UInt64(NSB_RESOLVE_IN_ROOT | NSB_RESOLVE_NO_MAGICLINKS | NSB_RESOLVE_NO_SYMLINKS)
    return try retry("openat2", path: path) { nsb_openat2(root, path, flags, resolve) }
  }

  public func openInRoot(_ root: Int32, _ path: String) throws(SyscallError) -> Int32 {
    let flags = UInt64(0o10000000 | O_CLOEXEC)  // O_PATH, which Glibc does not export to Swift
    let resolve = UInt64(NSB_RESOLVE_IN_ROOT | NSB_RESOLVE_NO_MAGICLINKS)
    return try retry("openat2", path: path) { nsb_openat2(root, path, flags, resolve) }
  }

  public func makeDirectory(_ dirfd: Int32, _ name: String, mode: UInt32) throws(SyscallError) {
    _ = try retry("mkdirat", path: name) { nsb_mkdirat(dirfd, name, mode) }
  }

  public func writeFile(_ dirfd: Int32, _ name: String, contents: [UInt8], mode: UInt32) throws(SyscallError) {
    _ = try retry("openat", path: name) {
      contents.withUnsafeBufferPointer { nsb_create_file(dirfd, name, $0.baseAddress, $0.count, mode) }
    }
  }

  public func identity(_ dirfd: Int32, _ name: String) throws(SyscallError) -> FileIdentity {
    var (device, inode, seconds, nanoseconds, hasBirth): (UInt64, UInt64, Int64, UInt32, Int32) = (0, 0, 0, 0, 0)
    _ = try retry("statx", path: name) {
      nsb_identity(dirfd, name, &device, &inode, &seconds, &nanoseconds, &hasBirth)
    }
    let birth = hasBirth != 0 ? FileIdentity.Birth(seconds: seconds, nanoseconds: nanoseconds) : nil
    return FileIdentity(device: device, inode: inode, birth: birth)
  }

  public func detach(_ fd: Int32) throws(SyscallError) {
    _ = try retry("umount2", path: ".") { nsb_detach_fd(fd) }
  }

  public func removeEntry(_ dirfd: Int32, _ name: String, directory: Bool) throws(SyscallError) {
    _ = try retry("unlinkat", path: name) { unlinkat(dirfd, name, directory ? AT_REMOVEDIR : 0) }
  }

  public func symlink(_ link: String, _ dirfd: Int32, _ name: String) throws(SyscallError) {
    _ = try retry("symlinkat", path: name) { nsb_symlinkat(link, dirfd, name) }
  }

  public func readLink(_ dirfd: Int32, _ name: String) throws(SyscallError) -> String {
    var buffer = [CChar](repeating: 0, count: 4097)
    let length = try retry("readlinkat", path: name) { Int32(nsb_readlinkat(dirfd, name, &buffer, 4096)) }
    return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  public func fileKind(_ dirfd: Int32, _ name: String) throws(SyscallError) -> FileKind {
    Self.kind(try retry("fstatat", path: name) { nsb_file_kind(dirfd, name) })
  }

  public func fileKind(of fd: Int32) throws(SyscallError) -> FileKind {
    Self.kind(try retry("fstat") { nsb_fd_kind(fd) })
  }

  private static func kind(_ code: Int32) -> FileKind {
    switch code {
    case 1: .directory
    case 2: .regular
    case 3: .symlink
    default: .other
    }
  }

  public func isOnReadOnlyMount(_ fd: Int32) -> Bool {
    var info = statvfs()
    return fstatvfs(fd, &info) == 0 && info.f_flag & UInt(ST_RDONLY) != 0
  }

  public func changeDirectory(to fd: Int32) throws(SyscallError) {
    _ = try retry("fchdir") { nsb_fchdir(fd) }
  }

  public func pivotRootHere() throws(SyscallError) {
    _ = try retry("pivot_root", path: ".") { nsb_pivot_here() }
  }

  public func detachHere() throws(SyscallError) {
    _ = try retry("umount2", path: ".") { nsb_detach_here() }
  }

  public func mountSetattr(fd: Int32, recursive: Bool, set: MountAttributes, clear: MountAttributes)
    throws(SyscallError)
  {
    _ = try retry("mount_setattr") { nsb_mount_setattr_fd(fd, recursive ? 1 : 0, set.rawValue, clear.rawValue) }
  }

  public func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

  public func executionError(_ path: String) -> Int32 { nsb_execution_error(path) }

  public func keepsBirthTimes(_ path: String) -> Bool? {
    let result = nsb_keeps_birth_times(path)
    return result < 0 ? nil : result == 1
  }

  public func socketPair() throws(SyscallError) -> (Int32, Int32) {
    var fds: [Int32] = [-1, -1]
    _ = try retry("socketpair") { nsb_socketpair_cloexec(&fds) }
    return (fds[0], fds[1])
  }

  public func enterMountNamespace(of pid: Int32) throws(SyscallError) {
    // Through the /proc of nsbuild's own mount namespace (the host's), which no mount of the sandbox reaches; `pid` is
    // nsbuild's child, unreaped, so it names no other process.
    _ = try retry("setns", path: "/proc/\(pid)/ns/mnt") { nsb_enter_mount_namespace(pid) }
  }

  public func checkProcFD() throws(SyscallError) {
    guard nsb_check_proc_fd() < 0 else { return }
    let code = Glibc.errno
    guard code != ENOENT else { return }
    throw SyscallError(
      call: "statfs", errno: code,
      path: "/proc/self/fd (not proc: a mount covers /proc, and nsbuild will not follow it)")
  }

  public func saveMountNamespace() throws(SyscallError) -> SavedMountNamespace {
    // nsbuild's own /proc, opened before it enters the sandbox's mount namespace, so no mount of the sandbox covers it.
    let namespace = try retry("open", path: "/proc/self/ns/mnt") { open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC) }
    guard let root = try? retry("open", path: "/", { nsb_open_path("/") }) else {
      let code = Glibc.errno
      Glibc.close(namespace)
      throw SyscallError(call: "open", errno: code, path: "/")
    }
    guard let cwd = try? retry("open", path: ".", { nsb_open_path(".") }) else {
      let code = Glibc.errno
      [namespace, root].forEach { _ = Glibc.close($0) }
      throw SyscallError(call: "open", errno: code, path: "the current directory")
    }
    return SavedMountNamespace(namespace: namespace, root: root, workingDirectory: cwd)
  }

  public func returnToMountNamespace(_ saved: SavedMountNamespace) throws(SyscallError) {
    defer { [saved.namespace, saved.root, saved.workingDirectory].forEach { _ = Glibc.close($0) } }
    _ = try retry("setns", path: "nsbuild's own mount namespace") { nsb_setns_mount(saved.namespace) }
    _ = try retry("fchdir", path: "nsbuild's own root") { fchdir(saved.root) }
    _ = try retry("chroot", path: "nsbuild's own root") { chroot(".") }
    _ = try retry("fchdir", path: "nsbuild's own working directory") { fchdir(saved.workingDirectory) }
  }

  public func sendFDs(_ fds: [Int32], over socket: Int32) throws(SyscallError) {
    var start = 0
    while start < fds.count {
      let batch = Array(fds[start..<min(fds.count, start + Int(NSB_MAX_FDS_PER_MESSAGE))])
      _ = try retry("sendmsg") { nsb_send_fds(socket, batch, Int32(batch.count)) }
      start += batch.count
    }
  }

  public func receiveFDs(count: Int, from socket: Int32) throws(SyscallError) -> [Int32] {
    var result: [Int32] = []
    while result.count < count {
      var batch = [Int32](repeating: -1, count: min(count - result.count, Int(NSB_MAX_FDS_PER_MESSAGE)))
      let size = Int32(batch.count)
      do { _ = try retry("recvmsg") { nsb_receive_fds(socket, &batch, size) } } catch {
        result.forEach(close)
        throw error
      }
      result += batch
    }
    return result
  }

  public func effectiveUserID() -> UInt32 { geteuid() }

  public func openEntry(_ dirfd: Int32, _ name: String) throws(SyscallError) -> Int32 {
    try retry("openat", path: name) { nsb_open_entry(dirfd, name) }
  }

  public func status(of fd: Int32) throws(SyscallError) -> FileStatus {
    var (owner, group, mode): (UInt32, UInt32, UInt32) = (0, 0, 0)
    let kind = try retry("fstat") { nsb_fd_status(fd, &owner, &group, &mode) }
    return FileStatus(kind: Self.kind(kind), owner: owner, group: group, mode: mode)
  }

  public func readRegularFile(_ dirfd: Int32, _ name: String) throws(SyscallError) -> (FileStatus, [UInt8]) {
    let fd = try retry("openat", path: name) { nsb_open_existing_regular(dirfd, name) }
    defer { Glibc.close(fd) }
    return (try status(of: fd), try readToEnd(fd, name))
  }

  public func readDescriptorLink(_ dirfd: Int32, _ name: String) throws(SyscallError) -> (FileStatus, [UInt8]) {
    let fd = try retry("openat", path: name) { nsb_open_descriptor_link(dirfd, name) }
    defer { Glibc.close(fd) }
    return (try status(of: fd), try readToEnd(fd, name))
  }

  /// Everything `fd` holds, up to ``maximumFileSize`` (EFBIG beyond).
  private func readToEnd(_ fd: Int32, _ name: String) throws(SyscallError) -> [UInt8] {
    var result: [UInt8] = []
    while true {
      let chunk = try read(fd, count: 65536)
      if chunk.isEmpty { return result }
      result += chunk
      if result.count > Self.maximumFileSize { throw SyscallError(call: "read", errno: EFBIG, path: name) }
    }
  }

  public func userName(_ uid: UInt32) throws(SyscallError) -> String? {
    AccountFile.name(of: uid, in: try readFile(AccountFile.users), database: .passwd)
  }

  public func groupName(_ gid: UInt32) throws(SyscallError) -> String? {
    AccountFile.name(of: gid, in: try readFile(AccountFile.groups), database: .group)
  }

  public func kernelRelease() -> String {
    var names = utsname()
    _ = uname(&names)
    return withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
  }
}
