import Netlink
import SpecParser

/// A call `run` makes, with its arguments. The applier interprets these values and nothing else. Every associated
/// value has a label: the synthesized `Codable` form (`{"mountAt": {"target": 3, …}}`) is the call as data.
public enum Syscall: Sendable, Hashable, Codable {
  case fork
  /// clone(2) CLONE_VM|SIGCHLD of the command's process, on a stack of its own, as posix_spawn(3) starts a child: it
  /// shares its parent's memory until its execve(2), so no page table is copied and no page copied on write. The
  /// calls of the command's steps that follow are made in the child by C code (nsb_spawn_command), from a list its
  /// parent built before the clone; no Swift code runs there.
  case cloneVM
  /// prctl(2) PR_SET_PDEATHSIG in the child.
  case setParentDeathSignal(signal: Int32)
  /// prctl(2) PR_SET_DUMPABLE: while 0, /proc/PID/{cwd,root,fd,mem} of the process are closed to every process
  /// without CAP_SYS_PTRACE in the user namespace its memory was made in (proc(5), ptrace(2) "Ptrace access mode
  /// checking"), which is the host's for the sandbox process.
  case setDumpable(dumpable: Bool)
  /// Ends the process (status 137, as SIGKILL) if its parent died before PR_SET_PDEATHSIG took effect: a child
  /// polls the read end of a pipe whose only write end its parent holds (a hang-up means the parent is gone; this
  /// works from a new pid namespace, where getppid(2) reads 0); nsbuild itself compares getppid(2) with its parent
  /// at start.
  case checkParent
  /// sigaction(2) in the parent: these signals are passed on to the child just forked.
  case forwardSignals(signals: [Int32], toGroup: Bool = false)
  case unshare(flags: CloneFlags)
  /// write(2) of `contents` to `/proc/<sandbox pid>/<file>`.
  case writeProcFile(file: String, contents: String)
  /// Runs the set-user-ID helper newuidmap(1) or newgidmap(1) for the sandbox process with `map`'s lines (each
  /// "inside outside count"), and waits for it: how an unprivileged caller maps ranges from /etc/subuid.
  case idMapHelper(program: String, map: String)
  case mount(source: String?, target: String, fstype: String?, flags: MountFlags, data: String?)
  case mountSetattr(path: String, recursive: Bool, set: MountAttributes)
  case sethostname(name: String)
  case setdomainname(name: String)
  /// open(2) of a host path with O_PATH|O_CLOEXEC into fd slot `slot`: sources are taken before any mount can hide
  /// them (a tmpfs on /tmp, a new root), and later calls use the fd, not the path.
  case openPath(path: String, slot: Int)
  /// openat2(2) of a folder with RESOLVE_NO_SYMLINKS into fd slot `slot`: a root folder reached through a symlink
  /// (one someone could swap) is refused.
  case openDirectoryNoSymlinks(path: String, slot: Int)
  /// openat2(2) of the host path `path` with O_PATH and RESOLVE_NO_SYMLINKS into fd slot `slot`: `path` is what
  /// `plan` resolved, every symlink on the way (`via`, as plan read them) already replaced, so a symlink swapped in
  /// since is refused (ELOOP), never followed.
  case openNoSymlinks(path: String, slot: Int, via: [HostLink])
  /// flock(2) LOCK_SH|LOCK_NB on the mount point open in fd slot `slot` (reopened read-only), held until the
  /// sandbox ends by the sandbox process, which the command cannot reach: another run's undo removes a folder only
  /// when it can lock it exclusively, so it never takes away a mount point this sandbox uses.
  case lockShared(slot: Int, path: String)
  /// close(2) of every fd slot, so the command cannot reach them through /proc/1/fd.
  case closeSlots
  /// openat2(2) of `path` beneath the root in fd slot `root` with RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS into fd
  /// slot `slot`: a symlink on the way resolves inside the sandbox's root, never outside it. With `create`, a
  /// missing path is made first (directories 0755 and, for a file, an empty 0444 file, as bwrap does).
  case resolve(root: Int, path: String, create: MountPointKind?, slot: Int, lookup: PathLookup = .inRoot)
  /// mount(2) onto the path open in fd slot `target` (through /proc/self/fd), from a filesystem or fd slot: only
  /// where the kernel lacks the new mount API (``DetachedMount``), since whatever covers /proc then resolves it.
  case mountAt(source: MountSource, target: Int, path: String, fstype: String?, flags: MountFlags, data: String?)
  /// An overlay mounted onto fd slot `target`, its layers given as /proc/self/fd paths of fd slots (so no path is
  /// parsed out of the option string, whatever characters it holds). With `userXattr` (in a user namespace, where
  /// `trusted.*` xattrs cannot be written), the `userxattr` option: overlayfs then keeps whiteouts, opaque folders
  /// and redirects in `user.overlay.*` xattrs, without which removing or renaming a lower folder fails (EXDEV, EIO).
  case mountOverlay(
    target: Int, path: String, lower: [Int], upper: Int?, work: Int?, flags: MountFlags, userXattr: Bool = false)
  /// Binds `path` (relative), beneath the fresh filesystem whose root is in fd slot `mount` (openat2(2)
  /// RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS), onto itself and makes that bind read-only, nosuid, nodev and noexec,
  /// recursively; skipped when this kernel has no such path (ENOENT), as runc does. `shown` is the path inside the
  /// sandbox, for errors. With the new mount API (open_tree(2), mount_setattr(2) on the detached copy,
  /// move_mount(2)); with `throughProc`, where the kernel lacks it, mount(2) through /proc/self/fd.
  case readOnlyPath(mount: Int, path: String, shown: String, throughProc: Bool = false)
  /// Covers `path` beneath the fresh filesystem in fd slot `mount`: with a read-only bind of the null device in fd
  /// slot `nullDevice` (a file, which then reads empty), or without one with an empty read-only tmpfs (a folder);
  /// skipped when this kernel has no such path (ENOENT). Made detached and moved on as ``readOnlyPath`` is.
  case maskPath(mount: Int, path: String, shown: String, nullDevice: Int?, throughProc: Bool = false)
  /// mount_setattr(2) on the mount open in fd slot `slot`.
  case setattrAt(slot: Int, path: String, recursive: Bool, set: MountAttributes, clear: MountAttributes)
  /// mount_setattr(2) clearing MOUNT_ATTR_RDONLY on the mount in fd slot `slot`, only when the source in fd slot
  /// `source` was on a writable mount when it was opened: a bind on a host tree made read-only gets back the
  /// writability its source had, and never more.
  case restoreWritable(slot: Int, source: Int, path: String)
  /// mount(2) with a propagation flag on the mount open in fd slot `slot`.
  case propagateAt(slot: Int, path: String, flags: MountFlags)
  /// fsopen(2) of the filesystem type `fstype` (FSOPEN_CLOEXEC) into fd slot `slot`: a filesystem context, set up by
  /// the fsconfig(2) calls after it and mounted, detached, by ``fsmount(context:attributes:slot:)`` (see
  /// ``DetachedMount``).
  case fsopen(fstype: String, slot: Int)
  /// fsconfig(2) FSCONFIG_SET_STRING of `key` to `value` on the context in fd slot `context`, or FSCONFIG_SET_FLAG
  /// of `key` when `value` is nil.
  case fsconfigString(context: Int, key: String, value: String?)
  /// fsconfig(2) FSCONFIG_SET_FD of `key` to the fd in slot `fd` (opened as `path`): an overlayfs layer given as an
  /// fd, so no path is looked up or parsed out of an option string, whatever characters it holds.
  case fsconfigFD(context: Int, key: String, fd: Int, path: String)
  /// fsconfig(2) FSCONFIG_CMD_CREATE on the context in fd slot `context`: the filesystem for the mount at `path`.
  case fsconfigCreate(context: Int, path: String)
  /// fsmount(2) FSMOUNT_CLOEXEC of the context in fd slot `context` with `attributes`, into fd slot `slot`: a mount
  /// attached nowhere yet, for `path` in the sandbox.
  case fsmount(context: Int, attributes: MountAttributes, slot: Int, path: String)
  /// open_tree(2) OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC|AT_EMPTY_PATH of the fd in slot `source` (opened as `path`),
  /// with AT_RECURSIVE when `recursive`, into fd slot `slot`: a bind attached nowhere yet, for `target` in the sandbox
  /// (which errors beneath it name).
  case openTree(source: Int, path: String, recursive: Bool, slot: Int, target: String)
  /// move_mount(2) MOVE_MOUNT_F_EMPTY_PATH|MOVE_MOUNT_T_EMPTY_PATH of the detached mount in fd slot `from` onto the
  /// file open in fd slot `to` (`path` in the sandbox): from then on `from` is the root of the mount there.
  case moveMount(from: Int, to: Int, path: String)
  /// mount_setattr(2) AT_EMPTY_PATH (AT_RECURSIVE when `recursive`) setting the propagation type in `propagation`
  /// (MS_PRIVATE, MS_SLAVE, MS_SHARED or MS_UNBINDABLE) on the mount in fd slot `slot`; made once it is attached,
  /// since attaching beneath a shared mount makes it shared.
  case setPropagation(slot: Int, path: String, recursive: Bool, propagation: MountFlags)
  /// mkdir -p of `path` beneath root slot `root`; the last directory gets `mode` if it is new.
  case makeDirectory(root: Int, path: String, mode: UInt32, lookup: PathLookup = .inRoot)
  /// A regular file at `path` beneath root slot `root` with `contents` and `mode`.
  case createFile(root: Int, path: String, contents: String, mode: UInt32, lookup: PathLookup = .inRoot)
  /// symlinkat(2): `path` beneath root slot `root` pointing at `link`; an existing identical link is kept.
  case symlink(root: Int, path: String, link: String, lookup: PathLookup = .inRoot)
  /// fchdir(2) into fd slot `slot`.
  case changeDirectoryTo(slot: Int, path: String)
  /// pivot_root(".", "."): the current directory becomes `/`, the old root stacked on it.
  case pivotRoot
  /// umount2(".", MNT_DETACH): detaches the old root stacked by pivot_root.
  case detachOldRoot
  /// ioctl(2) SIOCSIFFLAGS on `lo` with IFF_UP.
  case loopbackUp
  /// ioctl(2) SIOCSIFFLAGS on `lo` without IFF_UP (netdevice(7)): what a fresh network namespace has; `apply` takes
  /// it down when the spec no longer brings it up, and when it takes back an apply that did.
  case loopbackDown
  /// Zero nsbuild's own environment strings so `/proc/1/environ` shows none of them.
  case scrubEnvironment
  /// prctl(2) PR_SET_NAME of `name` (`/proc/PID/comm`), and the argument strings nsbuild was started with overwritten
  /// in place by `name` (`/proc/PID/cmdline`, proc(5)): a process of the sandbox shows no host command line (the
  /// spec's path, the options). PR_SET_MM_ARG_START would need CAP_SYS_RESOURCE in the host's user namespace.
  case nameProcess(name: String)
  /// posix_openpt(3) O_RDWR|O_NOCTTY|O_CLOEXEC of the host's /dev/ptmx, grantpt(3), unlockpt(3), then ioctl(2)
  /// TIOCGPTPEER (Linux 4.13) for the replica: opened from the master's fd, never looked up by a path in /dev/pts. Both
  /// ends stay with nsbuild until the sandbox process takes the replica (``useTerminalReplica``).
  case openPseudoTerminal
  /// ioctl(2) TIOCGWINSZ of nsbuild's stdin (the caller's terminal), then TIOCSWINSZ of it on the pseudo-terminal's
  /// master: the kernel sends SIGWINCH to the pseudo-terminal's foreground process group when the size changes (tty_ioctl(4)).
  case copyWindowSize
  /// dup2(2) of the pseudo-terminal's replica onto fds 0, 1 and 2, then close(2) of the replica and of the master: from
  /// here no process of the sandbox holds an fd of the caller's terminal, nor the master.
  case useTerminalReplica
  /// ioctl(2) TIOCSCTTY of fd 0 (the replica) after setsid(2): the pseudo-terminal becomes the command's controlling
  /// terminal (`/dev/tty`), so a shell inside has job control, and TIOCSTI reaches only that pseudo-terminal.
  case setControllingTerminal
  /// The pseudo-terminal's replica (nsbuild's, else fd 0) opened again by its path, for a bind onto a minimal /dev's
  /// `console` (as bwrap binds its caller's terminal there): `/dev/pts/N`, N from its device number (fstat(2)),
  /// opened with openat2(2) O_PATH and RESOLVE_NO_SYMLINKS into fd slot `slot` in the sandbox's mount namespace
  /// (whose copy of the host's devpts mount(2) can bind from), and refused (EXDEV) unless it is the same device.
  case openTerminalReplica(slot: Int)
  /// The caller's terminal (stdin) set to raw mode (cfmakeraw(3), tcsetattr(3) TCSADRAIN), then poll(2) of stdin,
  /// the master, a signalfd(2) of SIGWINCH (blocked) and a pidfd of the sandbox process: bytes copied both ways, the
  /// window size copied again on SIGWINCH, until the sandbox process ends; then what the master still holds is
  /// written out and the caller's termios are put back as they were, however the command ended.
  case relayTerminal
  case setsid
  case setrlimit(limit: ResourceLimit)
  case setgroups(groups: [UInt32])
  case setresgid(gid: UInt32)
  case setresuid(uid: UInt32)
  /// prctl(2) PR_SET_KEEPCAPS, so a switch away from uid 0 keeps the permitted set.
  case keepCapabilities
  /// prctl(2) PR_CAPBSET_DROP for every capability not kept.
  case dropBoundingSet(keep: [Capability])
  /// capset(2): effective, permitted and inheritable become exactly `keep`.
  case capset(capabilities: [Capability])
  /// prctl(2) PR_CAP_AMBIENT_RAISE for each kept capability, so they survive execve(2) for a non-root uid.
  case raiseAmbient(capabilities: [Capability])
  case setNoNewPrivs
  case umask(mask: UInt32)
  case chdir(path: String)
  /// close_range(2) with CLOSE_RANGE_CLOEXEC: only fds below `first` (0, 1, 2) reach the command.
  case closeOnExecFrom(first: Int32)
  /// execve(2) of the command; a program name without `/` is searched in the sandbox's PATH.
  case execve(command: Command)
  /// tcsetpgrp(3) of the terminal nsbuild had in the foreground when it started back to nsbuild's process group,
  /// with SIGTTOU blocked, when the command's end left a group with no process in the foreground.
  case takeBackForeground
  /// setns(2) of the parent into the sandbox process's new mount namespace, so that what it opens there with its own
  /// (host) credentials lies on that namespace's copies of the host's mounts, which mount(2) can bind from.
  case enterMountNamespace
  /// open(2) of nsbuild's own /proc/self/ns/mnt, root and working directory, before ``enterMountNamespace``.
  case saveMountNamespace
  /// setns(2) back into the mount namespace ``saveMountNamespace`` kept, then chroot(2) and fchdir(2) to its root
  /// and working directory: nsbuild does not stay in the sandbox's namespace, whose pivot_root(2) would move it.
  case returnToMountNamespace
  /// sendmsg(2) SCM_RIGHTS of the fds in `slots`, in order, to init; then close(2) of each.
  case sendSlots(slots: [Int])
  /// recvmsg(2) SCM_RIGHTS of the fds the parent sent, into `slots`, in order.
  case receiveSlots(slots: [Int])
  /// dup2(2) of /dev/null onto fd 0 and of `output` (O_APPEND, created 0600, openat2(2) RESOLVE_NO_SYMLINKS) onto
  /// fds 1 and 2: a sandbox that outlives nsbuild (`up`) keeps none of its caller's streams open.
  case redirectStandardStreams(output: String)
  /// sigaction(2) SIGCHLD to SIG_IGN (children are reaped as they end), then pause(2) until a signal ends the
  /// process: init holding a live sandbox's namespaces with no command of its own.
  case holdUntilSignalled
  /// waitpid(2) on the command this process forked, then pidfd_send_signal(2) of SIGTERM to the init the pidfd in
  /// `slot` names: a main command that `apply` started anew ends its sandbox when it ends, as the first did.
  case endSandboxAfterCommand(slot: Int)
  /// close_range(2) of every fd from 3 but the chain's own pipes and sockets: what nsbuild's caller left open (a
  /// process spawner's socket, nsbuild's lock on the state folder) does not stay open in a sandbox that outlives it.
  case closeInheritedDescriptors
  /// umount2(2) MNT_DETACH of the folder mount open in fd slot `slot` (`path` in the sandbox): a mount taken off a
  /// live sandbox; processes that still use it keep it until they let go (umount(2)).
  case unmount(slot: Int, path: String)
  /// open_tree(2) OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC|AT_RECURSIVE|AT_EMPTY_PATH of the mount open in fd slot `slot`
  /// (`path` in the sandbox), sent to nsbuild (sendmsg(2) SCM_RIGHTS) and closed here: nsbuild keeps that detached
  /// copy until `apply` ends. It shares the mount's superblock (open_tree(2)), so a tmpfs's files, and the mounts
  /// beneath it, outlive the umount2(2) that follows, for ``restoreMount(slot:path:)`` to attach again when a later
  /// step fails; closed once `apply` is done, the copy goes (and a tmpfs's files with it).
  case keepMount(slot: Int, path: String)
  /// move_mount(2) MOVE_MOUNT_F_EMPTY_PATH|MOVE_MOUNT_T_EMPTY_PATH of the copy nsbuild kept of the mount taken off
  /// `path` (``keepMount(slot:path:)``, the newest for that path) onto the folder open in fd slot `slot`: the mount
  /// attached again as it stood, its files and the mounts beneath it included.
  case restoreMount(slot: Int, path: String)
  /// fspick(2) FSPICK_EMPTY_PATH of the mount open in fd slot `slot`, fsconfig(2) FSCONFIG_SET_STRING of `key` to
  /// `value`, then FSCONFIG_CMD_RECONFIGURE: a superblock option changed in place (a tmpfs `size`, tmpfs(5)).
  case reconfigure(slot: Int, path: String, key: String, value: String)
  /// fchmodat(2) of the root folder of the mount open in fd slot `slot` (`path` in the sandbox) to `mode`: what a
  /// tmpfs `mode` option sets, changed without a new tmpfs (tmpfs(5)).
  case changeMode(slot: Int, path: String, mode: UInt32)
  /// fchown(2) of the root folder of the mount open in fd slot `slot` to `uid` and `gid` (nil: kept), as IDs of the
  /// process's user namespace: what a tmpfs `uid`/`gid` option sets, changed without a new tmpfs (tmpfs(5)).
  case changeOwner(slot: Int, path: String, uid: UInt32?, gid: UInt32?)
  /// prlimit(2) of `limit` on a live sandbox's process `target` (its init, or its main command), once
  /// `/proc/PID/stat` shows its start time.
  case prlimit(target: ProcessIdentity, limit: ResourceLimit)
  /// A `[[files]]` file that stands in a live sandbox made anew: the folder of `path` opened beneath root slot `root`
  /// (RESOLVE_IN_ROOT), a new file holding `contents` with `mode` written there as `.NAME.nsbuild-new`, then
  /// renameat(2) over `NAME`: no reader sees it half-written, and a symlink at `NAME` is replaced, never followed.
  case replaceFile(root: Int, path: String, contents: String, mode: UInt32)
  /// A `[[files]]` file removed from a live sandbox: the folder of `path` opened beneath root slot `root`
  /// (RESOLVE_IN_ROOT), then unlinkat(2) of its last name, never following it (a folder there fails with EISDIR);
  /// one already gone is not an error.
  case removeFile(root: Int, path: String)
  /// open(2) O_RDONLY|O_CLOEXEC of the `namespace` file `file` into fd slot `slot`. For a process's
  /// `/proc/PID/ns/TYPE`, its start time is read again once the file is open: a different one (the pid was
  /// recycled) fails with ESRCH, and the fd is closed.
  case openNamespace(namespace: Namespace, file: NamespaceFile, slot: Int)
  /// pidfd_open(2) of `pid` into fd slot `slot` (Linux 5.3), then its start time read again (ESRCH when it is no
  /// longer `startTime`): from then on the fd names that process, whatever reuses its pid.
  case pidfdOpen(pid: Int32, startTime: UInt64, slot: Int)
  /// setns(2) of the fd in slot `slot` with `namespaces`: one `CLONE_NEW*` type for a namespace file, which the
  /// kernel checks (EINVAL for another), or several for a pidfd (Linux 5.8), entered at once; then close(2) of it.
  case setns(slot: Int, namespaces: CloneFlags)
  /// pidfd_open(2) of `target` (its start time read again once the pidfd is open: ESRCH for another process), then
  /// pidfd_send_signal(2) of the handoff signal (SIGRTMIN+6, ``LinuxKernel/handoffSignal``): the main command's keeper
  /// (init, or the keeper an earlier `apply` left) then takes the end of its command as not the sandbox's. Init takes
  /// it only from outside its pid namespace (its si_pid is 0 there), so only `apply` can send it.
  case sendHandoffSignal(target: ProcessIdentity)
  /// `apply`, before it ends a main command to replace it: the new command's program found as execve(2) would find it
  /// inside the sandbox, without running it. nsbuild opens `/proc/<target pid>/root` (the root of `target`, the
  /// sandbox's init: its own /proc, which the sandbox cannot change) with O_PATH and reads `target`'s start time
  /// again (ESRCH for another process), then looks the program up beneath that fd with openat2(2)
  /// RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS (a symlink resolves inside the sandbox's root): a name without `/` in each
  /// folder of the command's PATH in turn, as execvp(3) searches it, a relative path from `directory` (the command's
  /// working folder). Each must be a regular file with an execute bit on a mount without MS_NOEXEC (fstat(2),
  /// fstatvfs(3)). Fails with the errno execve(2) would give (ENOENT, EACCES, ENOTDIR, ELOOP): the old command is
  /// then still running. The execute bit is not checked against the command's own IDs and capabilities, nor a
  /// script's interpreter: those failures still come at execve(2).
  case checkProgram(target: ProcessIdentity, command: Command, directory: String)
  /// pidfd_open(2) of `target` (nothing to do when it ended, or its pid now names another process), then
  /// pidfd_send_signal(2) of SIGTERM, poll(2) on the pidfd for `graceMilliseconds`, SIGKILL when it still runs, and
  /// poll(2) until it ended (pidfd_open(2), pidfd_send_signal(2)).
  case endProcess(target: ProcessIdentity, graceMilliseconds: Int32)
  /// open(2) O_RDONLY|O_CLOEXEC of the sandbox process's `/proc/<pid>/ns/TYPE` into fd slot `slot`, by nsbuild, in
  /// its own /proc: the pid is its unreaped child's, so it names no other process.
  case openSandboxNamespace(namespace: Namespace, slot: Int)
  /// One rtnetlink(7) request on a NETLINK_ROUTE socket of the calling process's network namespace, answered by an
  /// acknowledgement (NLMSG_ERROR 0) or an errno. Interface indexes it names are looked up first (RTM_GETLINK); an
  /// fd slot it names (IFLA_NET_NS_FD) is closed once it is sent.
  case rtnetlink(request: RouteRequest)
  /// fork(2) and execve(2) of pasta(1) `program` with `arguments`, then `--pid /dev/fd/N` (a pipe) and the sandbox
  /// process's pid: pasta joins its user and network namespaces, sets up its tap interface there, and writes its pid
  /// to the pipe once the namespace's network is configured, which nsbuild waits for. pasta dies with nsbuild
  /// (PR_SET_PDEATHSIG) and is ended (SIGTERM) when the sandbox ends: it does not end by itself when the namespace
  /// goes.
  case startPasta(program: String, arguments: [String])
  /// `up`: pasta as ``startPasta(program:arguments:)`` starts it, but not nsbuild's child: nsbuild opens a pidfd
  /// of the sandbox process (its unreaped child, so the pid names no other process) and fork(2)s a keeper
  /// (`nsbuild-pasta`, prctl(2) PR_SET_NAME), which takes a session of its own (setsid(2)), stdin from /dev/null and stdout and stderr to `output` (the sandbox's
  /// log), closes every other fd, and forks pasta with PR_SET_PDEATHSIG SIGKILL tied to the keeper. The keeper
  /// poll(2)s the sandbox process's pidfd and pasta's: once the sandbox process ends it ends pasta (SIGTERM, SIGKILL
  /// after a second) and reaps it. The sandbox process dies with nsbuild until the sandbox's record is saved
  /// (``Handoff/Kind/recorded``), so until then pasta does too; after that pasta outlives nsbuild, ends with the
  /// sandbox, and `down` ends it by its recorded pid and start time. nsbuild reads pasta's pid from the pipe.
  case startLivePasta(program: String, arguments: [String], output: String)
}

/// How a path beneath a root fd is looked up (openat2(2) `resolve` flags).
public enum PathLookup: String, Sendable, Hashable, Codable {
  /// RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS: a symlink on the way resolves inside the root, never outside it (a root
  /// folder, a tmpfs root, a fresh mount).
  case inRoot = "in_root"
  /// RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS: no symlink at all on the way (ELOOP). For host paths `plan` resolved (the
  /// host's tree as the root) and paths beneath a bind, which must not leave it through a symlink in its source.
  case noSymlinks = "no_symlinks"
}

/// A symlink `plan` found on the way to a host path: where it is and what it points to.
public struct HostLink: Sendable, Hashable, Codable, CustomStringConvertible {
  public var path: String
  public var destination: String

  public init(path: String, destination: String) {
    self.path = path
    self.destination = destination
  }

  public var description: String { "\(path) -> \(destination)" }
}

/// What a missing mount point is made as.
public enum MountPointKind: Sendable, Hashable, Codable {
  case directory
  case file
  /// A file or a directory, as the source in this fd slot is.
  case likeSource(slot: Int)
}

/// Where a mount comes from: a filesystem name (`tmpfs`, `proc`…) or a path open in an fd slot (a bind).
public enum MountSource: Sendable, Hashable, Codable {
  case name(filesystem: String)
  case slot(slot: Int, path: String)
}

/// The command the sandbox runs.
public struct Command: Sendable, Hashable, Codable {
  public var args: [String]
  /// Start from an empty environment rather than nsbuild's.
  public var clearEnv: Bool
  /// Variables set on top, in order.
  public var env: [EnvironmentVariable]
  /// Inherited variables removed.
  public var unset: [String]

  public init(args: [String], clearEnv: Bool, env: [EnvironmentVariable], unset: [String] = []) {
    self.args = args
    self.clearEnv = clearEnv
    self.env = env
    self.unset = unset
  }
}

extension Syscall {
  /// Whether the call starts a process: fork(2), or the clone(2) of the command's (``cloneVM``).
  public var startsProcess: Bool { self == .fork || self == .cloneVM }
}
