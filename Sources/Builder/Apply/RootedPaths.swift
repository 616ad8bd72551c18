import SpecParser

/// The fds a process holds between steps, by the slot numbers the plan gives them.
final class FDTable {
  private var fds: [Int: Int32] = [:]
  /// The slots whose path was on a read-only mount when opened.
  var readOnlyAtOpen: Set<Int> = []

  /// Closes every fd held and forgets them.
  func closeAll<Kernel: LinuxKernel>(_ kernel: Kernel) {
    for fd in fds.values { kernel.close(fd) }
    fds = [:]
  }

  subscript(slot: Int) -> Int32? {
    get { fds[slot] }
    set { fds[slot] = newValue }
  }
}

/// Paths beneath a root fd, walked with openat2(2) RESOLVE_IN_ROOT so that no symlink leads outside the root,
/// and made when missing (mkdir -p; a file for a file mount point).
struct RootedPaths<Kernel: LinuxKernel> {
  let kernel: Kernel
  let root: Int32
  /// Where what is made gets noted, for a failed setup to take back.
  var journal: SetupJournal?

  /// Notes in the journal what was just made as `name` in `parent`, with its identity: only that very file is ever
  /// removed again. One whose identity cannot be read is not noted, and so stays.
  private func note(_ parent: Int32, _ name: String, _ path: String, isDirectory: Bool) {
    guard let journal, let identity = try? kernel.identity(parent, name) else { return }
    journal.noteMade(root, path, isDirectory: isDirectory, identity: identity)
  }

  /// Runs one *at() call on `name` in a folder fd, giving its error the whole spec path: the kernel only knows the
  /// last name, and `mkdirat(2): b: ENOTDIR` does not say which `b` in which folder.
  private func at<T>(_ path: String, _ body: () throws(SyscallError) -> T) throws(SyscallError) -> T {
    do { return try body() } catch { throw SyscallError(call: error.call, errno: error.errno, path: path) }
  }

  /// Opens `path` beneath the root (O_PATH), making it first when missing and `create` says how.
  func open(_ path: String, create: FileKind?) throws(SyscallError) -> Int32 {
    do {
      return try kernel.openInRoot(root, path)
    } catch  where error.errno == ErrnoNames.ENOENT && create != nil {
      let (parent, name) = try openParent(path)
      defer { kernel.close(parent) }
      do {
        if create == .regular {
          try at(path) { () throws(SyscallError) in try kernel.writeFile(parent, name, contents: [], mode: 0o444) }
        } else {
          try at(path) { () throws(SyscallError) in try kernel.makeDirectory(parent, name, mode: 0o755) }
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
      return try kernel.openInRoot(root, path)
    }
  }

  /// Opens the folder holding `path`, making missing folders (0755) on the way; returns it and the last name.
  func openParent(_ path: String) throws(SyscallError) -> (Int32, String) {
    var parts = path.split(separator: "/").map(String.init)
    let name = parts.popLast() ?? ""
    var prefix = ""
    for part in parts {
      prefix += "/" + part
      if let fd = try? kernel.openInRoot(root, prefix) {
        kernel.close(fd)
        continue
      }
      let (parent, last) = try openParent(prefix)
      defer { kernel.close(parent) }
      do {
        try at(prefix) { () throws(SyscallError) in try kernel.makeDirectory(parent, last, mode: 0o755) }
        note(parent, last, prefix, isDirectory: true)
        try? kernel.changeDirectoryMode(parent, last, mode: 0o755)  // mkdirat applies the umask
      } catch  where error.errno == ErrnoNames.EEXIST {}
    }
    return (try kernel.openInRoot(root, prefix.isEmpty ? "/" : prefix), name)
  }

  /// mkdir -p; the last folder gets `mode` when it is made (an existing folder keeps its mode, as with bwrap --dir).
  func makeDirectory(_ path: String, mode: UInt32) throws(SyscallError) {
    let (parent, name) = try openParent(path)
    defer { kernel.close(parent) }
    do {
      try at(path) { () throws(SyscallError) in try kernel.makeDirectory(parent, name, mode: mode) }
      note(parent, name, path, isDirectory: true)
      // mkdirat applies the umask
      try at(path) { () throws(SyscallError) in try kernel.changeDirectoryMode(parent, name, mode: mode) }
    } catch  where error.errno == ErrnoNames.EEXIST {
      guard try at(path, { () throws(SyscallError) in try kernel.fileKind(parent, name) }) == .directory else {
        throw error
      }
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
