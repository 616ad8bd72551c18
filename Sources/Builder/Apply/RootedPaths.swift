import SpecParser

/// The fds a process holds between steps, by the slot numbers the plan gives them.
final class FDTable {
  private var fds: [Int: Int32] = [:]
  /// The slots whose path was on a read-only mount when opened.
  var readOnlyAtOpen: Set<Int> = []
  /// The slots holding the host's own `/` as a root: a dangling symlink there is refused rather than followed (see
  /// ``RootedPaths/makesLinkDestinations``).
  var hostTree: Set<Int> = []

  /// The sandbox path a slot that a `.resolve` call filled stands for (absent: the root itself), so that an error
  /// beneath a mount's root names the whole path, not only the part inside that mount.
  var shownPaths: [Int: String] = [:]

  /// The sandbox path of `path` looked up beneath the fd in `slot`.
  func shown(_ path: String, beneath slot: Int) -> String {
    guard let base = shownPaths[slot], base != "/" else { return path }
    return path == "/" ? base : base + path
  }

  /// Where each slot a `.resolve` call filled was looked up (root slot, path, how), so a file in it can be opened
  /// again by its name in its folder, never through /proc.
  var places: [Int: (root: Int, path: String, lookup: PathLookup)] = [:]

  /// The fds holding shared flock(2)s on the host mount points this run uses (see ``Syscall/lockShared(slot:path:)``).
  var locks: [Int32] = []

  /// Closes every fd held and forgets them.
  func closeAll<Kernel: LinuxKernel>(_ kernel: Kernel) {
    for fd in fds.values { kernel.close(fd) }
    fds = [:]
  }

  /// Closes the lock fds: before an undo (whose exclusive locks this process's own shared ones would block), or once
  /// the sandbox process holds copies.
  func releaseLocks<Kernel: LinuxKernel>(_ kernel: Kernel) {
    for fd in locks { kernel.close(fd) }
    locks = []
  }

  subscript(slot: Int) -> Int32? {
    get { fds[slot] }
    set { fds[slot] = newValue }
  }
}

/// Paths beneath a root fd, walked with openat2(2) RESOLVE_IN_ROOT so that no symlink leads outside the root (or,
/// with ``PathLookup/noSymlinks``, with no symlink followed at all), and made when missing (mkdir -p; a file for a
/// file mount point) one component at a time (see ``InRootWalk``).
struct RootedPaths<Kernel: LinuxKernel> {
  let kernel: Kernel
  let root: Int32
  /// Where what is made gets noted, for a failed setup to take back.
  var journal: SetupJournal?
  /// Whether a symlink on the way is followed inside the root or refused.
  var lookup: PathLookup = .inRoot
  /// Whether a dangling symlink's destination may be made: inside a root folder or a tmpfs root, yes; on the host's
  /// own tree, where it would be a host path `plan` did not name, no.
  var makesLinkDestinations = true

  /// openat2(2) of `path` beneath the root as `lookup` says. A symlink refused names itself as the cause.
  func lookUp(_ path: String) throws(SyscallError) -> Int32 {
    switch lookup {
    case .inRoot: return try kernel.openInRoot(root, path)
    case .noSymlinks:
      do { return try kernel.openInRootWithoutSymlinks(root, path) } catch  where error.errno == ErrnoNames.ELOOP {
        throw SyscallError(call: error.call, errno: error.errno, path: InRootWalk<Kernel>.refusedLink(path))
      }
    }
  }

  /// Notes in the journal what was just made as `name` in `parent`, with its identity: only that very file is ever
  /// removed again. One whose identity cannot be read is not noted, and so stays.
  private func note(_ parent: Int32, _ name: String, _ path: String, isDirectory: Bool) {
    guard let journal, let identity = try? kernel.identity(parent, name) else { return }
    journal.noteMade(root, path, isDirectory: isDirectory, identity: identity, lookup: lookup)
  }

  /// Runs one *at() call on `name` in a folder fd, giving its error the whole spec path: the kernel only knows the
  /// last name, and `mkdirat(2): b: ENOTDIR` does not say which `b` in which folder.
  private func at<T>(_ path: String, _ body: () throws(SyscallError) -> T) throws(SyscallError) -> T {
    do { return try body() } catch { throw SyscallError(call: error.call, errno: error.errno, path: path) }
  }

  /// The component-by-component walk beneath the root, noting in the journal what it makes.
  private var walk: InRootWalk<Kernel> {
    InRootWalk(
      kernel: kernel, root: root, followsLinks: lookup == .inRoot, makesLinkDestinations: makesLinkDestinations
    ) {
      note($0, $1, $2, isDirectory: $3)
    }
  }

  /// Opens `path` beneath the root (O_PATH), making it first when missing and `create` says how. A dangling symlink
  /// on the way is followed inside the root and its destination made there (see ``InRootWalk``).
  func open(_ path: String, create: FileKind?) throws(SyscallError) -> Int32 {
    do {
      return try lookUp(path)
    } catch  where error.errno == ErrnoNames.ENOENT && create != nil {
      return try walk.resolve(path, last: create == .regular ? .file(mode: 0o444) : .directory(mode: 0o755)).fd
    }
  }

  /// Opens the folder holding `path`, making missing folders (0755) on the way; returns it and the last name.
  func openParent(_ path: String) throws(SyscallError) -> (Int32, String) {
    try walk.resolve(path, last: .parentOnly)
  }

  /// mkdir -p; the last folder gets `mode` when it is made (an existing folder keeps its mode, as with bwrap --dir).
  func makeDirectory(_ path: String, mode: UInt32) throws(SyscallError) {
    let fd = try walk.resolve(path, last: .directory(mode: mode)).fd
    defer { kernel.close(fd) }
    guard try kernel.fileKind(of: fd) == .directory else {
      throw SyscallError(call: "mkdirat", errno: ErrnoNames.EEXIST, path: "\(path) (exists, and is not a folder)")
    }
  }

  /// A new file with `contents`. An existing file is never overwritten: the same contents are left as they are
  /// (its mode too), and anything else there is an error, so a spec cannot clobber a host file by accident.
  func writeFile(_ path: String, contents: String, mode: UInt32) throws(SyscallError) {
    let (parent, name) = try openParent(path)
    defer { kernel.close(parent) }
    do {
      try at(path) { () throws(SyscallError) in
        try kernel.writeFile(parent, name, contents: Array(contents.utf8), mode: mode)
      }
      note(parent, name, path, isDirectory: false)
    } catch  where error.errno == ErrnoNames.EEXIST {
      let existing = try? kernel.readExistingFile(parent, name)
      if existing == Array(contents.utf8) { return }
      throw SyscallError(
        call: "openat", errno: ErrnoNames.EEXIST,
        path: "\(path) (exists with other contents; nsbuild does not overwrite files)")
    }
  }

  /// A symlink; an existing link to the same place is kept, anything else there is an error naming it.
  func symlink(_ path: String, to link: String) throws(SyscallError) {
    let (parent, name) = try openParent(path)
    defer { kernel.close(parent) }
    do {
      try at(path) { () throws(SyscallError) in try kernel.symlink(link, parent, name) }
      note(parent, name, path, isDirectory: false)
    } catch  where error.errno == ErrnoNames.EEXIST {
      let existing = try? kernel.readLink(parent, name)
      if existing == link { return }
      throw SyscallError(
        call: "symlinkat", errno: ErrnoNames.EEXIST,
        path: existing.map { "\(path) (a link to \($0) exists)" } ?? "\(path) (something else exists)")
    }
  }
}
