/// The new mount API's calls of ``StepRunner`` (see ``DetachedMount``): a mount made detached, configured by its fd,
/// and moved onto the fd of its mount point, so no path is looked up when it is attached.
extension StepRunner {
  func fsmount(_ context: Int, attributes: MountAttributes, into slot: Int, path: String) throws(SyscallError) {
    fds[slot] = try naming(path) { () throws(SyscallError) in
      try kernel.fsmount(try fd(context), attributes: attributes)
    }
    fds.shownPaths[slot] = path
  }

  func openTree(_ source: Int, path: String, recursive: Bool, into slot: Int, shown: String) throws(SyscallError) {
    fds[slot] = try naming(path) { () throws(SyscallError) in
      try kernel.openTree(try fd(source), recursive: recursive)
    }
    fds.shownPaths[slot] = shown
  }

  func moveMount(_ from: Int, onto to: Int, path: String) throws(SyscallError) {
    do {
      try kernel.moveMount(try fd(from), onto: try fd(to))
      journal?.noteMounted(onSlot: to)
    } catch {
      throw SyscallError(call: error.call, errno: try kindMismatch(error, from, to) ?? error.errno, path: path)
    }
  }

  /// ENOTDIR for a move_mount(2) EINVAL between a folder and a file (either way), as mount(2) says it: the kernel's
  /// EINVAL has many other causes, and this one a spec can fix.
  private func kindMismatch(_ error: SyscallError, _ from: Int, _ to: Int) throws(SyscallError) -> Int32? {
    guard error.errno == ErrnoNames.EINVAL,
      let source = try? kernel.fileKind(of: try fd(from)), let target = try? kernel.fileKind(of: try fd(to)),
      (source == .directory) != (target == .directory)
    else { return nil }
    return ErrnoNames.ENOTDIR
  }
}
