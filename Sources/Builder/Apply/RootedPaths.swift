import SpecParser

/// The fds a process holds between steps, by the slot numbers the plan gives them.
final class FDTable {
  private var fds: [Int: Int32] = [:]
  /// The slots whose path was on a read-only mount when opened.
  var readOnlyAtOpen: Set<Int> = []

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
/// with ``PathLookup/noSymlinks``, with no symlink followed at all), and made when missing (mkdir -p; a file for a file mount point).
struct RootedPaths<Kernel: LinuxKernel> {
  let kernel: Kernel
  let root: Int32
  /// Where what is made gets noted, for a failed setup to take back.
  var journal: SetupJournal?
  /// Whether a symlink on the way is followed inside the root or refused.
  var lookup: PathLookup = .inRoot

  /// openat2(2) of `path` beneath the root as `lookup` says. A symlink refused names itself as the cause.
  func lookUp(_ path: String) throws(SyscallError) -> Int32 {
    switch lookup {
    case .inRoot: return try kernel.openInRoot(root, path)
    case .noSymlinks:
      do { return try kernel.openInRootWithoutSymlinks(root, path) } catch  where error.errno == ErrnoNames.ELOOP {
        throw SyscallError(
          call: error.call, errno: error.errno,
          path: "\(path) (a symlink on the way, which nsbuild does not follow beneath a bind or where plan showed none)"
        )
      }
    }
  }

  /// Notes in the journal what was just made as `name` in `parent`, with its identity: only that very file is ever
  /// removed again. One whose identity cannot be read is not noted, and so stays.
  private func note(_ parent: Int32, _ name: String, _ path: String, isDirectory: Bool) {
    guard let journal, let identity = try? kernel.identity(parent, name) else { return }
    journal.noteMade(root, path, isDirectory: isDirectory, identity: identity, lookup: lookup)
  }

  /// Opens `path` beneath the root (O_PATH), making it first when missing and `create` says how.
  func open(_ path: String, create: FileKind?) throws(SyscallError) -> Int32 {
    do {
      return try lookUp(path)
    } catch  where error.errno == ErrnoNames.ENOENT && create != nil {
      let (parent, name) = try openParent(path)
      defer { kernel.close(parent) }
      do {
        if create == .regular {
          try kernel.writeFile(parent, name, contents: [], mode: 0o444)
        } else {
          try kernel.makeDirectory(parent, name, mode: 0o755)
          try? kernel.changeDirectoryMode(parent, name, mode: 0o755)  // mkdirat applies the umask
        }
        note(parent, name, path, isDirectory: create != .regular)
      } catch  where error.errno == ErrnoNames.EEXIST {
        // Something is there: a symlink whose destination is missing inside the root. Following it to make that
        // destination could be steered anywhere; refuse, and say why.
        if (try? kernel.fileKind(parent, name)) == .symlink {
          let destination = (try? kernel.readLink(parent, name)) ?? "?"
          throw SyscallError(
            call: "openat2", errno: ErrnoNames.ENOENT,
            path: "\(path) (a symlink to \(destination), which does not exist inside the root)")
        }
      }
      return try lookUp(path)
    }
  }

  /// Opens the folder holding `path`, making missing folders (0755) on the way; returns it and the last name.
  func openParent(_ path: String) throws(SyscallError) -> (Int32, String) {
    var parts = path.split(separator: "/").map(String.init)
    let name = parts.popLast() ?? ""
    var prefix = ""
    for part in parts {
      prefix += "/" + part
      if let fd = try? lookUp(prefix) {
        kernel.close(fd)
        continue
      }
      let (parent, last) = try openParent(prefix)
      defer { kernel.close(parent) }
      do {
        try kernel.makeDirectory(parent, last, mode: 0o755)
        note(parent, last, prefix, isDirectory: true)
        try? kernel.changeDirectoryMode(parent, last, mode: 0o755)  // mkdirat applies the umask
      } catch  where error.errno == ErrnoNames.EEXIST {}
    }
    return (try lookUp(prefix.isEmpty ? "/" : prefix), name)
  }

  /// mkdir -p; the last folder gets `mode` when it is made (an existing folder keeps its mode, as with bwrap --dir).
  func makeDirectory(_ path: String, mode: UInt32) throws(SyscallError) {
    let (parent, name) = try openParent(path)
    defer { kernel.close(parent) }
    do {
      try kernel.makeDirectory(parent, name, mode: mode)
      note(parent, name, path, isDirectory: true)
      try kernel.changeDirectoryMode(parent, name, mode: mode)  // mkdirat applies the umask
    } catch  where error.errno == ErrnoNames.EEXIST {
      guard try kernel.fileKind(parent, name) == .directory else { throw error }
    }
  }

  /// A new file with `contents`. An existing file is never overwritten: the same contents are left as they are
  /// (its mode too), and anything else there is an error, so a spec cannot clobber a host file by accident.
  func writeFile(_ path: String, contents: String, mode: UInt32) throws(SyscallError) {
    let (parent, name) = try openParent(path)
    defer { kernel.close(parent) }
    do {
      try kernel.writeFile(parent, name, contents: Array(contents.utf8), mode: mode)
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
      try kernel.symlink(link, parent, name)
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
