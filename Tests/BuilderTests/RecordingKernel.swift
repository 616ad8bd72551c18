import SpecParser

@testable import Builder

/// A fake kernel that records every call in order and fails the ones a test chooses, with the errno it chooses.
/// Process calls (fork, wait, exec) are recorded but do nothing.
final class RecordingKernel: LinuxKernel {
  var log: [String] = []
  /// The errno to fail a call with, by the start of its logged form (e.g. `mount("tmpfs"`).
  var failures: [String: Int32] = [:]
  var state = ObservedState(uid: 1000, gid: 1000, euid: 1000, hostname: "host", domainname: "(none)")
  var env = ["HOME=/home/me", "PATH=/usr/bin"]
  var files: [String: [UInt8]] = [:]

  /// The rtnetlink requests sent, whole, in order.
  var netlinkRequests: [[UInt8]] = []
  /// The index RTM_GETLINK answers for each name (7 for any other).
  var linkIndexes: [String: Int32] = [:]
  /// The IFLA_INFO_KIND RTM_GETLINK answers per name; `veth` for the others.
  var linkKinds: [String: String] = [:]

  func recordNetlink(_ entry: String) throws(SyscallError) { try record(entry, call: "sendmsg") }

  private func record(_ entry: String, call: String, path: String? = nil) throws(SyscallError) {
    log.append(entry)
    if let errno = failures.first(where: { entry.hasPrefix($0.key) })?.value {
      throw SyscallError(call: call, errno: errno, path: path)
    }
  }

  /// What each fork(2) returns, in turn (0: go on as the child); 4242, a parent's, once these run out.
  var forkResults: [Int32] = []
  /// With `logsChain`, the launcher's own calls are logged too: pipes and socket pairs (each with fds of its own),
  /// the messages read and written, wait(2) and the locks held; `reads` are what read(2) returns, in turn.
  var logsChain = false
  var reads: [[UInt8]] = []
  private var nextChannelFD: Int32 = 30

  func fork() throws(SyscallError) -> Int32 {
    try record("fork()", call: "fork")
    let pid = forkResults.isEmpty ? 4242 : forkResults.removeFirst()
    if pid == 0 { (parentPID, ownPID) = (ownPID, ownPID + 1) }
    return pid
  }
  /// The command's child lists, in order (``spawnCommand(_:)``).
  var spawned: [CommandSpawn] = []
  /// Logs `clone(CLONE_VM)` and the child's calls (`child: CALL`); the child makes none of them here. Its pid is 4242.
  func spawnCommand(_ spawn: CommandSpawn) throws(SyscallError) -> Int32 {
    try record("clone(CLONE_VM)", call: "clone")
    spawned.append(spawn)
    log += spawn.operations.map { "child: \($0.call)" }
    return 4242
  }
  /// Logged as `await release (last closed: FD)`: the child may wait for the end of an fd closed before.
  func awaitSpawnedRelease() { log.append("await release (last closed: \(closedFDs.last.map(String.init) ?? "none"))") }
  private func channelFD() -> Int32 {
    nextChannelFD += 1
    return nextChannelFD
  }
  private func shown(_ bytes: [UInt8]) -> String {
    ChainMessage(decoding: bytes).map { "\($0)" } ?? (bytes.isEmpty ? "end of file" : "\(bytes)")
  }
  func exit(_ status: Int32) -> Never { preconditionFailure("exit(\(status)) in a recording kernel") }
  func wait(_ pid: Int32) throws(SyscallError) -> (pid: Int32, status: WaitStatus)? {
    if logsChain { log.append("wait(\(pid))") }
    return waits.isEmpty ? nil : (pid, waits.removeFirst())
  }
  /// What each wait(2) returns, in turn, once `waits` is set; nil (no child) once they run out.
  var waits: [WaitStatus] = []
  func kill(_ pid: Int32, _ signal: Int32) { log.append("kill(\(pid), \(signal))") }
  /// getpid(2) and getppid(2): nsbuild's, then each child's once a fork returns 0.
  private var ownPID: Int32 = 100
  private var parentPID: Int32 = 99
  func processID() -> Int32 { ownPID }
  func parentProcessID() -> Int32 { parentPID }
  func pipe() throws(SyscallError) -> (read: Int32, write: Int32) {
    guard logsChain else { return (10, 11) }
    let ends = (channelFD(), channelFD())
    log.append("pipe() = \(ends)")
    return ends
  }
  func read(_ fd: Int32, count: Int) throws(SyscallError) -> [UInt8] {
    let bytes = reads.isEmpty ? [] : reads.removeFirst()
    if logsChain { log.append("read(\(fd)) = \(shown(bytes))") }
    return bytes
  }
  func write(_ fd: Int32, _ bytes: [UInt8]) throws(SyscallError) {
    if logsChain { log.append("write(\(fd), \(shown(bytes)))") }
  }
  /// The fds closed, in order.
  var closedFDs: [Int32] = []
  func close(_ fd: Int32) { closedFDs.append(fd) }
  func setDumpable(_ dumpable: Bool) throws(SyscallError) {
    try record(Syscall.setDumpable(dumpable: dumpable).description, call: "prctl")
  }
  func setParentDeathSignal(_ signal: Int32) throws(SyscallError) {
    try record(Syscall.setParentDeathSignal(signal: signal).description, call: "prctl")
  }
  /// Whether a lifeline pipe reads as hung up (the parent already gone).
  var parentGone = false
  func hasHungUp(_ fd: Int32) -> Bool { parentGone }
  func foregroundTerminal() -> Int32? { 0 }
  func keepsBirthTimes(_ path: String) -> Bool? { true }
  func executionError(_ path: String) -> Int32 { 0 }
  func takeBackForeground(_ fd: Int32) throws(SyscallError) { try record("tcsetpgrp(\(fd))", call: "tcsetpgrp") }
  func startParentProcessID() -> Int32 { parentGone ? 1 : 99 }
  func unshare(_ flags: CloneFlags) throws(SyscallError) {
    try record(Syscall.unshare(flags: flags).description, call: "unshare")
  }
  func mount(source: String?, target: String, fstype: String?, flags: MountFlags, data: String?) throws(SyscallError) {
    let call = Syscall.mount(source: source, target: target, fstype: fstype, flags: flags, data: data)
    try record(call.description, call: "mount", path: target)
  }
  func mountSetattr(path: String, recursive: Bool, set: MountAttributes) throws(SyscallError) {
    try record(
      Syscall.mountSetattr(path: path, recursive: recursive, set: set).description, call: "mount_setattr", path: path)
  }
  func sethostname(_ name: String) throws(SyscallError) {
    try record(Syscall.sethostname(name: name).description, call: "sethostname")
  }
  func setdomainname(_ name: String) throws(SyscallError) {
    try record(Syscall.setdomainname(name: name).description, call: "setdomainname")
  }
  func chdir(_ path: String) throws(SyscallError) { try record("chdir(\(path))", call: "chdir", path: path) }
  func execve(_ path: String, args: [String], env: [String]) -> SyscallError {
    log.append("execve(\(path))")
    return SyscallError(
      call: "execve", errno: failures.first { "execve(\(path))".hasPrefix($0.key) }?.value ?? 2, path: path)
  }
  func writeFile(_ path: String, _ contents: String) throws(SyscallError) {
    try record("write(\(path), \(Quoting.c(contents)))", call: "write", path: path)
  }
  func readFile(_ path: String) throws(SyscallError) -> [UInt8] {
    guard let bytes = files[path] else { throw SyscallError(call: "open", errno: 2, path: path) }
    return bytes
  }
  func environment() -> [String] { env }
  func realUserID() -> UInt32 { state.uid }
  func realGroupID() -> UInt32 { state.gid }
  func hostname() -> String { state.hostname }
  func domainname() -> String { state.domainname }
  func clockSeconds(_ clock: ClockID) -> Int64 { 0 }
  func namespaceID(_ namespace: Namespace) -> String? { nil }
  /// Says nothing, so the plan claims nothing about who may make entries where.
  func ownership(of fd: Int32) -> FileOwnership? { nil }
  func exists(_ path: String) -> Bool { files[path] != nil }
  func userName(_ uid: UInt32) throws(SyscallError) -> String? { uid == 1000 ? "me" : nil }
  var release = "6.18.0"
  func kernelRelease() -> String { release }
  func currentDirectory() throws(SyscallError) -> String { "/work" }
  func realPath(_ path: String) -> String? { path }
  func isTerminal(_ fd: Int32) -> Bool { false }
  func socketPair() throws(SyscallError) -> (Int32, Int32) {
    guard logsChain else { return (12, 13) }
    let ends = (channelFD(), channelFD())
    log.append("socketpair() = \(ends)")
    return ends
  }
  func enterMountNamespace(of pid: Int32) throws(SyscallError) {
    try record("setns(/proc/\(pid)/ns/mnt)", call: "setns")
  }
  func checkProcFD() throws(SyscallError) {}
  /// Namespace files by path, for ``namespaceFile(_:)``.
  var namespaceFiles: [String: NamespaceFileInfo] = [:]
  func namespaceFile(_ path: String) throws(SyscallError) -> NamespaceFileInfo {
    guard let info = namespaceFiles[path] else { throw SyscallError(call: "open", errno: 2, path: path) }
    return info
  }
  /// The fd the next open of a namespace file or pidfd returns.
  private var nextNamespaceFD: Int32 = 60
  /// The fd the last namespace file opened got.
  var lastNamespaceFD: Int32 { nextNamespaceFD }
  func openNamespace(_ path: String) throws(SyscallError) -> Int32 {
    try record("open(\(path))", call: "open", path: path)
    nextNamespaceFD += 1
    return nextNamespaceFD
  }
  func pidfdOpen(_ pid: Int32) throws(SyscallError) -> Int32 {
    try record("pidfd_open(\(pid))", call: "pidfd_open", path: "pid \(pid)")
    nextNamespaceFD += 1
    return nextNamespaceFD
  }
  func setns(_ fd: Int32, _ namespaces: CloneFlags) throws(SyscallError) {
    try record("setns(\(fd), \(namespaces))", call: "setns", path: "\(namespaces)")
  }
  func saveMountNamespace() throws(SyscallError) -> SavedMountNamespace {
    try record("open(/proc/self/ns/mnt, /, .)", call: "open")
    return SavedMountNamespace(namespace: 70, root: 71, workingDirectory: 72)
  }
  func returnToMountNamespace(_ saved: SavedMountNamespace) throws(SyscallError) {
    try record("setns(\(saved.namespace)); chroot(\(saved.root)); fchdir(\(saved.workingDirectory))", call: "setns")
  }
  func sendFDs(_ fds: [Int32], over socket: Int32) throws(SyscallError) {
    try record("sendmsg(\(socket), \(fds))", call: "sendmsg")
  }
  func receiveFDs(count: Int, from socket: Int32) throws(SyscallError) -> [Int32] {
    try record("recvmsg(\(socket), \(count))", call: "recvmsg")
    return (0..<count).map { 60 + Int32($0) }
  }

  func openWithoutSymlinks(_ path: String) throws(SyscallError) -> Int32 {
    try record("openat2(\(path), RESOLVE_NO_SYMLINKS)", call: "openat2", path: path)
    return 7
  }
  func lockShared(_ fd: Int32, in dirfd: Int32?, _ name: String) throws(SyscallError) -> Int32? {
    try record("flock(\(fd), LOCK_SH)", call: "flock")
    return 8
  }
  func lockExclusive(_ dirfd: Int32, _ name: String) throws(SyscallError) -> Int32? {
    try record("flock(\(name), LOCK_EX)", call: "flock", path: name)
    return 9
  }
  func ownerAndMode(_ dirfd: Int32, _ name: String) throws(SyscallError) -> (uid: UInt32, mode: UInt32) {
    (0, 0o40755)
  }
  func receiveFDsUntilClosed(_ socket: Int32) -> [Int32] {
    if logsChain { log.append("hold fds from \(socket)") }
    return []
  }

  func forwardSignals(_ signals: [Int32], to target: Int32) throws(SyscallError) {
    try record("forward(\(signals) → \(target))", call: "sigaction")
  }
  func loopbackUp() throws(SyscallError) { try record(Syscall.loopbackUp.description, call: "ioctl") }
  func loopbackDown() throws(SyscallError) { try record(Syscall.loopbackDown.description, call: "ioctl") }
  func unblockSignals() { log.append("unblock signals") }
  func blockSignals(_ signals: [Int32]) { log.append("block \(signals)") }
  func deferSignals(_ on: Bool) {}
  func ignoreWriteSignals(_ on: Bool) {}
  /// What each takeDeferredSignal() returns, in turn; nil once these run out.
  var deferredSignals: [Int32?] = []
  func takeDeferredSignal() -> Int32? { deferredSignals.isEmpty ? nil : deferredSignals.removeFirst() }
  func scrubEnvironment() { log.append(Syscall.scrubEnvironment.description) }
  func nameProcess(_ name: String) throws(SyscallError) {
    try record(Syscall.nameProcess(name: name).description, call: "prctl")
  }
  func openPseudoTerminal() throws(SyscallError) -> (master: Int32, replica: Int32) {
    try record(Syscall.openPseudoTerminal.description, call: "posix_openpt")
    return (40, 41)
  }
  func copyWindowSize(from: Int32, to: Int32) throws(SyscallError) {
    try record("copyWindowSize(\(from), \(to))", call: "ioctl")
  }
  func useTerminalReplica(_ replica: Int32, master: Int32) throws(SyscallError) {
    try record("useTerminalReplica(\(replica), \(master))", call: "dup2")
  }
  func setControllingTerminal(_ fd: Int32) throws(SyscallError) { try record("TIOCSCTTY(\(fd))", call: "ioctl") }
  func openTerminalReplica(_ replica: Int32) throws(SyscallError) -> Int32 {
    try record("openTerminalReplica(\(replica))", call: "openat2")
    return 42
  }
  func relayTerminal(master: Int32, until child: Int32) throws(SyscallError) {
    try record("relayTerminal(\(master), \(child))", call: "poll")
  }
  func setsid() throws(SyscallError) { try record("setsid()", call: "setsid") }
  func setrlimit(_ resource: Int32, soft: UInt64?, hard: UInt64?) throws(SyscallError) {
    try record(
      "setrlimit(\(resource), \(soft.map(String.init) ?? "inf"), \(hard.map(String.init) ?? "inf"))", call: "setrlimit")
  }
  func setgroups(_ groups: [UInt32]) throws(SyscallError) { try record("setgroups(\(groups))", call: "setgroups") }
  func setresgid(_ id: UInt32) throws(SyscallError) { try record("setresgid(\(id))", call: "setresgid") }
  func setresuid(_ id: UInt32) throws(SyscallError) { try record("setresuid(\(id))", call: "setresuid") }
  func keepCapabilities() throws(SyscallError) { try record("keepcaps", call: "prctl") }
  func dropBoundingSet(keep: UInt64) throws(SyscallError) {
    try record("capbset_drop(keep: \(String(keep, radix: 16)))", call: "prctl")
  }
  func capset(_ caps: UInt64) throws(SyscallError) { try record("capset(\(String(caps, radix: 16)))", call: "capset") }
  func raiseAmbient(_ caps: UInt64) throws(SyscallError) {
    try record("ambient(\(String(caps, radix: 16)))", call: "prctl")
  }
  func setNoNewPrivs() throws(SyscallError) { try record("no_new_privs", call: "prctl") }
  func umask(_ mask: UInt32) { log.append("umask(\(String(mask, radix: 8)))") }
  func closeAll(from first: Int32, except keep: [Int32]) throws(SyscallError) {
    try record(
      "close_range(\(first), but \(keep.isEmpty ? "none" : keep.map(String.init).joined(separator: ",")))",
      call: "close_range")
  }
  func closeOnExec(from first: Int32) throws(SyscallError) { try record("cloexec(\(first))", call: "close_range") }

  private var nextFD: Int32 = 20
  func openPath(_ path: String) throws(SyscallError) -> Int32 {
    try record("open(\(path))", call: "open", path: path)
    nextFD += 1
    return nextFD
  }
  func openInRootWithoutSymlinks(_ root: Int32, _ path: String) throws(SyscallError) -> Int32 {
    try openInRoot(root, path)
  }
  func openInRoot(_ root: Int32, _ path: String) throws(SyscallError) -> Int32 {
    try record("openat2(\(root), \(path))", call: "openat2", path: path)
    nextFD += 1
    openedPaths[nextFD] = path
    return nextFD
  }
  /// The path each fd from openInRoot was opened at, for fileKind(of:).
  private var openedPaths: [Int32: String] = [:]
  /// Paths the fake reports as regular files when opened; everything else is a folder. By default the files a
  /// proc mount's protection covers with the null device.
  var regularFiles: Set<String> = ["kcore", "keys", "latency_stats", "timer_list", "timer_stats", "sched_debug"]
  func openDirectoryWithoutSymlinks(_ path: String) throws(SyscallError) -> Int32 {
    try record("openat2-nosymlinks(\(path))", call: "openat2", path: path)
    if keepsFiles, !folders.contains(path) { throw SyscallError(call: "openat2", errno: 2, path: path) }
    nextFD += 1
    openedPaths[nextFD] = path
    return nextFD
  }
  /// With `keepsFiles`, the folder, file and rename calls act on `files` and `folders` (paths built from the fd's
  /// folder), so a test can read back what was written (the state store).
  var keepsFiles = false
  var folders: Set<String> = ["/"]
  private func entryPath(_ dirfd: Int32, _ name: String) -> String { (openedPaths[dirfd] ?? "?") + "/" + name }
  func readExistingFile(_ dirfd: Int32, _ name: String) throws(SyscallError) -> [UInt8] {
    guard keepsFiles else { return [] }
    guard let bytes = files[entryPath(dirfd, name)] else { throw SyscallError(call: "openat", errno: 2, path: name) }
    return bytes
  }
  func changeDirectoryMode(_ dirfd: Int32, _ name: String, mode: UInt32) throws(SyscallError) {
    try record("fchmod-dir(\(dirfd), \(name), \(String(mode, radix: 8)))", call: "fchmod", path: name)
  }
  func makeDirectory(_ dirfd: Int32, _ name: String, mode: UInt32) throws(SyscallError) {
    try record("mkdirat(\(dirfd), \(name), \(String(mode, radix: 8)))", call: "mkdirat", path: name)
    if keepsFiles, !folders.insert(entryPath(dirfd, name)).inserted {
      throw SyscallError(call: "mkdirat", errno: 17, path: name)
    }
  }
  func writeFile(_ dirfd: Int32, _ name: String, contents: [UInt8], mode: UInt32) throws(SyscallError) {
    try record("writefile(\(dirfd), \(name), \(contents.count), \(String(mode, radix: 8)))", call: "openat", path: name)
    if keepsFiles {
      guard files[entryPath(dirfd, name)] == nil else { throw SyscallError(call: "linkat", errno: 17, path: name) }
      files[entryPath(dirfd, name)] = contents
    }
  }
  func identity(_ dirfd: Int32, _ name: String) throws(SyscallError) -> FileIdentity {
    FileIdentity(device: 0, inode: 0, birth: FileIdentity.Birth(seconds: 0, nanoseconds: 0))
  }
  func detach(_ fd: Int32) throws(SyscallError) { try record("umount2(fd \(fd), MNT_DETACH)", call: "umount2") }
  func removeEntry(_ dirfd: Int32, _ name: String, directory: Bool) throws(SyscallError) {
    try record("unlinkat(\(dirfd), \(name)\(directory ? ", AT_REMOVEDIR" : ""))", call: "unlinkat", path: name)
    guard keepsFiles else { return }
    let path = entryPath(dirfd, name)
    let found = directory ? folders.remove(path) != nil : files.removeValue(forKey: path) != nil
    if !found { throw SyscallError(call: "unlinkat", errno: 2, path: name) }
  }
  func symlink(_ link: String, _ dirfd: Int32, _ name: String) throws(SyscallError) {
    try record("symlinkat(\(link), \(dirfd), \(name))", call: "symlinkat", path: name)
  }
  /// readlinkat(2)'s answer for the entry `name` (a symlink when its status says so).
  var links: [String: String] = [:]
  func readLink(_ dirfd: Int32, _ name: String) throws(SyscallError) -> String { links[name] ?? "" }
  func fileKind(_ dirfd: Int32, _ name: String) throws(SyscallError) -> FileKind { .directory }
  func fileKind(of fd: Int32) throws(SyscallError) -> FileKind {
    regularFiles.contains(openedPaths[fd] ?? "") ? .regular : .directory
  }
  func isOnReadOnlyMount(_ fd: Int32) -> Bool { false }
  func changeDirectory(to fd: Int32) throws(SyscallError) { try record("fchdir(\(fd))", call: "fchdir") }
  func pivotRootHere() throws(SyscallError) { try record("pivot_root(., .)", call: "pivot_root") }
  func detachHere() throws(SyscallError) { try record("umount2(., MNT_DETACH)", call: "umount2") }
  func mountSetattr(fd: Int32, recursive: Bool, set: MountAttributes, clear: MountAttributes) throws(SyscallError) {
    try record("mount_setattr(\(fd), \(recursive), \(set), \(clear))", call: "mount_setattr")
  }
  func effectiveUserID() -> UInt32 { state.euid }
  /// What fstat(2) tells of an entry opened by name (`name`), and of a file read (`read:name`); a root-owned 0755
  /// folder, or a root-owned 0644 file, when not set.
  var statuses: [String: FileStatus] = [:]
  private var entryNames: [Int32: String] = [:]
  func openEntry(_ dirfd: Int32, _ name: String) throws(SyscallError) -> Int32 {
    try record("openat(\(dirfd), \(name), O_PATH|O_NOFOLLOW)", call: "openat", path: name)
    nextFD += 1
    entryNames[nextFD] = name
    return nextFD
  }
  func status(of fd: Int32) throws(SyscallError) -> FileStatus {
    entryNames[fd].flatMap { statuses[$0] } ?? FileStatus(kind: .directory, owner: 0, group: 0, mode: 0o755)
  }
  func readRegularFile(_ dirfd: Int32, _ name: String) throws(SyscallError) -> (FileStatus, [UInt8]) {
    try record("openat(\(dirfd), \(name), O_RDONLY)", call: "openat", path: name)
    let status = statuses["read:" + name] ?? FileStatus(kind: .regular, owner: 0, group: 0, mode: 0o644)
    guard keepsFiles else { return (status, files[name] ?? []) }
    guard let bytes = files[entryPath(dirfd, name)] else { throw SyscallError(call: "openat", errno: 2, path: name) }
    return (status, bytes)
  }
  func readDescriptorLink(_ dirfd: Int32, _ name: String) throws(SyscallError) -> (FileStatus, [UInt8]) {
    try record("openat(\(dirfd), \(name), O_RDONLY)", call: "openat", path: name)
    let status = statuses["read:" + name] ?? FileStatus(kind: .other, owner: 0, group: 0, mode: 0o600)
    return (status, files[name] ?? [])
  }
  func groupName(_ gid: UInt32) throws(SyscallError) -> String? { gid == 100 ? "users" : nil }

  /// The new mount API: each call logged with the fds it was given; new fds count on from the others.
  func fsopen(_ fstype: String) throws(SyscallError) -> Int32 {
    try record("fsopen(\(fstype))", call: "fsopen", path: fstype)
    nextFD += 1
    return nextFD
  }
  func fsconfig(_ context: Int32, key: String, value: String?) throws(SyscallError) {
    try record("fsconfig(\(context), \(key)\(value.map { "=" + $0 } ?? ""))", call: "fsconfig", path: key)
  }
  func fsconfig(_ context: Int32, key: String, fd: Int32) throws(SyscallError) {
    try record("fsconfig(\(context), \(key), fd \(fd))", call: "fsconfig", path: key)
  }
  func fsconfigCreate(_ context: Int32) throws(SyscallError) {
    try record("fsconfig(\(context), create)", call: "fsconfig")
  }
  func fsmount(_ context: Int32, attributes: MountAttributes) throws(SyscallError) -> Int32 {
    try record("fsmount(\(context), \(attributes))", call: "fsmount")
    nextFD += 1
    return nextFD
  }
  func openTree(_ fd: Int32, recursive: Bool) throws(SyscallError) -> Int32 {
    try record("open_tree(\(fd)\(recursive ? ", AT_RECURSIVE" : ""))", call: "open_tree")
    nextFD += 1
    openedPaths[nextFD] = openedPaths[fd]
    return nextFD
  }
  func moveMount(_ from: Int32, onto to: Int32) throws(SyscallError) {
    try record("move_mount(\(from), \(to))", call: "move_mount")
  }
  func mountSetattr(fd: Int32, recursive: Bool, propagation: MountFlags) throws(SyscallError) {
    try record("mount_setattr(\(fd), \(recursive), propagation \(propagation))", call: "mount_setattr")
  }
  func detach(_ dirfd: Int32, _ name: String) throws(SyscallError) {
    try record("umount2(\(dirfd), \(name), MNT_DETACH)", call: "umount2", path: name)
  }
  func utsNames(ofProcess pid: Int32) throws(SyscallError) -> (hostname: String, domainname: String) {
    (state.hostname, state.domainname)
  }
  func routeDumps(ofProcess pid: Int32, requests: [[UInt8]]) throws(SyscallError) -> [UInt8] {
    throw SyscallError(call: "setns", errno: ErrnoNames.ENOENT, path: "/proc/\(pid)/ns/net")
  }
  func reconfigure(_ fd: Int32, key: String, value: String) throws(SyscallError) {
    try record("fsconfig(\(fd), \(key), \(value), RECONFIGURE)", call: "fsconfig")
  }
  func changeMode(of fd: Int32, mode: UInt32) throws(SyscallError) {
    try record("fchmod(\(fd), \(FileMode.octal(mode)))", call: "fchmod")
  }
  func changeOwner(of fd: Int32, uid: UInt32?, gid: UInt32?) throws(SyscallError) {
    try record("fchown(\(fd), \(uid.map(String.init) ?? "-1"), \(gid.map(String.init) ?? "-1"))", call: "fchown")
  }
  func rename(_ dirfd: Int32, _ from: String, to: String) throws(SyscallError) {
    try record("renameat(\(dirfd), \(from), \(to))", call: "renameat", path: to)
    if keepsFiles { files[entryPath(dirfd, to)] = files.removeValue(forKey: entryPath(dirfd, from)) }
  }
  func prlimit(_ pid: Int32, _ resource: Int32, soft: UInt64?, hard: UInt64?) throws(SyscallError) {
    try record("prlimit(\(pid), \(resource))", call: "prlimit")
  }
  /// The call the fake kernel lacks (see ``HostFacts/missingMountCall``): none by default.
  var missingCall: String?
  func missingMountCall() -> String? { missingCall }

  func directoryEntries(_ dirfd: Int32) throws(SyscallError) -> [String] {
    let folder = (openedPaths[dirfd] ?? "?") + "/"
    let paths = files.keys.map { $0 } + folders.map { $0 }
    return paths.filter { $0.hasPrefix(folder) && !$0.dropFirst(folder.count).contains("/") && $0 != folder }
      .map { String($0.dropFirst(folder.count)) }.sorted()
  }
  func redirectStandardStreams(output: String) throws(SyscallError) {
    try record(Syscall.redirectStandardStreams(output: output).description, call: "openat2", path: output)
  }
  func holdUntilSignalled() -> Never { preconditionFailure("pause() in a recording kernel") }
  func defaultSignalHandling() { log.append("default signal handling") }
  func keepHelper(_ helper: Int32, until watched: Int32) -> Never {
    preconditionFailure("keep \(helper) until \(watched) in a recording kernel")
  }
  var handoffSignal: Int32 { 40 }
  func takeHandoff(outsideOnly: Bool) -> Bool { false }
  func cancelHandoff(_ pidfd: Int32) throws(SyscallError) {}
  func takeForwardedSignal() -> Int32? { nil }
  func lockExclusiveWaiting(_ dirfd: Int32, _ name: String) throws(SyscallError) -> Int32 {
    try record("flock(\(entryPath(dirfd, name)), LOCK_EX)", call: "flock", path: name)
    if keepsFiles, !folders.contains(openedPaths[dirfd] ?? "?") {
      throw SyscallError(call: "flock", errno: 2, path: name)
    }
    if keepsFiles, files[entryPath(dirfd, name)] == nil { files[entryPath(dirfd, name)] = [] }
    nextFD += 1
    return nextFD
  }
  func unlock(_ fd: Int32) { log.append("flock(\(fd), LOCK_UN)") }
  func isOnNoexecMount(_ fd: Int32) -> Bool { false }
  func openProcess(_ pid: Int32) throws(SyscallError) -> Int32 {
    try record("pidfd_open(\(pid))", call: "pidfd_open")
    return 90
  }
  func signalProcess(_ pidfd: Int32, _ signal: Int32) throws(SyscallError) {
    try record("pidfd_send_signal(\(pidfd), \(signal))", call: "pidfd_send_signal")
  }
  func waitForEnd(_ pidfd: Int32, milliseconds: Int32?) throws(SyscallError) -> Bool {
    try record("poll(\(pidfd), \(milliseconds.map(String.init) ?? "-1"))", call: "poll")
    return true
  }
}
