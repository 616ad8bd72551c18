import SpecParser

/// The calls that change the system (processes, namespaces, mounts, files, credentials, signals), behind one protocol
/// so tests can replace it with a recording fake. It refines ``SystemReader``: the apply side also reads (an
/// execution check in the command process, the kind of a file it is about to replace), but the planner only ever
/// sees a ``SystemReader``.
///
/// ``RealKernel`` is the one implementation that makes system calls. Each method is one call (or, for
/// ``writeFile(_:_:)``, open-write-close), retried on EINTR, and throws ``SyscallError`` naming the call, the path
/// and the errno.
public protocol LinuxKernel: SystemReader {
  /// fork(2): the child's pid in the parent, 0 in the child. Streams are flushed first.
  func fork() throws(SyscallError) -> Int32
  /// clone(2) CLONE_VM of the command's process, which makes `spawn`'s calls and execve(2)s its program, or reports
  /// the call that failed on the report pipe and exits (``CommandSpawn``, nsb_spawn_command). The child's pid.
  func spawnCommand(_ spawn: CommandSpawn) throws(SyscallError) -> Int32
  /// Waits until the child of ``spawnCommand(_:)`` no longer shares this process's memory (its execve(2) or exit),
  /// then gives this process back the PR_SET_DUMPABLE it had before the clone: a command changing its uid or gid
  /// made the shared memory undumpable (prctl(2)), which init, no longer sharing it, need not stay.
  func awaitSpawnedRelease()
  /// _exit(2).
  func exit(_ status: Int32) -> Never
  /// waitpid(2) on `pid` (-1 for any child); nil when there is no child left (ECHILD). A reaped child whose signals
  /// ``forwardSignals(_:to:)`` passed on gets none from then on: its pid may name another process.
  func wait(_ pid: Int32) throws(SyscallError) -> (pid: Int32, status: WaitStatus)?
  /// kill(2).
  func kill(_ pid: Int32, _ signal: Int32)
  /// getppid(2).
  func parentProcessID() -> Int32
  /// pipe2(2) with O_CLOEXEC.
  func pipe() throws(SyscallError) -> (read: Int32, write: Int32)
  /// write(2) of all of `bytes`.
  func write(_ fd: Int32, _ bytes: [UInt8]) throws(SyscallError)
  /// prctl(2) PR_SET_PDEATHSIG.
  func setParentDeathSignal(_ signal: Int32) throws(SyscallError)
  /// prctl(2) PR_SET_DUMPABLE with 1 or 0.
  func setDumpable(_ dumpable: Bool) throws(SyscallError)
  /// The first of fds 0, 1 and 2 that is a terminal whose foreground process group (tcgetpgrp(3)) is this
  /// process's own, or nil.
  func foregroundTerminal() -> Int32?
  /// tcsetpgrp(3) of `fd` to this process's group, with SIGTTOU blocked (tcsetpgrp from a background group would
  /// otherwise stop the process), when the foreground group has no process left (kill(2) with 0 fails with ESRCH).
  func takeBackForeground(_ fd: Int32) throws(SyscallError)
  /// poll(2) of the read end of a pipe, without waiting: true once every write end is closed (POLLHUP), which is
  /// how a child learns that its parent died, even from a new pid namespace, where getppid(2) reads 0.
  func hasHungUp(_ fd: Int32) -> Bool
  /// getppid(2) as it was when this process started (before main): a different getppid(2) now means that parent
  /// died and the process was re-parented.
  func startParentProcessID() -> Int32

  /// unshare(2).
  func unshare(_ flags: CloneFlags) throws(SyscallError)
  /// mount(2).
  func mount(source: String?, target: String, fstype: String?, flags: MountFlags, data: String?) throws(SyscallError)
  /// mount_setattr(2) with `AT_RECURSIVE` when `recursive`.
  func mountSetattr(path: String, recursive: Bool, set: MountAttributes) throws(SyscallError)
  /// sethostname(2) and setdomainname(2).
  func sethostname(_ name: String) throws(SyscallError)
  func setdomainname(_ name: String) throws(SyscallError)
  /// chdir(2).
  func chdir(_ path: String) throws(SyscallError)
  /// execve(2); returns only by throwing.
  func execve(_ path: String, args: [String], env: [String]) -> SyscallError

  /// Writes `contents` to an existing file in one write(2) (how /proc map files must be written).
  func writeFile(_ path: String, _ contents: String) throws(SyscallError)
  /// sigaction(2): pass `signals` on to `target` (kill(2) from the handler; negative for a process group).
  func forwardSignals(_ signals: [Int32], to target: Int32) throws(SyscallError)
  /// While `on`, a forwarded signal that arrives before there is a child to pass it to is kept rather than ending
  /// the process, until ``takeDeferredSignal()`` collects it.
  func deferSignals(_ on: Bool)
  /// The signal kept by ``deferSignals(_:)`` since the last call, or nil.
  func takeDeferredSignal() -> Int32?
  /// The first signal ``forwardSignals(_:to:)``'s handler passed on to its target since the last call, or nil (a
  /// terminal resize, SIGWINCH, is not counted).
  func takeForwardedSignal() -> Int32?
  /// SIGPIPE and SIGXFSZ ignored, so a write to a closed pipe or past RLIMIT_FSIZE fails (EPIPE, EFBIG) rather than
  /// ending the process halfway through setup; with false, back to what they were when nsbuild started, which the
  /// command inherits.
  func ignoreWriteSignals(_ on: Bool)
  /// sigprocmask(2): blocks `signals`, so they wait rather than act.
  func blockSignals(_ signals: [Int32])
  /// sigprocmask(2): unblocks every signal (a parent may have left some blocked, and children inherit the mask).
  func unblockSignals()
  /// Brings `lo` up in the current network namespace (ioctl(2) SIOCSIFFLAGS).
  func loopbackUp() throws(SyscallError)
  /// `lo` taken down in the caller's network namespace (SIOCSIFFLAGS without IFF_UP, netdevice(7)).
  func loopbackDown() throws(SyscallError)
  /// Zeroes the process's initial environment strings (what /proc/PID/environ shows) and empties `environ`.
  func scrubEnvironment()
  /// prctl(2) PR_SET_NAME of `name`, and the argument strings the process was started with overwritten by it
  /// (``Syscall/nameProcess(name:)``).
  func nameProcess(_ name: String) throws(SyscallError)
  /// A new pseudo-terminal pair of the host's /dev/ptmx (``Syscall/openPseudoTerminal``): the master's fd and the
  /// replica's, both close-on-exec.
  func openPseudoTerminal() throws(SyscallError) -> (master: Int32, replica: Int32)
  /// ioctl(2) TIOCGWINSZ of the terminal `from`, then TIOCSWINSZ of that size on `to` (tty_ioctl(4)).
  func copyWindowSize(from: Int32, to: Int32) throws(SyscallError)
  /// dup2(2) of `replica` onto 0, 1 and 2, then close(2) of `replica` and `master`.
  func useTerminalReplica(_ replica: Int32, master: Int32) throws(SyscallError)
  /// ioctl(2) TIOCSCTTY of `fd`: the terminal becomes the controlling terminal of this session leader.
  func setControllingTerminal(_ fd: Int32) throws(SyscallError)
  /// The pseudo-terminal replica open in `replica` opened again by its path (``Syscall/openTerminalReplica(slot:)``):
  /// an O_PATH fd, close-on-exec. Throws EXDEV when the path names another device.
  func openTerminalReplica(_ replica: Int32) throws(SyscallError) -> Int32
  /// Relays the caller's terminal (fds 0 and 1), in raw mode, to the pseudo-terminal `master` until `child` ends;
  /// the caller's termios are put back before it returns or throws (``Syscall/relayTerminal``).
  func relayTerminal(master: Int32, until child: Int32) throws(SyscallError)
  /// setsid(2).
  func setsid() throws(SyscallError)
  /// setrlimit(2); nil is RLIM_INFINITY.
  func setrlimit(_ resource: Int32, soft: UInt64?, hard: UInt64?) throws(SyscallError)
  /// setgroups(2), setresgid(2), setresuid(2) (all three IDs set to `id`).
  func setgroups(_ groups: [UInt32]) throws(SyscallError)
  func setresgid(_ id: UInt32) throws(SyscallError)
  func setresuid(_ id: UInt32) throws(SyscallError)
  /// prctl(2) PR_SET_KEEPCAPS 1.
  func keepCapabilities() throws(SyscallError)
  /// prctl(2) PR_CAPBSET_DROP for every capability whose bit is clear in `keep`.
  func dropBoundingSet(keep: UInt64) throws(SyscallError)
  /// capset(2) with `caps` as effective, permitted and inheritable.
  func capset(_ caps: UInt64) throws(SyscallError)
  /// prctl(2) PR_CAP_AMBIENT_RAISE for each bit of `caps`.
  func raiseAmbient(_ caps: UInt64) throws(SyscallError)
  /// prctl(2) PR_SET_NO_NEW_PRIVS.
  func setNoNewPrivs() throws(SyscallError)
  /// umask(2).
  func umask(_ mask: UInt32)
  /// close_range(2): closes every fd from `first` up but those in `keep`.
  func closeAll(from first: Int32, except keep: [Int32]) throws(SyscallError)
  /// close_range(2) from `first` with CLOSE_RANGE_CLOEXEC.
  func closeOnExec(from first: Int32) throws(SyscallError)
  /// flock(2) LOCK_SH|LOCK_NB on the folder or regular file open at the O_PATH `fd`, opened again read-only: a
  /// folder as "." beneath it, a file as `name` in the folder `dirfd` (O_NOFOLLOW), kept only when it is the same
  /// file (EXDEV otherwise). No path through /proc. The new fd, which holds the lock until closed, or nil for any other kind of file. Throws
  /// EWOULDBLOCK when someone holds it exclusively.
  func lockShared(_ fd: Int32, in dirfd: Int32?, _ name: String) throws(SyscallError) -> Int32?
  /// flock(2) LOCK_EX|LOCK_NB on `name` in `dirfd`, opened read-only without following a symlink: the fd holding the
  /// lock, or nil when `name` is a symlink (nothing can be mounted on one) or unreadable. Throws EWOULDBLOCK when
  /// another open file holds a lock on it.
  func lockExclusive(_ dirfd: Int32, _ name: String) throws(SyscallError) -> Int32?
  /// recvmsg(2) until end of file: every fd sent on `socket` by ``sendFDs(_:over:)``, however many (the lock
  /// hand-over, whose count the receiver does not know).
  func receiveFDsUntilClosed(_ socket: Int32) -> [Int32]
  /// fchmod(2) of the directory `name` in `dirfd`, never through a symlink.
  func changeDirectoryMode(_ dirfd: Int32, _ name: String, mode: UInt32) throws(SyscallError)
  /// mkdirat(2).
  func makeDirectory(_ dirfd: Int32, _ name: String, mode: UInt32) throws(SyscallError)
  /// Creates `name` in `dirfd` holding `contents`, with exactly `mode`; it appears under its name only once complete.
  /// Throws EEXIST when the name is taken.
  func writeFile(_ dirfd: Int32, _ name: String, contents: [UInt8], mode: UInt32) throws(SyscallError)
  /// umount2(2) MNT_DETACH of the folder mount whose root `fd` is: fchdir(2) into it, umount2(".") and back (no path
  /// through /proc, which the sandbox's mounts may cover); a file mount goes through ``detach(_:_:)``.
  func detach(_ fd: Int32) throws(SyscallError)
  /// unlinkat(2) of `name` in `dirfd`; with `directory`, AT_REMOVEDIR (an empty folder only).
  func removeEntry(_ dirfd: Int32, _ name: String, directory: Bool) throws(SyscallError)
  /// symlinkat(2).
  func symlink(_ link: String, _ dirfd: Int32, _ name: String) throws(SyscallError)
  /// fchdir(2).
  func changeDirectory(to fd: Int32) throws(SyscallError)
  /// pivot_root(".", ".") and umount2(".", MNT_DETACH).
  func pivotRootHere() throws(SyscallError)
  func detachHere() throws(SyscallError)
  /// mount_setattr(2) on an fd (AT_EMPTY_PATH).
  func mountSetattr(fd: Int32, recursive: Bool, set: MountAttributes, clear: MountAttributes) throws(SyscallError)
  /// socketpair(2) AF_UNIX SOCK_SEQPACKET with SOCK_CLOEXEC, for passing fds (unix(7) SCM_RIGHTS).
  func socketPair() throws(SyscallError) -> (Int32, Int32)
  /// setns(2) into the mount namespace of process `pid` (/proc/PID/ns/mnt): the process's root and working
  /// directory become that namespace's root.
  func enterMountNamespace(of pid: Int32) throws(SyscallError)
  /// statfs(2) of /proc/self/fd: returns when it is proc's (f_type PROC_SUPER_MAGIC) or there is no /proc.
  ///
  /// - Throws: ``SyscallError`` EXDEV when another file system covers it (a mount on /proc), so that a path through
  ///   it would not be the fd's own.
  func checkProcFD() throws(SyscallError)
  /// open(2) of /proc/self/ns/mnt, `/` and `.` (O_CLOEXEC): where ``returnToMountNamespace(_:)`` goes back to.
  func saveMountNamespace() throws(SyscallError) -> SavedMountNamespace
  /// setns(2) back into `saved`'s mount namespace, then fchdir(2) and chroot(2) to its root and fchdir(2) to its
  /// working directory (setns resets both); closes the three fds.
  func returnToMountNamespace(_ saved: SavedMountNamespace) throws(SyscallError)
  /// open(2) O_RDONLY|O_CLOEXEC|O_NOCTTY of a namespace file (`/run/netns/x`, `/proc/PID/ns/net`): an fd setns(2)
  /// takes.
  func openNamespace(_ path: String) throws(SyscallError) -> Int32
  /// pidfd_open(2) of `pid` (Linux 5.3): an fd that names that process until it is closed, close-on-exec.
  func pidfdOpen(_ pid: Int32) throws(SyscallError) -> Int32
  /// setns(2) of the namespace file or pidfd `fd` with `namespaces` (namespaces(7) types; several only for a pidfd,
  /// Linux 5.8). Fails with EINVAL in a multithreaded process for a user or mount namespace.
  func setns(_ fd: Int32, _ namespaces: CloneFlags) throws(SyscallError)
  /// sendmsg(2) of `fds` as SCM_RIGHTS over `socket`, in messages of at most 250.
  func sendFDs(_ fds: [Int32], over socket: Int32) throws(SyscallError)
  /// recvmsg(2) of exactly `count` fds sent by ``sendFDs(_:over:)``, close-on-exec, in the order sent; EPROTO when
  /// a message holds another number.
  func receiveFDs(count: Int, from socket: Int32) throws(SyscallError) -> [Int32]

  // The new mount API (see ``DetachedMount``): every mount made detached, configured by fd, attached onto an fd.
  /// fsopen(2) of the filesystem type `fstype` (FSOPEN_CLOEXEC): a filesystem context fd.
  func fsopen(_ fstype: String) throws(SyscallError) -> Int32
  /// fsconfig(2) FSCONFIG_SET_STRING of `key` to `value` on `context`, or FSCONFIG_SET_FLAG when `value` is nil.
  func fsconfig(_ context: Int32, key: String, value: String?) throws(SyscallError)
  /// fsconfig(2) FSCONFIG_SET_FD of `key` to the open file `fd` (an overlayfs layer).
  func fsconfig(_ context: Int32, key: String, fd: Int32) throws(SyscallError)
  /// fsconfig(2) FSCONFIG_CMD_CREATE: the filesystem instance is made.
  func fsconfigCreate(_ context: Int32) throws(SyscallError)
  /// fsmount(2) FSMOUNT_CLOEXEC with `attributes`: the fd of a new detached mount of `context`'s filesystem.
  func fsmount(_ context: Int32, attributes: MountAttributes) throws(SyscallError) -> Int32
  /// open_tree(2) OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC|AT_EMPTY_PATH, with AT_RECURSIVE when `recursive`: the fd of a
  /// detached copy of the mount (tree) at the open file `fd`, as a bind would make it.
  func openTree(_ fd: Int32, recursive: Bool) throws(SyscallError) -> Int32
  /// move_mount(2) of the mount at `from` onto the file open at `to`, MOVE_MOUNT_F_EMPTY_PATH|MOVE_MOUNT_T_EMPTY_PATH.
  func moveMount(_ from: Int32, onto to: Int32) throws(SyscallError)
  /// mount_setattr(2) AT_EMPTY_PATH (and AT_RECURSIVE when `recursive`) setting the propagation type in
  /// `propagation` (one of MS_PRIVATE, MS_SLAVE, MS_SHARED, MS_UNBINDABLE).
  func mountSetattr(fd: Int32, recursive: Bool, propagation: MountFlags) throws(SyscallError)
  /// umount2(2) MNT_DETACH|UMOUNT_NOFOLLOW of the bare `name` in the folder `dirfd` (a mount on a file).
  func detach(_ dirfd: Int32, _ name: String) throws(SyscallError)

  // Live sandboxes (`up`, `down`, the state store).
  /// dup2(2) of /dev/null onto fd 0 and of `output` (opened O_APPEND, created 0600, openat2(2) RESOLVE_NO_SYMLINKS)
  /// onto fds 1 and 2: a process that outlives nsbuild holds none of its caller's streams.
  func redirectStandardStreams(output: String) throws(SyscallError)
  /// sigaction(2) SIGCHLD to SIG_IGN, so every child is reaped as it ends (wait(2) "NOTES"), then pause(2) for ever:
  /// only a signal whose handler ends the process, or SIGKILL, ends it.
  func holdUntilSignalled() -> Never
  /// sigaction(2) SIG_DFL for every signal that has a handler, and an empty signal mask (sigprocmask(2)): a process
  /// forked from nsbuild that stays without execve(2) (pasta's keeper) keeps none of nsbuild's signal handling.
  func defaultSignalHandling()
  /// pasta's keeper (``Syscall/startLivePasta(program:arguments:output:)``): poll(2) of `watched` (a pidfd) and of a
  /// pidfd of `helper`, a child of the caller, until either ends; then SIGTERM to `helper`, SIGKILL after a second,
  /// waitpid(2) of it, and _exit(2) 0.
  func keepHelper(_ helper: Int32, until watched: Int32) -> Never
  /// The real-time signal that tells a live sandbox's init its main command is being replaced (SIGRTMIN+6).
  var handoffSignal: Int32 { get }
  /// Whether ``handoffSignal`` is pending, sent by kill(2) or pidfd_send_signal(2) (si_code SI_USER) and, with
  /// `outsideOnly`, from outside the caller's pid namespace (si_pid 0: what no process inside can forge; signal(7),
  /// pid_namespaces(7)); takes every pending one. Only meaningful with the signal blocked.
  func takeHandoff(outsideOnly: Bool) -> Bool
  /// pidfd_send_signal(2) of ``handoffSignal`` as si_code SI_QUEUE: it takes back the handoff sent before it, which
  /// ``takeHandoff(outsideOnly:)`` then does not count (an apply interrupted while the old main command still runs).
  func cancelHandoff(_ pidfd: Int32) throws(SyscallError)
  /// flock(2) LOCK_EX on `name` in `dirfd` (created 0600 when missing, never through a symlink), waiting for any
  /// other holder; retried while the file locked is no longer the one named so (its holder removed it). The fd that
  /// holds the lock until closed. Throws ENOENT when the folder itself was removed meanwhile.
  func lockExclusiveWaiting(_ dirfd: Int32, _ name: String) throws(SyscallError) -> Int32
  /// flock(2) LOCK_UN: releases the lock the open file `fd` holds, even while a forked child still has a copy of
  /// the fd (flock(2): the lock belongs to the open file description all those copies share).
  func unlock(_ fd: Int32)
  /// fstatvfs(2) of `fd` (an O_PATH one too): whether the mount holding it has MS_NOEXEC, where execve(2) of any
  /// file fails with EACCES.
  func isOnNoexecMount(_ fd: Int32) -> Bool
  /// pidfd_open(2): an fd that names process `pid` for as long as it is open, whatever pid is reused later.
  func openProcess(_ pid: Int32) throws(SyscallError) -> Int32
  /// pidfd_send_signal(2): `signal` to the process `pidfd` names (ESRCH once it ended).
  func signalProcess(_ pidfd: Int32, _ signal: Int32) throws(SyscallError)
  /// poll(2) of `pidfd` for up to `milliseconds` (nil: no limit): whether the process ended. Throws EINTR when a
  /// signal kept by ``deferSignals(_:)`` came before or during the wait: the wait is cut short for it.
  func waitForEnd(_ pidfd: Int32, milliseconds: Int32?) throws(SyscallError) -> Bool

  // Changing a live sandbox in place (`plan --target`).
  /// fspick(2) of the mount at `fd`, fsconfig(2) of `key` = `value`, FSCONFIG_CMD_RECONFIGURE.
  func reconfigure(_ fd: Int32, key: String, value: String) throws(SyscallError)
  /// fchmod(2) of the folder open at `fd`.
  func changeMode(of fd: Int32, mode: UInt32) throws(SyscallError)
  /// fchown(2) of the folder open at `fd`; nil keeps that ID.
  func changeOwner(of fd: Int32, uid: UInt32?, gid: UInt32?) throws(SyscallError)
  /// renameat(2) of `from` to `to`, both in the folder `dirfd`.
  func rename(_ dirfd: Int32, _ from: String, to: String) throws(SyscallError)
  /// prlimit(2) of resource number `resource` on `pid`; nil for RLIM_INFINITY.
  func prlimit(_ pid: Int32, _ resource: Int32, soft: UInt64?, hard: UInt64?) throws(SyscallError)
  /// One rtnetlink(7) exchange: socket(2) AF_NETLINK NETLINK_ROUTE in the caller's network namespace (with
  /// NETLINK_EXT_ACK and NETLINK_CAP_ACK, so an error carries the kernel's text), send(2) of `message` to the
  /// kernel, recv(2) of the answer (one datagram), close(2). The answer is returned as received, undecoded.
  func rtnetlink(_ message: [UInt8]) throws(SyscallError) -> [UInt8]
  /// fcntl(2) F_SETFD 0: `fd` stays open across execve(2) (a pipe handed to a helper program).
  func keepAcrossExec(_ fd: Int32) throws(SyscallError)
}

/// What fstat(2) says of a file: its type, owner (`st_uid`), group and permission bits (`st_mode & 07777`, the
/// setuid, setgid and sticky bits included).
public struct FileStatus: Sendable, Hashable {
  public var kind: FileKind
  public var owner: UInt32
  public var group: UInt32
  public var mode: UInt32

  public init(kind: FileKind, owner: UInt32, group: UInt32, mode: UInt32) {
    self.kind = kind
    self.owner = owner
    self.group = group
    self.mode = mode
  }
}

/// How a child ended (wait(2)).
public enum WaitStatus: Sendable, Hashable {
  case exited(Int32)
  case signaled(Int32)

  /// The shell's convention: the exit status, or 128+N for death by signal N.
  public var exitCode: Int32 {
    switch self {
    case .exited(let code): code
    case .signaled(let signal): 128 + signal
    }
  }
}

/// The type of a file, as stat(2) tells it.
public enum FileKind: Sendable, Hashable {
  case directory, regular, symlink, other
}

/// What tells a file apart from another that later took its name: device and inode numbers, which a file system
/// may hand out again as soon as a file is deleted, and the birth time (statx(2) `stx_btime`), which it does not.
public struct FileIdentity: Sendable, Hashable {
  public var device: UInt64
  public var inode: UInt64
  /// Seconds and nanoseconds since the epoch; nil where the file system keeps no birth time.
  public var birth: Birth?

  public struct Birth: Sendable, Hashable {
    public var seconds: Int64
    public var nanoseconds: UInt32

    public init(seconds: Int64, nanoseconds: UInt32) {
      self.seconds = seconds
      self.nanoseconds = nanoseconds
    }
  }

  public init(device: UInt64, inode: UInt64, birth: Birth?) {
    self.device = device
    self.inode = inode
    self.birth = birth
  }
}
