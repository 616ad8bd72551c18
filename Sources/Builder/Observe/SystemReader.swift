import SpecParser

/// The calls that read the system and change nothing in it: files, links, credentials, names, clocks, the caller's
/// namespaces. Observing the host (``Observer``) and reading a spec file (``SpecLoader``) see only this protocol,
/// so they cannot change what they look at; ``LinuxKernel`` refines it for the apply side.
///
/// Opening an O_PATH fd, reading it and closing it are here too: they change no file and no mount, only the
/// caller's own fd table. ``RealKernel`` implements it; each call is retried on EINTR and throws ``SyscallError``
/// naming the call, the path and the errno.
public protocol SystemReader {
  /// getpid(2).
  func processID() -> Int32
  /// read(2) of at most `count` bytes; empty at end of file.
  func read(_ fd: Int32, count: Int) throws(SyscallError) -> [UInt8]
  /// close(2).
  func close(_ fd: Int32)
  /// Reads a whole file.
  func readFile(_ path: String) throws(SyscallError) -> [UInt8]
  /// The current process's environment, as `NAME=value` strings.
  func environment() -> [String]
  /// open(2) with O_PATH|O_CLOEXEC.
  func openPath(_ path: String) throws(SyscallError) -> Int32
  /// openat2(2) with O_PATH|O_CLOEXEC and RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS: `path` beneath `root`.
  func openInRoot(_ root: Int32, _ path: String) throws(SyscallError) -> Int32
  /// openInRoot(_:_:) that also refuses any symlink on the way (RESOLVE_NO_SYMLINKS): ELOOP when there is one.
  func openInRootWithoutSymlinks(_ root: Int32, _ path: String) throws(SyscallError) -> Int32
  /// openat2(2) of an absolute `path` with O_PATH|O_DIRECTORY and RESOLVE_NO_SYMLINKS: a folder reached through no
  /// symlink at all.
  func openDirectoryWithoutSymlinks(_ path: String) throws(SyscallError) -> Int32
  /// openat2(2) of an absolute `path` with O_PATH|O_CLOEXEC and RESOLVE_NO_SYMLINKS: ELOOP when any part of it is a
  /// symlink.
  func openWithoutSymlinks(_ path: String) throws(SyscallError) -> Int32
  /// The owner and mode (st_mode, type bits included) of `name` in `dirfd`, not following a final symlink.
  func ownerAndMode(_ dirfd: Int32, _ name: String) throws(SyscallError) -> (uid: UInt32, mode: UInt32)
  /// The contents of the existing regular file `name` in `dirfd`, read without following a symlink and without
  /// blocking on a FIFO; throws EINVAL for anything but a regular file.
  func readExistingFile(_ dirfd: Int32, _ name: String) throws(SyscallError) -> [UInt8]
  /// The identity of `name` in `dirfd`, not following a final symlink (statx(2) AT_SYMLINK_NOFOLLOW).
  func identity(_ dirfd: Int32, _ name: String) throws(SyscallError) -> FileIdentity
  /// readlinkat(2).
  func readLink(_ dirfd: Int32, _ name: String) throws(SyscallError) -> String
  /// The type of `name` in `dirfd`, not following a final symlink.
  func fileKind(_ dirfd: Int32, _ name: String) throws(SyscallError) -> FileKind
  /// The type of the file open at `fd`.
  func fileKind(of fd: Int32) throws(SyscallError) -> FileKind
  /// Whether the file open at `fd` lies on a read-only mount (fstatvfs(3) ST_RDONLY).
  func isOnReadOnlyMount(_ fd: Int32) -> Bool
  /// access(2) with F_OK.
  func exists(_ path: String) -> Bool
  /// 0 when `path` is a file this process may execute (stat(2): not a folder; access(2) X_OK), else the errno
  /// execve(2) would fail with (ENOENT, EACCES…).
  func executionError(_ path: String) -> Int32
  /// Whether the file system holding `path` keeps birth times (statx(2) reports STATX_BTIME); nil when `path` does
  /// not exist.
  func keepsBirthTimes(_ path: String) -> Bool?
  /// The login name of `uid` in /etc/passwd (``AccountFile``; not getpwuid(3), which a static binary cannot use);
  /// nil when no entry there has that ID.
  ///
  /// - Throws: ``SyscallError`` when /etc/passwd cannot be opened or read (its path and errno), which is not the
  ///   same as having no name there.
  func userName(_ uid: UInt32) throws(SyscallError) -> String?
  /// uname(2)'s release, e.g. `6.18.44`.
  func kernelRelease() -> String
  /// realpath(3); nil when the path cannot be resolved.
  func realPath(_ path: String) -> String?
  /// getcwd(3).
  ///
  /// - Throws: ``SyscallError`` with getcwd's errno (ENOENT when the current folder was deleted).
  func currentDirectory() throws(SyscallError) -> String
  /// isatty(3).
  func isTerminal(_ fd: Int32) -> Bool
  /// geteuid(2).
  func effectiveUserID() -> UInt32
  /// openat(2) of `name` in `dirfd` with O_PATH|O_NOFOLLOW|O_CLOEXEC: the entry itself, a final symlink included.
  func openEntry(_ dirfd: Int32, _ name: String) throws(SyscallError) -> Int32
  /// fstat(2) of an open fd (an O_PATH one too): its type, owner, group and mode.
  func status(of fd: Int32) throws(SyscallError) -> FileStatus
  /// The existing regular file `name` in `dirfd` (O_NOFOLLOW|O_NONBLOCK; EINVAL for anything else): its status and
  /// its contents, both through one open fd, so a file swapped in after the check is never the one read.
  func readRegularFile(_ dirfd: Int32, _ name: String) throws(SyscallError) -> (FileStatus, [UInt8])
  /// The pipe (or regular file) that the magic link `name` in a /proc/PID/fd folder `dirfd` stands for, opened
  /// through the link (proc(5)) and read to its end: its status and its contents. EINVAL for anything else.
  func readDescriptorLink(_ dirfd: Int32, _ name: String) throws(SyscallError) -> (FileStatus, [UInt8])
  /// The name of group `gid` in /etc/group (``AccountFile``; not getgrgid(3)); nil when no entry there has that ID.
  ///
  /// - Throws: ``SyscallError`` when /etc/group cannot be opened or read (its path and errno).
  func groupName(_ gid: UInt32) throws(SyscallError) -> String?
  /// getuid(2) and getgid(2).
  func realUserID() -> UInt32
  func realGroupID() -> UInt32
  /// uname(2)'s node name (the hostname) and NIS domain name.
  func hostname() -> String
  func domainname() -> String
  /// clock_gettime(2) of `clock`, in whole seconds.
  func clockSeconds(_ clock: ClockID) -> Int64
  /// The hostname and NIS domain name of the UTS namespace of process `pid`, as uname(2) gives them there: read by a
  /// forked child that joins `/proc/PID/ns/uts` with setns(2) (its owning user namespace first when needed), so
  /// nothing of the caller changes.
  ///
  /// - Throws: ``SyscallError`` of setns(2) (EPERM without the privilege to join, ENOENT when `pid` is gone).
  func utsNames(ofProcess pid: Int32) throws(SyscallError) -> (hostname: String, domainname: String)
  /// The answers to rtnetlink(7) dump requests (`requests`, whole messages, such as ``RouteRequest/dump(_:sequence:)``)
  /// in the network namespace of process `pid`, in order: read by a forked child that joins `/proc/PID/ns/net` with
  /// setns(2) (its owning user namespace first when needed) and asks on a NETLINK_ROUTE socket made there, so
  /// nothing of the caller changes. A dump reads; it changes nothing in the namespace.
  ///
  /// - Throws: ``SyscallError`` of setns(2) (EPERM without the privilege to join, ENOENT when `pid` is gone), or of
  ///   the socket (ENOBUFS for answers larger than 4 MiB).
  func routeDumps(ofProcess pid: Int32, requests: [[UInt8]]) throws(SyscallError) -> [UInt8]
  /// readlink(2) of /proc/self/ns/NAME (namespaces(7)), e.g. `uts:[4026531838]`; nil when it cannot be read.
  func namespaceID(_ namespace: Namespace) -> String?
  /// The owner, group and permission bits of the file open at `fd` (fstat(2)), for `plan`'s predictions of who may
  /// make entries in a folder; nil when they cannot be told (a test's fake then makes the plan claim nothing).
  func ownership(of fd: Int32) -> FileOwnership?
  /// What the namespace file at `path` is (ioctl_ns(2) NS_GET_NSTYPE, NS_GET_USERNS, NS_GET_OWNER_UID; fstat(2)
  /// for its inode): opened read-only and closed again, nothing entered.
  ///
  /// - Throws: ``SyscallError`` from open(2) (ENOENT: no such file) or ioctl(2) (ENOTTY or EINVAL: not a namespace
  ///   file).
  func namespaceFile(_ path: String) throws(SyscallError) -> NamespaceFileInfo
  /// The first of fsopen(2), fsconfig(2), fsmount(2), open_tree(2) and move_mount(2) this kernel lacks (ENOSYS), probed with arguments that make nothing, or
  /// nil when it has them all.
  func missingMountCall() -> String?
  /// The names in the folder open at `dirfd` (readdir(3)), "." and ".." left out, in no particular order.
  func directoryEntries(_ dirfd: Int32) throws(SyscallError) -> [String]
}

/// The clocks that a time namespace offsets (time_namespaces(7)).
public enum ClockID: Sendable, Hashable {
  case monotonic, boottime
}
