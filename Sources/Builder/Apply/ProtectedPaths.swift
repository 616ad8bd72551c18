import SpecParser

/// Applies ``Syscall/readOnlyPath(mount:path:shown:throughProc:)`` and
/// ``Syscall/maskPath(mount:path:shown:nullDevice:throughProc:)``: paths beneath a fresh proc or sysfs, looked up
/// beneath that filesystem's root fd through no symlink, so neither a symlink nor anything outside it is ever
/// followed. Each cover is made detached (open_tree(2) or fsmount(2)), made read-only on its fd, and moved onto the
/// path's fd (move_mount(2)); only `throughProc` (a kernel without that API) goes through /proc/self/fd, checked to
/// be proc's. A path this kernel does not have is skipped, as runc does.
struct ProtectedPaths<Kernel: LinuxKernel> {
  let kernel: Kernel
  /// The root of the fresh proc or sysfs.
  let mount: Int32
  /// Where each mount made is noted, for a failed setup to detach it again.
  var journal: SetupJournal?
  /// mount(2) through /proc/self/fd, where the kernel lacks the new mount API.
  var throughProc = false

  /// The open path beneath the mount, or nil when this kernel has none (ENOENT).
  private func open(_ path: String) throws(SyscallError) -> Int32? {
    do {
      return try kernel.openInRootWithoutSymlinks(mount, path)
    } catch  where error.errno == ErrnoNames.ENOENT {
      return nil
    }
  }

  /// mount(2) through /proc/self/fd, noted in the journal; errors name the sandbox path.
  private func mount(
    _ source: String, on fd: Int32, fstype: String?, flags: MountFlags, data: String?, path: String, shown: String
  ) throws(SyscallError) {
    do {
      try kernel.mount(source: source, target: "/proc/self/fd/\(fd)", fstype: fstype, flags: flags, data: data)
    } catch {
      throw SyscallError(call: error.call, errno: error.errno, path: shown)
    }
    journal?.noteMounted(root: mount, path: path)
  }

  /// mount_setattr(2) on the mount just made at `path` (opened again: the earlier fd is the folder beneath it).
  private func setAttributes(_ path: String, _ set: MountAttributes, recursive: Bool, shown: String)
    throws(SyscallError)
  {
    let top = try kernel.openInRootWithoutSymlinks(mount, path)
    defer { kernel.close(top) }
    do { try kernel.mountSetattr(fd: top, recursive: recursive, set: set, clear: []) } catch {
      throw SyscallError(call: error.call, errno: error.errno, path: shown)
    }
  }

  /// Configures the detached mount `detached` with `set` (on its whole tree when `recursive`) and moves it onto `fd`;
  /// closes `detached`. Errors name the sandbox path.
  private func attach(
    _ detached: Int32, onto fd: Int32, _ set: MountAttributes, recursive: Bool, path: String, shown: String
  ) throws(SyscallError) {
    defer { kernel.close(detached) }
    do {
      if !set.isEmpty { try kernel.mountSetattr(fd: detached, recursive: recursive, set: set, clear: []) }
      try kernel.moveMount(detached, onto: fd)
    } catch {
      throw SyscallError(call: error.call, errno: error.errno, path: shown)
    }
    journal?.noteMounted(root: mount, path: path)
  }

  /// A call's error with the sandbox path.
  private func naming<T>(_ shown: String, _ body: () throws(SyscallError) -> T) throws(SyscallError) -> T {
    do { return try body() } catch { throw SyscallError(call: error.call, errno: error.errno, path: shown) }
  }

  /// An empty tmpfs of mode 0555, detached, with `attributes`.
  private func emptyTmpfs(shown: String) throws(SyscallError) -> Int32 {
    try naming(shown) { () throws(SyscallError) in
      let context = try kernel.fsopen("tmpfs")
      defer { kernel.close(context) }
      try kernel.fsconfig(context, key: "mode", value: "555")
      try kernel.fsconfigCreate(context)
      return try kernel.fsmount(context, attributes: Syscall.maskTmpfsAttributes)
    }
  }

  func makeReadOnly(_ path: String, shown: String) throws(SyscallError) {
    guard let fd = try open(path) else { return }
    defer { kernel.close(fd) }
    guard throughProc else {
      let copy = try naming(shown) { () throws(SyscallError) in try kernel.openTree(fd, recursive: true) }
      try attach(copy, onto: fd, Syscall.readOnlyPathAttributes, recursive: true, path: path, shown: shown)
      return
    }
    try mount("/proc/self/fd/\(fd)", on: fd, fstype: nil, flags: [.bind, .rec], data: nil, path: path, shown: shown)
    try setAttributes(path, Syscall.readOnlyPathAttributes, recursive: true, shown: shown)
  }

  /// A folder gets an empty read-only tmpfs (no `nullDevice`), a file the null device; the other kind is refused.
  func mask(_ path: String, shown: String, nullDevice: Int32?) throws(SyscallError) {
    guard let fd = try open(path) else { return }
    defer { kernel.close(fd) }
    let isFolder = try kernel.fileKind(of: fd) == .directory
    guard let nullDevice else {
      guard isFolder else { throw SyscallError(call: "mount", errno: ErrnoNames.ENOTDIR, path: shown) }
      if !throughProc {
        try attach(try emptyTmpfs(shown: shown), onto: fd, [], recursive: false, path: path, shown: shown)
        return
      }
      try mount(
        "tmpfs", on: fd, fstype: "tmpfs", flags: Syscall.maskTmpfsFlags, data: Syscall.maskTmpfsData, path: path,
        shown: shown)
      return
    }
    guard !isFolder else { throw SyscallError(call: "mount", errno: ErrnoNames.EISDIR, path: shown) }
    if !throughProc {
      let copy = try naming(shown) { () throws(SyscallError) in try kernel.openTree(nullDevice, recursive: false) }
      try attach(copy, onto: fd, Syscall.maskBindAttributes, recursive: false, path: path, shown: shown)
      return
    }
    try mount("/proc/self/fd/\(nullDevice)", on: fd, fstype: nil, flags: [.bind], data: nil, path: path, shown: shown)
    try setAttributes(path, Syscall.maskBindAttributes, recursive: false, shown: shown)
  }
}
