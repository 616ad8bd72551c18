/// The mount and file calls of ``StepRunner``, all through fds so no path is looked up twice or outside the root.
extension StepRunner {
  /// A path through /proc/self/fd: mount(2) and linkat(2) resolve the magic link to the open file itself, which only
  /// a real proc does, so every call that takes one checks /proc first: a mount on /proc is refused, not followed.
  private func procPath(_ slot: Int) throws(SyscallError) -> String { "/proc/self/fd/\(try fd(slot))" }

  func lockShared(_ slot: Int, path: String) throws(SyscallError) {
    do { if let lock = try lockShared(slot) { fds.locks.append(lock) } } catch {
      throw SyscallError(
        call: error.call, errno: error.errno,
        path: error.errno == ErrnoNames.EWOULDBLOCK ? "\(path) (another nsbuild run is removing it)" : path)
    }
  }

  func closeSlots() throws(SyscallError) {
    journal?.isClosed = true
    // The locks outlive init's fds: the sandbox process, which the command cannot reach, holds them from here.
    if let lockSocket, !fds.locks.isEmpty { try kernel.sendFDs(fds.locks, over: lockSocket) }
    fds.releaseLocks(kernel)
    fds.closeAll(kernel)
    // And whatever nsbuild's own caller left open (and init's lifeline, checked for the last time just before):
    // init stays running while the command does.
    try kernel.closeAll(from: 3, except: [reportFD, readyFD].compactMap { $0 })
  }

  func resolve(
    _ path: String, beneath root: Int, create: MountPointKind?, into slot: Int, lookup: PathLookup
  ) throws(SyscallError) {
    var kind: FileKind?
    switch create {
    case .directory: kind = .directory
    case .file: kind = .regular
    case .likeSource(let source):
      // fstat(2) of the source's fd; its error names the mount point it was for.
      try naming(path) { () throws(SyscallError) in
        kind = try kernel.fileKind(of: try fd(source)) == .directory ? .directory : .regular
      }
    case nil: kind = nil
    }
    fds[slot] = try naming(beneath: root) { () throws(SyscallError) in
      try rooted(root, lookup).open(path, create: kind)
    }
    fds.shownPaths[slot] = fds.shown(path, beneath: root)
    fds.places[slot] = (root, path, lookup)
    journal?.noteResolved(slot: slot, root: try fd(root), path: path, lookup: lookup)
  }

  func mountAt(
    _ source: MountSource, onto target: Int, path: String, fstype: String?, flags: MountFlags, data: String?
  ) throws(SyscallError) {
    try kernel.checkProcFD()
    let from: String
    switch source {
    case .name(let name): from = name
    case .slot(let slot, _): from = try procPath(slot)
    }
    try naming(path) { () throws(SyscallError) in
      try kernel.mount(source: from, target: try procPath(target), fstype: fstype, flags: flags, data: data)
      journal?.noteMounted(onSlot: target)
    }
  }

  func mountOverlay(
    onto target: Int, path: String, layers: (lower: [Int], upper: Int?, work: Int?), flags: MountFlags,
    userXattr: Bool
  ) throws(SyscallError) {
    try kernel.checkProcFD()
    var data =
      "lowerdir=" + (try layers.lower.map { (slot) throws(SyscallError) in try procPath(slot) }).joined(separator: ":")
    if let upper = layers.upper, let work = layers.work {
      data += ",upperdir=\(try procPath(upper)),workdir=\(try procPath(work))"
    }
    if userXattr { data += ",userxattr" }
    try naming(path) { () throws(SyscallError) in
      try kernel.mount(source: "overlay", target: try procPath(target), fstype: "overlay", flags: flags, data: data)
      journal?.noteMounted(onSlot: target)
    }
  }

  func restoreWritable(_ slot: Int, source: Int, path: String) throws(SyscallError) {
    guard !fds.readOnlyAtOpen.contains(source) else { return }
    try naming(path) { () throws(SyscallError) in
      try kernel.mountSetattr(fd: try fd(slot), recursive: false, set: [], clear: .rdonly)
    }
  }

  func propagate(_ slot: Int, path: String, flags: MountFlags) throws(SyscallError) {
    try kernel.checkProcFD()
    try naming(path) { () throws(SyscallError) in
      try kernel.mount(source: nil, target: try procPath(slot), fstype: nil, flags: flags, data: nil)
    }
  }

  func createFile(
    _ path: String, beneath root: Int, contents: String, mode: UInt32, lookup: PathLookup
  ) throws(SyscallError) {
    // linkat(2) AT_EMPTY_PATH needs no /proc; RootedPaths checks it only where it falls back to a /proc path.
    try naming(beneath: root) { () throws(SyscallError) in
      try rooted(root, lookup).writeFile(path, contents: contents, mode: mode)
    }
  }

  /// With `throughProc` (a kernel without the new mount API), the bind is made by mount(2) through /proc/self/fd,
  /// which is checked first.
  func makeReadOnly(_ path: String, beneath mount: Int, shown: String, throughProc: Bool) throws(SyscallError) {
    if throughProc { try kernel.checkProcFD() }
    try ProtectedPaths(kernel: kernel, mount: try fd(mount), journal: journal, throughProc: throughProc)
      .makeReadOnly(path, shown: shown)
  }

  func mask(
    _ path: String, beneath mount: Int, shown: String, nullDevice: Int?, throughProc: Bool
  ) throws(SyscallError) {
    if throughProc { try kernel.checkProcFD() }
    let null = try nullDevice.map { (slot) throws(SyscallError) in try fd(slot) }
    try ProtectedPaths(kernel: kernel, mount: try fd(mount), journal: journal, throughProc: throughProc).mask(
      path, shown: shown, nullDevice: null)
  }

  /// flock(2) LOCK_SH on the mount point in `slot`: a folder opened as "." beneath its fd, a file by its name in its
  /// folder (looked up again as the slot was), and only when it is the same file. No path through /proc.
  private func lockShared(_ slot: Int) throws(SyscallError) -> Int32? {
    let target = try fd(slot)
    guard (try? kernel.fileKind(of: target)) != .directory, let place = fds.places[slot] else {
      return try kernel.lockShared(target, in: nil, "")
    }
    var parts = place.path.split(separator: "/").map(String.init)
    let name = parts.popLast() ?? ""
    let parent = try rooted(place.root, place.lookup).lookUp("/" + parts.joined(separator: "/"))
    defer { kernel.close(parent) }
    return try kernel.lockShared(target, in: parent, name)
  }
}
