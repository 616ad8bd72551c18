import SpecParser

/// Which call of which step failed, and how.
public struct StepFailure: Error, Sendable, Hashable {
  /// The step's id (1-based, as `plan` prints it).
  public var stepID: Int
  /// The failing call's index within the step.
  public var callIndex: Int
  public var error: SyscallError

  public init(stepID: Int, callIndex: Int, error: SyscallError) {
    self.stepID = stepID
    self.callIndex = callIndex
    self.error = error
  }
}

/// Makes the calls of one step through a kernel. Forks are the ``Launcher``'s (they change which process goes on);
/// this runs every call that acts in the current process.
struct StepRunner<Kernel: LinuxKernel> {
  let kernel: Kernel
  /// The sandbox process's pid, for the parent's writes to `/proc/<pid>/...`.
  var sandboxPID: Int32 = 0
  /// The fds that mount steps hand to each other.
  var fds = FDTable()
  /// The one fd `.closeSlots` leaves open besides 0, 1 and 2: the pipe a failure is reported on.
  var reportFD: Int32?
  /// In the sandbox process under `up`: its ends of the chain's pipes and sockets, which `.closeInheritedDescriptors` keeps.
  var keptFDs: [Int32] = []
  /// In init under `up`: the pipe it says the sandbox is ready on (``Handoff/Kind/sandboxReady``), which
  /// `.closeSlots` leaves open too.
  var readyFD: Int32?
  /// In init: what the filesystem steps make, for a failed setup to take back.
  var journal: SetupJournal?
  /// In init: the socket the lock fds go to the sandbox process on, which holds them until the sandbox ends.
  var lockSocket: Int32?
  /// The socket the parent sends init the host paths it opened on (its end in the parent, the other in init).
  var passing: Int32?
  /// How this process tells that its parent is gone (``Syscall/checkParent``).
  var parent: ParentLink
  /// In nsbuild: the fd of the terminal whose foreground it had when it started, if any.
  var terminal: Int32?
  /// `run -t`: the command's pseudo-terminal, in nsbuild and the sandbox process until it takes the replica.
  var pty: PseudoTerminal?
  /// The parent's own mount namespace while it is in the sandbox's.
  let home = MountNamespaceHome()
  /// The links this process made (a veth's host end, a bridge), for a failed setup to delete.
  var links = MadeLinks()
  /// In a joiner of `apply`: the detached copies of mounts taken off earlier in the apply that nsbuild keeps, by
  /// sandbox path, newest last (``Syscall/keepMount(slot:path:)``); inherited from nsbuild across fork(2).
  var keptMounts: [String: [Int32]] = [:]

  init(
    kernel: Kernel, sandboxPID: Int32 = 0, fds: FDTable = FDTable(), reportFD: Int32? = nil,
    journal: SetupJournal? = nil, lockSocket: Int32? = nil, passing: Int32? = nil, parent: ParentLink = ParentLink(),
    terminal: Int32? = nil, readyFD: Int32? = nil
  ) {
    self.readyFD = readyFD
    self.terminal = terminal
    self.kernel = kernel
    self.sandboxPID = sandboxPID
    self.fds = fds
    self.reportFD = reportFD
    self.journal = journal
    self.lockSocket = lockSocket
    self.passing = passing
    self.parent = parent
  }

  /// Paths beneath the root fd in `slot`, noting what they make in the journal.
  func rooted(_ slot: Int, _ lookup: PathLookup) throws(SyscallError) -> RootedPaths<Kernel> {
    RootedPaths(
      kernel: kernel, root: try fd(slot), journal: journal, lookup: lookup,
      makesLinkDestinations: !fds.hostTree.contains(slot))
  }

  /// Runs a lookup beneath the root fd in `slot`, giving its error the whole sandbox path: beneath a mount's root
  /// the path the kernel saw is only the part inside that mount.
  func naming<T>(beneath slot: Int, _ body: () throws(SyscallError) -> T) throws(SyscallError) -> T {
    do { return try body() } catch {
      guard let path = error.path, path.hasPrefix("/") else { throw error }
      throw SyscallError(call: error.call, errno: error.errno, path: fds.shown(path, beneath: slot))
    }
  }

  /// Makes `call`. Every case is listed: a new call does not compile until `run` says what it does.
  func perform(_ call: Syscall) throws(SyscallError) {
    switch call {
    case .fork, .cloneVM, .forwardSignals: break  // the Launcher's, around its fork(2) or clone(2)
    case .setParentDeathSignal(let signal): try kernel.setParentDeathSignal(signal)
    case .setDumpable(let dumpable): try kernel.setDumpable(dumpable)
    case .checkParent: if parent.parentIsGone(kernel) { endAsParentGone() }
    case .takeBackForeground: if let terminal { try kernel.takeBackForeground(terminal) }
    case .unshare(let flags): try kernel.unshare(flags)
    case .writeProcFile(let file, let contents):
      // The parent's own /proc, in nsbuild's own mount namespace, which no mount of the sandbox reaches; the pid is
      // its child's, unreaped, so it names no other process.
      try kernel.writeFile("/proc/\(sandboxPID)/\(file)", contents)
    case .idMapHelper(let program, let map): try runHelper(program, map)
    case .mount(let source, let target, let fstype, let flags, let data):
      try kernel.mount(source: source, target: target, fstype: fstype, flags: flags, data: data)
    case .mountSetattr(let path, let recursive, let set):
      try kernel.mountSetattr(path: path, recursive: recursive, set: set)
    case .sethostname(let name): try kernel.sethostname(name)
    case .setdomainname(let name): try kernel.setdomainname(name)
    case .loopbackUp: try kernel.loopbackUp()
    case .loopbackDown: try kernel.loopbackDown()
    case .scrubEnvironment: kernel.scrubEnvironment()
    case .nameProcess(let name): try kernel.nameProcess(name)
    case .openPseudoTerminal: try openPseudoTerminal()
    case .copyWindowSize: try kernel.copyWindowSize(from: 0, to: try pseudoTerminal(\.master))
    case .useTerminalReplica: try useTerminalReplica()
    case .setControllingTerminal: try kernel.setControllingTerminal(0)
    case .relayTerminal: try relayTerminal()
    case .openTerminalReplica(let slot): hold(try kernel.openTerminalReplica(pty?.replica ?? 0), in: slot)
    case .openPath(let path, let slot):
      hold(try kernel.openPath(path), in: slot)
      if path == "/" { fds.hostTree.insert(slot) }
    case .openDirectoryNoSymlinks(let path, let slot): hold(try kernel.openDirectoryWithoutSymlinks(path), in: slot)
    case .openNoSymlinks(let path, let slot, _): hold(try kernel.openWithoutSymlinks(path), in: slot)
    case .lockShared(let slot, let path): try lockShared(slot, path: path)
    case .closeSlots: try closeSlots()
    case .resolve(let root, let path, let create, let slot, let lookup):
      try resolve(path, beneath: root, create: create, into: slot, lookup: lookup)
    case .mountAt(let source, let target, let path, let fstype, let flags, let data):
      try mountAt(source, onto: target, path: path, fstype: fstype, flags: flags, data: data)
    case .mountOverlay(let target, let path, let lower, let upper, let work, let flags, let userXattr):
      try mountOverlay(
        onto: target, path: path, layers: (lower, upper, work), flags: flags, userXattr: userXattr)
    case .readOnlyPath(let mount, let path, let shown, let throughProc):
      try makeReadOnly(path, beneath: mount, shown: shown, throughProc: throughProc)
    case .maskPath(let mount, let path, let shown, let nullDevice, let throughProc):
      try mask(path, beneath: mount, shown: shown, nullDevice: nullDevice, throughProc: throughProc)
    case .fsopen(let fstype, let slot): fds[slot] = try kernel.fsopen(fstype)
    case .fsconfigString(let context, let key, let value): try kernel.fsconfig(try fd(context), key: key, value: value)
    case .fsconfigFD(let context, let key, let slot, let path):
      try naming("\(key) \(path)") { () throws(SyscallError) in
        try kernel.fsconfig(try fd(context), key: key, fd: try fd(slot))
      }
    case .fsconfigCreate(let context, let path):
      try naming(path) { () throws(SyscallError) in try kernel.fsconfigCreate(try fd(context)) }
    case .fsmount(let context, let attributes, let slot, let path):
      try fsmount(context, attributes: attributes, into: slot, path: path)
    case .openTree(let source, let path, let recursive, let slot, let target):
      try openTree(source, path: path, recursive: recursive, into: slot, shown: target)
    case .moveMount(let from, let to, let path): try moveMount(from, onto: to, path: path)
    case .setPropagation(let slot, let path, let recursive, let propagation):
      try naming(path) { () throws(SyscallError) in
        try kernel.mountSetattr(fd: try fd(slot), recursive: recursive, propagation: propagation)
      }
    case .setattrAt(let slot, let path, let recursive, let set, let clear):
      try naming(path) { () throws(SyscallError) in
        try kernel.mountSetattr(fd: try fd(slot), recursive: recursive, set: set, clear: clear)
      }
    case .restoreWritable(let slot, let source, let path): try restoreWritable(slot, source: source, path: path)
    case .propagateAt(let slot, let path, let flags): try propagate(slot, path: path, flags: flags)
    case .makeDirectory(let root, let path, let mode, let lookup):
      try naming(beneath: root) { () throws(SyscallError) in try rooted(root, lookup).makeDirectory(path, mode: mode) }
    case .createFile(let root, let path, let contents, let mode, let lookup):
      try createFile(path, beneath: root, contents: contents, mode: mode, lookup: lookup)
    case .symlink(let root, let path, let link, let lookup):
      try naming(beneath: root) { () throws(SyscallError) in try rooted(root, lookup).symlink(path, to: link) }
    case .changeDirectoryTo(let slot, let path):
      do { try kernel.changeDirectory(to: try fd(slot)) } catch {
        throw SyscallError(call: error.call, errno: error.errno, path: error.path ?? path)
      }
    case .pivotRoot: try kernel.pivotRootHere()
    case .detachOldRoot: try kernel.detachHere()
    case .setsid: try kernel.setsid()
    case .setrlimit(let limit):
      try naming("RLIMIT_\(limit.resource.rawValue.uppercased())") { () throws(SyscallError) in
        try kernel.setrlimit(limit.resource.number, soft: limit.soft, hard: limit.hard)
      }
    case .setgroups(let groups): try kernel.setgroups(groups)
    case .setresgid(let id): try kernel.setresgid(id)
    case .setresuid(let id): try kernel.setresuid(id)
    case .keepCapabilities: try kernel.keepCapabilities()
    case .dropBoundingSet(let keep): try kernel.dropBoundingSet(keep: Self.mask(keep))
    case .capset(let keep): try kernel.capset(Self.mask(keep))
    case .raiseAmbient(let keep): try kernel.raiseAmbient(Self.mask(keep))
    case .setNoNewPrivs: try kernel.setNoNewPrivs()
    case .umask(let mask): kernel.umask(mask)
    case .chdir(let path): try kernel.chdir(path)
    case .closeOnExecFrom(let first): try kernel.closeOnExec(from: first)
    case .execve(let command):
      // Only now, after the last trace line: the command gets SIGPIPE and SIGXFSZ as nsbuild's caller left them.
      kernel.ignoreWriteSignals(false)
      throw CommandLauncher(kernel: kernel).exec(command)
    case .saveMountNamespace: home.saved = try kernel.saveMountNamespace()
    case .enterMountNamespace: try kernel.enterMountNamespace(of: sandboxPID)
    case .returnToMountNamespace: try returnToMountNamespace()
    case .sendSlots(let slots): try send(slots)
    case .redirectStandardStreams(let output): try kernel.redirectStandardStreams(output: output)
    case .holdUntilSignalled: kernel.holdUntilSignalled()
    case .endSandboxAfterCommand: break  // the joiner's, once its command ended (it knows the command's pid)
    case .closeInheritedDescriptors: try kernel.closeAll(from: 3, except: keptFDs)
    case .receiveSlots(let slots):
      let received = try kernel.receiveFDs(count: slots.count, from: try passingSocket())
      for (slot, fd) in zip(slots, received) { hold(fd, in: slot) }
    case .openNamespace(let namespace, let file, let slot): try openNamespace(namespace, file, into: slot)
    case .pidfdOpen(let pid, let startTime, let slot):
      try openProcess(ProcessIdentity(pid: pid, startTime: startTime), into: slot)
    case .setns(let slot, let namespaces): try enter(slot, namespaces)
    case .openSandboxNamespace(let namespace, let slot):
      hold(try kernel.openNamespace("/proc/\(sandboxPID)/ns/\(namespace.procName)"), in: slot)
    case .rtnetlink(let request): try send(request)
    case .startPasta(let program, let arguments): try startPasta(program, arguments)
    case .startLivePasta(let program, let arguments, let output): try startLivePasta(program, arguments, output: output)
    case .unmount(let slot, let path): try naming(path) { () throws(SyscallError) in try kernel.detach(try fd(slot)) }
    case .keepMount(let slot, let path): try naming(path) { () throws(SyscallError) in try keepMount(slot) }
    case .restoreMount(let slot, let path):
      try naming(path) { () throws(SyscallError) in try restoreMount(onto: slot, path: path) }
    case .reconfigure(let slot, let path, let key, let value):
      try naming(path) { () throws(SyscallError) in try kernel.reconfigure(try fd(slot), key: key, value: value) }
    case .changeMode(let slot, let path, let mode):
      try naming(path) { () throws(SyscallError) in try kernel.changeMode(of: try fd(slot), mode: mode) }
    case .changeOwner(let slot, let path, let uid, let gid):
      try naming(path) { () throws(SyscallError) in try kernel.changeOwner(of: try fd(slot), uid: uid, gid: gid) }
    case .removeFile(let root, let path):
      try naming(beneath: root) { () throws(SyscallError) in try removeFile(path, beneath: root) }
    case .replaceFile(let root, let path, let contents, let mode):
      try naming(beneath: root) { () throws(SyscallError) in try replaceFile(path, beneath: root, contents, mode) }
    case .sendHandoffSignal(let target):
      try naming("the main command's keeper, pid \(target.pid)") { () throws(SyscallError) in
        try signalHandoff(to: target)
      }
    case .checkProgram(let target, let command, let directory):
      try checkProgram(command, inside: target, from: directory)
    case .endProcess(let target, let grace):
      try naming("pid \(target.pid)") { () throws(SyscallError) in
        _ = try SandboxProcesses.end(target, graceMilliseconds: grace, kernel: kernel)
      }
    case .prlimit(let target, let limit):
      try verify(target)
      try naming("RLIMIT_\(limit.resource.rawValue.uppercased()) of \(target.pid)") { () throws(SyscallError) in
        try kernel.prlimit(target.pid, limit.resource.number, soft: limit.soft, hard: limit.hard)
      }
    }
  }

  /// A new file written beside `path` and renamed over it (see ``Syscall/replaceFile(root:path:contents:mode:)``); a
  /// temporary one left by an earlier, interrupted apply is removed first.
  private func replaceFile(_ path: String, beneath root: Int, _ contents: String, _ mode: UInt32)
    throws(SyscallError)
  {
    let (folder, name) = try rooted(root, .inRoot).openParent(path)
    defer { kernel.close(folder) }
    let temporary = "." + name + ".nsbuild-new"
    try? kernel.removeEntry(folder, temporary, directory: false)
    try kernel.writeFile(folder, temporary, contents: Array(contents.utf8), mode: mode)
    do { try kernel.rename(folder, temporary, to: name) } catch {
      try? kernel.removeEntry(folder, temporary, directory: false)
      throw error
    }
  }

  /// A detached copy of the mount in `slot` (open_tree(2) OPEN_TREE_CLONE, recursive), sent to nsbuild, which keeps
  /// it; closed here (see ``Syscall/keepMount(slot:path:)``).
  private func keepMount(_ slot: Int) throws(SyscallError) {
    let copy = try kernel.openTree(try fd(slot), recursive: true)
    defer { kernel.close(copy) }
    try kernel.sendFDs([copy], over: try passingSocket())
  }

  /// The newest copy nsbuild kept of the mount taken off `path`, attached onto `slot` (move_mount(2)).
  private func restoreMount(onto slot: Int, path: String) throws(SyscallError) {
    guard let copy = keptMounts[path]?.last else {
      throw SyscallError(call: "move_mount", errno: ErrnoNames.EBADF, path: "no copy kept of \(path)")
    }
    try kernel.moveMount(copy, onto: try fd(slot))
  }

  /// The handoff signal to `keeper` through a pidfd, sent only once its start time says the pidfd names it.
  private func signalHandoff(to keeper: ProcessIdentity) throws(SyscallError) {
    let pidfd = try kernel.openProcess(keeper.pid)
    defer { kernel.close(pidfd) }
    guard keeper.isAlive(reader: kernel) else {
      throw SyscallError(call: "pidfd_open", errno: ErrnoNames.ESRCH, path: "pid \(keeper.pid) (not the keeper)")
    }
    try kernel.signalProcess(pidfd, kernel.handoffSignal)
  }

  /// `path`'s last name unlinked in its folder opened beneath `root` (see ``Syscall/removeFile(root:path:)``).
  private func removeFile(_ path: String, beneath root: Int) throws(SyscallError) {
    let (folder, name) = try rooted(root, .inRoot).openParent(path)
    defer { kernel.close(folder) }
    do { try kernel.removeEntry(folder, name, directory: false) } catch {
      guard error.errno == ErrnoNames.ENOENT else { throw error }
    }
  }

  /// `command`'s program looked up beneath the root of `target` as execve(2) would look it up there (see
  /// ``Syscall/checkProgram(target:command:directory:)``); throws the errno execve(2) would fail with.
  private func checkProgram(_ command: Command, inside target: ProcessIdentity, from directory: String)
    throws(SyscallError)
  {
    // nsbuild's own /proc, which no mount of the sandbox covers; the start time read once the fd is open, so a pid
    // reused meanwhile is refused.
    let root = try kernel.openPath("/proc/\(target.pid)/root")
    defer { kernel.close(root) }
    try verify(target)
    let found = CommandLauncher(kernel: kernel).programError(command, from: directory) { path in
      let fd: Int32
      do throws(SyscallError) { fd = try kernel.openInRoot(root, path) } catch { return error.errno }
      defer { kernel.close(fd) }
      guard let status = try? kernel.status(of: fd), status.kind == .regular, status.mode & 0o111 != 0,
        !kernel.isOnNoexecMount(fd)
      else { return ErrnoNames.EACCES }
      return 0
    }
    if let found { throw found }
  }

  /// ESRCH unless `target` still runs (its pid with its start time): a recycled pid is never acted on.
  private func verify(_ target: ProcessIdentity) throws(SyscallError) {
    guard target.isAlive(reader: kernel) else {
      throw SyscallError(
        call: "prlimit", errno: ErrnoNames.ESRCH, path: "/proc/\(target.pid) (not the process recorded)")
    }
  }

  /// A parent that died before PR_SET_PDEATHSIG was (re)armed sends no signal: this process ends as that signal
  /// would have ended it (137, as SIGKILL), init first taking back what it made (its own locks first, as on a failed
  /// step), since no command started.
  private func endAsParentGone() -> Never {
    if let journal {
      fds.releaseLocks(kernel)
      journal.undo(kernel)
    }
    kernel.exit(137)
  }

  /// Keeps `fd` in `slot`, noting whether it lay on a read-only mount when opened (see `.restoreWritable`).
  func hold(_ fd: Int32, in slot: Int) {
    fds[slot] = fd
    if kernel.isOnReadOnlyMount(fd) { fds.readOnlyAtOpen.insert(slot) }
  }

  /// The fd an earlier call put in `slot`.
  func fd(_ slot: Int) throws(SyscallError) -> Int32 {
    guard let fd = fds[slot] else { throw SyscallError(call: "fd", errno: ErrnoNames.EBADF, path: "fd[\(slot)]") }
    return fd
  }

  /// Runs `body`, giving its error `path`: the call's own names an fd, which says nothing to the reader.
  func naming<T>(_ path: String, _ body: () throws(SyscallError) -> T) throws(SyscallError) -> T {
    do { return try body() } catch { throw SyscallError(call: error.call, errno: error.errno, path: path) }
  }

  private func returnToMountNamespace() throws(SyscallError) {
    guard let saved = home.saved else {
      throw SyscallError(call: "setns", errno: ErrnoNames.EBADF, path: "nsbuild's own mount namespace (not saved)")
    }
    home.saved = nil
    try kernel.returnToMountNamespace(saved)
  }

  /// The socket fds go through from the parent to init (see ``Syscall/sendSlots(_:)``).
  private func passingSocket() throws(SyscallError) -> Int32 {
    guard let passing else { throw SyscallError(call: "sendmsg", errno: ErrnoNames.EBADF, path: "the fd socket") }
    return passing
  }

  /// Sends the fds in `slots` to init and closes them here: nsbuild keeps nothing open in the sandbox's namespace.
  private func send(_ slots: [Int]) throws(SyscallError) {
    let held = try slots.map { (slot) throws(SyscallError) in try fd(slot) }
    try kernel.sendFDs(held, over: try passingSocket())
    fds.closeAll(kernel)
  }

  /// fork(2), execve(2) of the helper with the sandbox's pid and the map's numbers, then wait(2) for it.
  private func runHelper(_ program: String, _ map: String) throws(SyscallError) {
    let args = [program, String(sandboxPID)] + map.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    let pid = try kernel.fork()
    if pid == 0 {
      kernel.exit(ExitStatus.notExecuted(errno: kernel.execve(program, args: args, env: ["PATH=/usr/bin:/bin"]).errno))
    }
    let status = try kernel.wait(pid)?.status ?? .exited(ExitStatus.setupFailed)
    guard status == .exited(0) else {
      let name = program.split(separator: "/").last.map(String.init) ?? program
      throw SyscallError(
        call: name, errno: ErrnoNames.EPERM,
        path:
          "\(name) exited with status \(status.exitCode) (see its message above; check /etc/sub\(name.hasPrefix("newuid") ? "uid" : "gid"))"
      )
    }
  }

  static func mask(_ capabilities: [Capability]) -> UInt64 {
    capabilities.reduce(0) { $0 | (1 << UInt64($1.number)) }
  }

  /// Runs every call of `step` in order (or those in `range`); skips a step whose change is `=`.
  func run(_ step: Step, calls range: Range<Int>? = nil) throws(StepFailure) {
    guard !step.change.isUnchanged else { return }
    for index in range ?? step.operations.indices {
      do {
        try perform(step.operations[index].call)
      } catch {
        home.returnIfAway(kernel)
        throw StepFailure(stepID: step.id, callIndex: index, error: error)
      }
    }
  }
}
