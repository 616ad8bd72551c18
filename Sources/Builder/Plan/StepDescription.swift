import SpecParser

extension Step {
  /// A one-line summary a person reads in `plan` and in error messages, e.g. `mount tmpfs on /tmp`.
  public var title: String {
    if let label { return label }
    switch kind {
    case .spawn: return "fork the sandbox process"
    case .endCommand: return "end the main command"
    case .checkProgram: return "find the new main command's program inside the sandbox"
    case .veth, .bridge: return networkTitle
    case .pasta: return "start pasta for the sandbox's network"
    case .join:
      let flags = calls.reduce(into: CloneFlags()) { flags, call in
        if case .setns(_, let namespaces) = call { flags.formUnion(namespaces) }
      }
      let names = Namespace.allCases.filter { flags.contains(CloneFlags($0)) }.map(\.rawValue)
      return names.isEmpty ? "join no namespace" : "join " + names.joined(separator: ", ")
    case .unshare:
      guard case .unshare(let flags) = calls.first else { return "unshare" }
      let names = Namespace.allCases.filter { flags.contains(CloneFlags($0)) }.map(\.rawValue)
      return "unshare " + names.joined(separator: ", ")
    case .setgroups, .uidMap, .gidMap, .timeOffsets:
      if case .writeProcFile(let file, let contents) = calls.first {
        return "write \(file): " + contents.split(separator: "\n").joined(separator: "; ")
      }
      guard case .idMapHelper(_, let map) = calls.first else { return kind.rawValue }
      return "write \(kind.rawValue) with a helper: " + map.split(separator: "\n").joined(separator: "; ")
    case .fork: return "fork into the new namespaces"
    case .propagation: return "make every mount private"
    case .hostname, .domainname:
      if case .sethostname(let name) = calls.first { return "set \(kind.rawValue) \(name)" }
      guard case .setdomainname(let name) = calls.first else { return kind.rawValue }
      return "set \(kind.rawValue) \(name)"
    case .loopback: return "bring lo up"
    case .mount: return mountTitle
    case .protect: return "protect a fresh proc or sysfs"
    case .sources: return "open the host paths the sandbox uses"
    case .root: return "set up the root"
    case .file: return "create a file"
    case .pivotRoot: return "pivot_root into the new root"
    case .readonlyRoot: return "make / read-only"
    case .closeFDs: return "close the setup fds"
    case .scrubEnvironment: return "wipe nsbuild's environment from init"
    case .spawnCommand: return "fork the command"
    case .foreground: return "give the terminal back to nsbuild's caller"
    case .terminal: return "open a pseudo-terminal for the command"
    case .relay: return "relay the caller's terminal to the command's pseudo-terminal"
    case .detach: return "leave nsbuild's session and streams"
    case .hold: return "hold the namespaces until SIGTERM"
    case .outlive: return "outlive nsbuild"
    case .deleteLink: return networkTitle
    case .session: return "start a new session"
    case .rlimits: return "set resource limits"
    case .boundingSet: return "drop capabilities from the bounding set"
    case .credentials: return "set user and group IDs"
    case .namespaceRoot: return "become root of the new user namespace"
    case .capabilities: return "set capabilities"
    case .noNewPrivs: return "set no_new_privs"
    case .umask: return "set umask"
    case .cwd:
      guard case .chdir(let path) = calls.first else { return "chdir" }
      return "change directory to \(path)"
    case .exec:
      for case .execve(let command) in calls {
        return "exec " + command.args.map(Quoting.shell).joined(separator: " ")
      }
      return "exec"
    case .unmount:
      guard case .mountTarget(let path) = subject else { return "unmount" }
      return "unmount \(path)"
    }
  }

  private var mountTitle: String {
    guard case .mount(let source, let target, let fstype, _, _) = calls.first else { return label ?? "mount" }
    if let fstype { return "mount \(fstype) on \(target)" }
    return "bind \(source ?? "?") on \(target)"
  }
}

extension Syscall: CustomStringConvertible {
  /// The call as C would write it, with flags by name: `mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID, "size=1M")`.
  /// Every case is listed: a new call does not compile until `plan` can show it.
  public var description: String {
    switch self {
    case .fork: return "fork()"
    case .cloneVM:
      return "clone(CLONE_VM|SIGCHLD) on a stack of its own; the child makes the command's calls below, "
        + "from a list made before the clone"
    case .setParentDeathSignal(let signal): return "prctl(PR_SET_PDEATHSIG, \(SignalNames.name(signal)))"
    case .setDumpable(let dumpable): return "prctl(PR_SET_DUMPABLE, \(dumpable ? 1 : 0))"
    case .checkParent: return "getppid() (init: poll(lifeline pipe)): exit if the parent died before that prctl"
    case .forwardSignals(let signals, true):
      return "sigaction(\(SignalNames.list(signals)), pass on to the child's process group)"
    case .forwardSignals(let signals, false):
      return "sigaction(\(SignalNames.list(signals)), pass on to the child)"
    case .unshare(let flags): return "unshare(\(flags))"
    case .writeProcFile(let file, let contents):
      return "write(\"/proc/<sandbox>/\(file)\", \(Quoting.c(contents)))"
    case .idMapHelper(let program, let map):
      return "\(program) <sandbox> " + map.split(separator: "\n").joined(separator: " ")
    case .mount(let source, let target, let fstype, let flags, let data):
      return "mount(\(Quoting.c(source)), \(Quoting.c(target)), \(Quoting.c(fstype)), \(flags), \(Quoting.c(data)))"
    case .mountSetattr(let path, let recursive, let set):
      return "mount_setattr(AT_FDCWD, \(Quoting.c(path)), \(recursive ? "AT_RECURSIVE" : "0"), {attr_set: \(set)})"
    case .sethostname(let name): return "sethostname(\(Quoting.c(name)), \(name.utf8.count))"
    case .setdomainname(let name): return "setdomainname(\(Quoting.c(name)), \(name.utf8.count))"
    case .loopbackUp: return "ioctl(socket, SIOCSIFFLAGS, {\"lo\", IFF_UP})"
    case .loopbackDown: return "ioctl(socket, SIOCSIFFLAGS, {\"lo\", ~IFF_UP})"
    case .scrubEnvironment: return "memset(environ strings, 0)"
    case .nameProcess(let name): return "prctl(PR_SET_NAME, \(Quoting.c(name))); argv strings overwritten with it"
    case .openPseudoTerminal:
      return "posix_openpt(O_RDWR|O_NOCTTY|O_CLOEXEC) = master; grantpt; unlockpt; ioctl(master, TIOCGPTPEER) = replica"
    case .copyWindowSize: return "ioctl(0, TIOCGWINSZ) -> ioctl(master, TIOCSWINSZ)"
    case .useTerminalReplica:
      return "dup2(replica, 0), dup2(replica, 1), dup2(replica, 2); close(replica); close(master)"
    case .setControllingTerminal: return "ioctl(0, TIOCSCTTY, 0)"
    case .openTerminalReplica(let slot):
      return
        "fstat(replica) = /dev/pts/N; openat2(AT_FDCWD, \"/dev/pts/N\", O_PATH, RESOLVE_NO_SYMLINKS) = fd[\(slot)], the same device"
    case .relayTerminal:
      return
        "tcsetattr(0, TCSADRAIN, cfmakeraw); poll(stdin, master, signalfd(SIGWINCH), pidfd(sandbox)) until the sandbox ends; tcsetattr(0, saved)"
    case .openPath(let path, let slot): return "open(\(Quoting.c(path)), O_PATH|O_CLOEXEC) = fd[\(slot)]"
    case .openDirectoryNoSymlinks(let path, let slot):
      return "openat2(AT_FDCWD, \(Quoting.c(path)), O_PATH|O_DIRECTORY, RESOLVE_NO_SYMLINKS) = fd[\(slot)]"
    case .closeSlots: return "close(fd[*]); close_range(3, ~0U, 0)"
    case .openNoSymlinks(let path, let slot, let via):
      let links = via.isEmpty ? "" : " (via " + via.map(\.description).joined(separator: ", ") + ")"
      return "openat2(AT_FDCWD, \(Quoting.c(path)), O_PATH, RESOLVE_NO_SYMLINKS) = fd[\(slot)]\(links)"
    case .lockShared(let slot, let path):
      return "flock(fd[\(slot)] (\(path)) reopened O_RDONLY, LOCK_SH|LOCK_NB), held by the sandbox process"
    case .resolve(let root, let path, let create, let slot, let lookup):
      let making: String
      switch create {
      case .directory: making = ", made as a directory if missing (and missing parents, 0755)"
      case .file: making = ", made as an empty file if missing (and missing parents, 0755)"
      case .likeSource(let source): making = ", made like fd[\(source)] if missing (and missing parents, 0755)"
      case nil: making = ""
      }
      return
        "openat2(fd[\(root)], \(Quoting.c(path)), O_PATH, \(lookup.flags)) = fd[\(slot)]\(making)"
    case .mountAt(let source, let target, let path, let fstype, let flags, let data):
      let from: String
      switch source {
      case .name(let name): from = Quoting.c(name)
      case .slot(let slot, let path): from = "fd[\(slot)] (\(path))"
      }
      return "mount(\(from), fd[\(target)] (\(path)), \(Quoting.c(fstype)), \(flags), \(Quoting.c(data)))"
    case .mountOverlay(let target, let path, let lower, let upper, let work, let flags, let userXattr):
      var data = "lowerdir=" + lower.map { "fd[\($0)]" }.joined(separator: ":")
      if let upper, let work { data += ",upperdir=fd[\(upper)],workdir=fd[\(work)]" }
      if userXattr { data += ",userxattr" }
      return "mount(\"overlay\", fd[\(target)] (\(path)), \"overlay\", \(flags), \"\(data)\")"
    case .setattrAt(let slot, let path, let recursive, let set, let clear):
      return
        "mount_setattr(fd[\(slot)] (\(path)), \"\", AT_EMPTY_PATH\(recursive ? "|AT_RECURSIVE" : ""), {attr_set: \(set), attr_clr: \(clear)})"
    case .restoreWritable(let slot, let source, let path):
      return
        "mount_setattr(fd[\(slot)] (\(path)), \"\", AT_EMPTY_PATH, {attr_clr: MOUNT_ATTR_RDONLY}) if fd[\(source)] was on a writable mount"
    case .propagateAt(let slot, let path, let flags): return "mount(NULL, fd[\(slot)] (\(path)), NULL, \(flags), NULL)"
    case .readOnlyPath(let mount, let path, _, let throughProc):
      return Self.readOnlyPathDescription(mount: mount, path: path, throughProc: throughProc)
    case .maskPath(let mount, let path, _, let nullDevice, let throughProc):
      return Self.maskPathDescription(mount: mount, path: path, nullDevice: nullDevice, throughProc: throughProc)
    case .fsopen(let fstype, let slot): return "fsopen(\(Quoting.c(fstype)), FSOPEN_CLOEXEC) = fd[\(slot)]"
    case .fsconfigString(let context, let key, let value?):
      return "fsconfig(fd[\(context)], FSCONFIG_SET_STRING, \(Quoting.c(key)), \(Quoting.c(value)), 0)"
    case .fsconfigString(let context, let key, nil):
      return "fsconfig(fd[\(context)], FSCONFIG_SET_FLAG, \(Quoting.c(key)), NULL, 0)"
    case .fsconfigFD(let context, let key, let fd, let path):
      return "fsconfig(fd[\(context)], FSCONFIG_SET_FD, \(Quoting.c(key)), NULL, fd[\(fd)] (\(path)))"
    case .fsconfigCreate(let context, _): return "fsconfig(fd[\(context)], FSCONFIG_CMD_CREATE, NULL, NULL, 0)"
    case .fsmount(let context, let attributes, let slot, _):
      return "fsmount(fd[\(context)], FSMOUNT_CLOEXEC, \(attributes)) = fd[\(slot)]"
    case .openTree(let source, let path, let recursive, let slot, _):
      return
        "open_tree(fd[\(source)] (\(path)), \"\", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC|AT_EMPTY_PATH\(recursive ? "|AT_RECURSIVE" : "")) = fd[\(slot)]"
    case .moveMount(let from, let to, let path):
      return "move_mount(fd[\(from)], \"\", fd[\(to)] (\(path)), \"\", MOVE_MOUNT_F_EMPTY_PATH|MOVE_MOUNT_T_EMPTY_PATH)"
    case .setPropagation(let slot, let path, let recursive, let propagation):
      return
        "mount_setattr(fd[\(slot)] (\(path)), \"\", AT_EMPTY_PATH\(recursive ? "|AT_RECURSIVE" : ""), {propagation: \(propagation.subtracting(.rec))})"
    case .makeDirectory(let root, let path, let mode, let lookup):
      return
        "mkdirat beneath fd[\(root)]\(lookup.note): \(Quoting.c(path)), \(FileMode.octal(mode)) (and missing parents, 0755)"
    case .createFile(let root, let path, let contents, let mode, let lookup):
      return
        "openat beneath fd[\(root)]\(lookup.note): \(Quoting.c(path)), O_CREAT|O_EXCL, \(FileMode.octal(mode)); write \(Quoting.excerpt(contents)) (and missing parents, 0755)"
    case .symlink(let root, let path, let link, let lookup):
      return "symlinkat(\(Quoting.c(link)), fd[\(root)], \(Quoting.c(path)))\(lookup.note) (and missing parents, 0755)"
    case .changeDirectoryTo(let slot, let path): return "fchdir(fd[\(slot)]) (\(path))"
    case .pivotRoot: return "pivot_root(\".\", \".\")"
    case .detachOldRoot: return "umount2(\".\", MNT_DETACH)"
    case .setsid: return "setsid()"
    case .setrlimit(let limit):
      let value = { (v: UInt64?) in v.map(String.init) ?? "RLIM_INFINITY" }
      return "setrlimit(RLIMIT_\(limit.resource.rawValue.uppercased()), {\(value(limit.soft)), \(value(limit.hard))})"
    case .setgroups(let groups):
      return "setgroups(\(groups.count), [\(groups.map(String.init).joined(separator: ", "))])"
    case .setresgid(let id): return "setresgid(\(id), \(id), \(id))"
    case .setresuid(let id): return "setresuid(\(id), \(id), \(id))"
    case .keepCapabilities: return "prctl(PR_SET_KEEPCAPS, 1)"
    case .dropBoundingSet(let keep):
      return "prctl(PR_CAPBSET_DROP, cap) for every capability" + (keep.isEmpty ? "" : " but \(Self.names(keep))")
    case .capset(let keep): return "capset(effective = permitted = inheritable = \(Self.names(keep)))"
    case .raiseAmbient(let keep): return "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, \(Self.names(keep)))"
    case .setNoNewPrivs: return "prctl(PR_SET_NO_NEW_PRIVS, 1)"
    case .umask(let mask): return "umask(\(FileMode.octal(mask)))"
    case .chdir(let path): return "chdir(\(Quoting.c(path)))"
    case .closeOnExecFrom(let first): return "close_range(\(first), ~0U, CLOSE_RANGE_CLOEXEC)"
    case .execve(let command):
      var env = command.clearEnv ? [] : ["inherited"]
      env += command.unset.map { "-\($0)" }
      env += command.env.map { "\($0.name)=\(Quoting.c($0.value))" }
      let program = command.args.first ?? ""
      let search = program.contains("/") ? "" : " (searched in PATH)"
      return
        "execve(\(Quoting.c(program))\(search), [\(command.args.map(Quoting.c).joined(separator: ", "))], {\(env.joined(separator: ", "))})"
    case .takeBackForeground:
      return "tcsetpgrp(tty, getpgrp()) with SIGTTOU blocked, if the foreground group has no process left"
    case .saveMountNamespace: return "open(\"/proc/self/ns/mnt\"), open(\"/\", O_PATH), open(\".\", O_PATH)"
    case .returnToMountNamespace:
      return "setns(nsbuild's own mnt, CLONE_NEWNS); fchdir(root); chroot(\".\"); fchdir(cwd)"
    case .enterMountNamespace: return "setns(open(\"/proc/<sandbox>/ns/mnt\"), CLONE_NEWNS)"
    case .sendSlots(let slots): return "sendmsg(SCM_RIGHTS, \(Self.slotList(slots))) to init; close each"
    case .receiveSlots(let slots): return "recvmsg(SCM_RIGHTS) = \(Self.slotList(slots))"
    case .redirectStandardStreams(let output):
      return "dup2(open(\"/dev/null\"), 0); dup2(openat2(\(Quoting.c(output)), O_APPEND|O_CREAT, 0600), 1 and 2)"
    case .holdUntilSignalled: return "sigaction(SIGCHLD, SIG_IGN); pause() until SIGTERM"
    case .endSandboxAfterCommand(let slot): return "waitpid(command); pidfd_send_signal(fd\(slot), SIGTERM)"
    case .closeInheritedDescriptors: return "close_range(3, ~0U) but the chain's pipes and sockets"
    case .unmount(let slot, let path): return "umount2(fd[\(slot)] (\(path)), MNT_DETACH)"
    case .keepMount(let slot, let path):
      return "open_tree(fd[\(slot)] (\(path)), OPEN_TREE_CLONE|AT_RECURSIVE), kept by nsbuild (sendmsg SCM_RIGHTS)"
    case .restoreMount(let slot, let path):
      return "move_mount(the copy nsbuild kept of \(path), fd[\(slot)] (\(path)))"
    case .reconfigure(let slot, let path, let key, let value):
      // An empty value sets a flag (`rw`, `ro`): FSCONFIG_SET_FLAG, as the shim does.
      let set =
        value.isEmpty
        ? "FSCONFIG_SET_FLAG, \(Quoting.c(key)), NULL" : "FSCONFIG_SET_STRING, \(Quoting.c(key)), \(Quoting.c(value))"
      return
        "fspick(fd[\(slot)] (\(path)), \"\", FSPICK_EMPTY_PATH) = it; fsconfig(it, \(set), 0); fsconfig(it, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0)"
    case .changeMode(let slot, let path, let mode): return "fchmod(fd[\(slot)] (\(path)), \(FileMode.octal(mode)))"
    case .changeOwner(let slot, let path, let uid, let gid):
      return "fchown(fd[\(slot)] (\(path)), \(uid.map(String.init) ?? "-1"), \(gid.map(String.init) ?? "-1"))"
    case .removeFile(let root, let path):
      return "openat2(fd[\(root)], parent of \(Quoting.c(path)), RESOLVE_IN_ROOT) = it; unlinkat(it, last name, 0)"
    case .replaceFile(let root, let path, let contents, let mode):
      let name = path.split(separator: "/").last.map(String.init) ?? path
      return
        "openat2(fd[\(root)], folder of \(Quoting.c(path)), RESOLVE_IN_ROOT); a new \(Quoting.c("." + name + ".nsbuild-new")), \(FileMode.octal(mode)), holding \(Quoting.excerpt(contents)); renameat(2) over \(Quoting.c(name))"
    case .sendHandoffSignal(let target):
      return "pidfd_send_signal(pidfd_open(\(target.pid)) (start time \(target.startTime)), SIGRTMIN+6)"
    case .checkProgram(let target, let command, let directory):
      let program = command.args.first ?? ""
      let looked =
        program.hasPrefix("/")
        ? Quoting.c(program)
        : program.contains("/")
          ? Quoting.c((directory.hasSuffix("/") ? directory : directory + "/") + program)
          : "each PATH folder + \(Quoting.c("/" + program))"
      return
        "open(\"/proc/\(target.pid)/root\", O_PATH) = root; /proc/\(target.pid)/stat starttime == \(target.startTime); openat2(root, \(looked), O_PATH, RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS): a regular file with an execute bit (fstat) on a mount without MS_NOEXEC (fstatvfs)"
    case .endProcess(let target, let grace):
      return
        "pidfd_send_signal(pidfd_open(\(target.pid)) (start time \(target.startTime)), SIGTERM); SIGKILL after \(Self.seconds(grace)); poll(pidfd) until it ended"
    case .prlimit(let target, let limit):
      return "prlimit(\(target.pid), " + Syscall.setrlimit(limit: limit).description.dropFirst("setrlimit(".count)
    case .openNamespace(let namespace, let file, let slot):
      let open = "fd[\(slot)] = open(\(Quoting.c(file.path(for: namespace))), O_RDONLY|O_CLOEXEC)"
      guard case .process(let pid, let startTime) = file else { return open }
      return open + "; /proc/\(pid)/stat starttime == \(startTime)"
    case .pidfdOpen(let pid, let startTime, let slot):
      return "fd[\(slot)] = pidfd_open(\(pid), 0); /proc/\(pid)/stat starttime == \(startTime)"
    case .setns(let slot, let namespaces): return "setns(fd[\(slot)], \(namespaces)); close(fd[\(slot)])"
    case .openSandboxNamespace(let namespace, let slot):
      return "open(\"/proc/<sandbox>/ns/\(namespace.procName)\", O_RDONLY|O_CLOEXEC) = fd[\(slot)]"
    case .rtnetlink(let request): return "sendmsg(NETLINK_ROUTE, \(request))"
    case .startPasta(let program, let arguments):
      let args = ([program] + arguments + ["--pid", "/dev/fd/<ready pipe>", "<sandbox pid>"]).map(Quoting.c)
      return "fork(); execve(\(Quoting.c(program)), [\(args.joined(separator: ", "))]); read(ready pipe)"
    case .startLivePasta(let program, let arguments, let output):
      let args = ([program] + arguments + ["--pid", "/dev/fd/<ready pipe>", "<sandbox pid>"]).map(Quoting.c)
      return
        "pidfd_open(<sandbox pid>); fork() keeper: prctl(PR_SET_NAME, \"nsbuild-pasta\"), setsid(), stdout/stderr > \(Quoting.c(output)), fork(), prctl(PR_SET_PDEATHSIG, SIGKILL), execve(\(Quoting.c(program)), [\(args.joined(separator: ", "))]); read(ready pipe); keeper: poll(sandbox pidfd, pasta pidfd), kill(pasta, SIGTERM)"
    }
  }

  /// `10 s`, `1.5 s`: a grace period in milliseconds, as a person reads it.
  public static func seconds(_ milliseconds: Int32) -> String {
    milliseconds % 1000 == 0
      ? "\(milliseconds / 1000) s"
      : "\(milliseconds / 1000).\(String(String(1000 + milliseconds % 1000).dropFirst())) s"
  }

  private static func slotList(_ slots: [Int]) -> String {
    slots.map { "fd[\($0)]" }.joined(separator: ", ")
  }

  private static func names(_ capabilities: [Capability]) -> String {
    capabilities.isEmpty ? "{}" : capabilities.map(\.description).joined(separator: "|")
  }
}

extension PathLookup {
  /// The openat2(2) `resolve` flags, by name.
  var flags: String {
    switch self {
    case .inRoot: "RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS"
    case .noSymlinks: "RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS"
    }
  }

  /// What a file call adds to say how its folders are looked up; nothing for the usual RESOLVE_IN_ROOT.
  var note: String {
    switch self {
    case .inRoot: ""
    case .noSymlinks: " (RESOLVE_NO_SYMLINKS)"
    }
  }
}

/// Signal names for display (signal(7)).
enum SignalNames {
  static func name(_ signal: Int32) -> String {
    let names: [Int32: String] = [
      1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 9: "SIGKILL", 10: "SIGUSR1", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM",
      15: "SIGTERM", 16: "SIGSTKFLT", 24: "SIGXCPU", 25: "SIGXFSZ", 26: "SIGVTALRM", 27: "SIGPROF", 28: "SIGWINCH",
      29: "SIGIO", 30: "SIGPWR", 34: "SIGRTMIN", 64: "SIGRTMAX",
    ]
    if let name = names[signal] { return name }
    return (35...63).contains(signal) ? "SIGRTMIN+\(signal - 34)" : "signal \(signal)"
  }

  /// `SIGHUP|SIGINT|…`, the real-time signals SIGRTMIN to SIGRTMAX as one range when all are there.
  static func list(_ signals: [Int32]) -> String {
    let realTime = Array(Int32(34)...64)
    guard signals.count >= realTime.count, Array(signals.suffix(realTime.count)) == realTime else {
      return signals.map(name).joined(separator: "|")
    }
    return (signals.dropLast(realTime.count).map(name) + ["SIGRTMIN..SIGRTMAX"]).joined(separator: "|")
  }
}

/// Quoting for display.
enum Quoting {
  /// Short contents in full, as a C string; long ones by their length, first bytes and an FNV-1a hash, so a change
  /// anywhere in them changes what `plan` and `diff` show.
  static func excerpt(_ contents: String) -> String {
    let bytes = Array(contents.utf8)
    if bytes.count <= 64 { return c(contents) }
    let hash = bytes.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x0100_0000_01b3 }
    return "\(bytes.count) bytes, " + c(String(decoding: bytes.prefix(32), as: UTF8.self)) + "…, fnv1a "
      + String(hash, radix: 16)
  }

  /// What ``c(_:)`` writes for these scalars.
  private static let escapes: [Unicode.Scalar: String] = ["\"": "\\\"", "\\": "\\\\", "\n": "\\n", "\t": "\\t"]

  /// A C string literal, or NULL.
  static func c(_ text: String?) -> String {
    guard let text else { return "NULL" }
    // Most paths and values need no escape: one pass over their bytes, and the text as it is (a plan of 100,000
    // mounts quotes some 400,000 of them).
    let plain = { (byte: UInt8) in
      byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
    }
    if text.utf8.withContiguousStorageIfAvailable({ $0.allSatisfy(plain) }) ?? text.utf8.allSatisfy(plain) {
      return "\"" + text + "\""
    }
    var out = "\""
    // Scalars, not our enums: a lookup and an if-chain, so the only switches in this file are whole ones over calls.
    for scalar in text.unicodeScalars {
      if let escape = escapes[scalar] {
        out += escape
      } else if scalar.value < 0x20 || scalar.value == 0x7F {
        out += "\\x" + String(scalar.value, radix: 16)
      } else if (0x80...0x9F).contains(scalar.value) {
        // C1 controls (U+009B is CSI): as a universal character name, never raw.
        out += "\\u00" + String(scalar.value, radix: 16)
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }

  /// A word as a POSIX shell would need it quoted.
  static func shell(_ word: String) -> String {
    let safe = word.unicodeScalars.allSatisfy { scalar in
      ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
        || "/._-=:,+@%".unicodeScalars.contains(scalar)
    }
    return safe && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}

extension String {
  fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
    split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
  }
}
