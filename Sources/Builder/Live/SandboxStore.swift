/// The live sandboxes' state: one folder per sandbox (mode 0700) in a ``StateDirectory``, holding `state.json` (a
/// ``SandboxRecord``), `lock` (the flock(2) every command that acts on the sandbox takes) and `output.log` (what the
/// sandbox's processes write). Writes go through `kernel` (a ``LinuxKernel``), reads through it as a
/// ``SystemReader``.
///
/// The API other commands use: ``load(_:)``, ``save(_:)``, ``list()``, ``remove(_:)`` and ``lock(_:creating:)``.
/// Take the lock first, and hold it while loading, acting on the sandbox and saving, so two commands on one
/// sandbox serialize (`up` while it builds, `down`, `apply`, `exec`'s setup).
public struct SandboxStore<Kernel: LinuxKernel> {
  public let directory: StateDirectory
  public let kernel: Kernel

  /// The files of a sandbox's folder.
  static var recordFile: String { StateDirectory.recordFile }
  static var newRecordFile: String { ".state.json.new" }
  static var lockFile: String { "lock" }
  /// What the sandbox's processes write (see ``LiveLaunch``).
  public static var outputFile: String { "output.log" }

  public init(directory: StateDirectory, kernel: Kernel) {
    self.directory = directory
    self.kernel = kernel
  }

  /// The record of sandbox `name`; nil when there is none (no folder, or a folder whose `up` never finished).
  /// `state.json` is read beneath the folder's fd, opened with openat2(2) RESOLVE_NO_SYMLINKS, and with O_NOFOLLOW:
  /// a symlink anywhere on the way is refused, never followed to another sandbox's record. The state folder, the
  /// sandbox's folder and `state.json` must be nsbuild's effective user's alone (``StateTrust``).
  /// - Throws: ``SandboxStoreError/untrusted(_:euid:)`` for one another user could change,
  ///   ``SandboxStoreError/unreadable(_:path:)`` for a record that cannot be decoded,
  ///   ``SandboxStoreError/notRegular(path:)`` for a `state.json` that is a symlink or not a regular file,
  ///   ``SandboxStoreError/otherName(_:path:)`` for a record of another sandbox, ``SandboxStoreError/system(_:path:)``
  ///   otherwise.
  public func load(_ name: SandboxName) throws(SandboxStoreError) -> SandboxRecord? {
    try SandboxRecordReader(directory: directory, reader: kernel).load(name)
  }

  /// Writes `record` as its sandbox's `state.json`, atomically: a new file, complete before it gets its name, then
  /// renamed over the old one (rename(2)), in the folder opened without following a symlink. Call it holding the
  /// sandbox's lock.
  /// - Throws: ``SandboxStoreError/system(_:path:)`` naming the call and errno.
  public func save(_ record: SandboxRecord) throws(SandboxStoreError) {
    let folder = directory.folder(of: record.name)
    let bytes: [UInt8]
    do { bytes = try record.encoded() } catch {
      throw .system(SyscallError(call: "encode", errno: ErrnoNames.EINVAL, path: "\(error)"), path: folder)
    }
    try within(folder) { (fd) throws(SyscallError) in
      try? kernel.removeEntry(fd, Self.newRecordFile, directory: false)
      try kernel.writeFile(fd, Self.newRecordFile, contents: bytes, mode: 0o600)
      try kernel.rename(fd, Self.newRecordFile, to: Self.recordFile)
    }
  }

  /// The names of the sandboxes that have a folder, sorted; a folder whose name is not a valid ``SandboxName`` is
  /// not nsbuild's and is left out. Empty when the state folder does not exist yet.
  public func list() throws(SandboxStoreError) -> [SandboxName] {
    guard let fd = try SandboxRecordReader.openIfPresent(directory.path, kernel) else { return [] }
    defer { kernel.close(fd) }
    do {
      return try kernel.directoryEntries(fd).compactMap { try? SandboxName(validating: $0) }
        .sorted { $0.rawValue < $1.rawValue }
    } catch { throw .system(error, path: directory.path) }
  }

  /// Removes sandbox `name`'s folder and its files (record, log, lock). Call it holding the lock: a command waiting
  /// for it then finds its lock file gone and the sandbox with it.
  /// - Throws: ``SandboxStoreError/system(_:path:)``, e.g. ENOTEMPTY when the folder holds a file nsbuild did not put
  ///   there.
  public func remove(_ name: SandboxName) throws(SandboxStoreError) {
    let folder = directory.folder(of: name)
    try within(folder) { (fd) throws(SyscallError) in
      for file in [Self.newRecordFile, Self.recordFile, Self.outputFile, Self.lockFile] {
        try removeIfPresent(fd, file)
      }
    }
    try within(directory.path) { (fd) throws(SyscallError) in
      try kernel.removeEntry(fd, name.rawValue, directory: true)
    }
  }

  /// Removes a previous sandbox's `output.log`, so the next one's log starts empty (`up` replacing a dead one).
  public func discardOutput(_ name: SandboxName) {
    try? within(directory.folder(of: name)) { (fd) throws(SyscallError) in
      try kernel.removeEntry(fd, Self.outputFile, directory: false)
    }
  }

  /// Takes the exclusive flock(2) on sandbox `name`'s `lock` file, waiting while another command holds it. With
  /// `creating` (`up`), the state folder and the sandbox's folder are made first (mode 0700) when missing.
  /// - Throws: ``SandboxStoreError/noSuchSandbox(_:)`` when, without `creating`, the sandbox has no folder (or its
  ///   folder was removed by the command that held the lock before); ``SandboxStoreError/system(_:path:)`` otherwise.
  public func lock(_ name: SandboxName, creating: Bool) throws(SandboxStoreError) -> SandboxLock {
    let folder = directory.folder(of: name)
    while true {
      if creating { try makeFolders(name) }
      // The state folder is checked first: a sandbox's folder is trusted only in a trusted state folder.
      if let state = try SandboxRecordReader.openIfPresent(directory.path, kernel) {
        kernel.close(state)
      } else if !creating {
        throw .noSuchSandbox(name)
      }
      guard let fd = try SandboxRecordReader.openIfPresent(folder, kernel) else {
        if !creating { throw .noSuchSandbox(name) }
        continue  // removed by a `down` between mkdir and open
      }
      defer { kernel.close(fd) }
      do { return SandboxLock(fd: try kernel.lockExclusiveWaiting(fd, Self.lockFile), name: name) } catch {
        // ENOENT: the holder before us removed the folder; an `up` makes it again.
        guard error.errno == ErrnoNames.ENOENT else { throw .system(error, path: folder + "/" + Self.lockFile) }
        if !creating { throw .noSuchSandbox(name) }
      }
    }
  }

  /// Ends `lock` (it also ends with the process and every child forked while it was held): flock(2) LOCK_UN first,
  /// since the sandbox's processes, forked by `up` while it held the lock, share the open file.
  public func unlock(_ lock: SandboxLock) {
    kernel.unlock(lock.fd)
    kernel.close(lock.fd)
  }

  private func makeFolders(_ name: SandboxName) throws(SandboxStoreError) {
    let parent = directory.path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
      .joined(separator: "/")
    let base = directory.path.split(separator: "/").last.map(String.init) ?? ""
    // The state folder's parent (`/run`, a runtime folder) is not nsbuild's to check; the state folder is.
    try within(parent.isEmpty ? "/" : parent, checked: false) { (fd) throws(SyscallError) in
      try makeIfMissing(fd, base)
    }
    try within(directory.path) { (fd) throws(SyscallError) in try makeIfMissing(fd, name.rawValue) }
  }

  private func removeIfPresent(_ fd: Int32, _ name: String) throws(SyscallError) {
    do { try kernel.removeEntry(fd, name, directory: false) } catch {
      if error.errno != ErrnoNames.ENOENT { throw error }
    }
  }

  private func makeIfMissing(_ fd: Int32, _ name: String) throws(SyscallError) {
    do { try kernel.makeDirectory(fd, name, mode: 0o700) } catch {
      if error.errno != ErrnoNames.EEXIST { throw error }
    }
  }

  /// Runs `body` with `path` opened as a folder without following symlinks, and (when `checked`) refused unless
  /// nsbuild's own (``StateTrust``); closes it after.
  private func within(_ path: String, checked: Bool = true, _ body: (Int32) throws(SyscallError) -> Void)
    throws(SandboxStoreError)
  {
    let fd: Int32
    if checked {
      fd = try StateTrust.openFolder(path, reader: kernel)
    } else {
      do { fd = try kernel.openDirectoryWithoutSymlinks(path) } catch { throw .system(error, path: path) }
    }
    defer { kernel.close(fd) }
    do { try body(fd) } catch { throw .system(error, path: path) }
  }
}

/// The exclusive lock on one sandbox (see ``SandboxStore/lock(_:creating:)``), held while its fd is open.
public struct SandboxLock: Sendable, Hashable {
  public let fd: Int32
  public let name: SandboxName
}

/// Why the state store could not do what was asked.
public enum SandboxStoreError: Error, Sendable, Hashable, CustomStringConvertible {
  /// No sandbox of this name.
  case noSuchSandbox(SandboxName)
  /// A call failed on the state folder at `path`.
  case system(SyscallError, path: String)
  /// The record at `path` cannot be read as one.
  case unreadable(SandboxRecordError, path: String)
  /// `state.json` at `path` is a symlink or not a regular file: never followed.
  case notRegular(path: String)
  /// The record at `path` is the record of sandbox `recorded`, not of the folder it lies in.
  case otherName(SandboxName, path: String)
  /// The state folder, a sandbox's folder or its `state.json` could be changed by another user than nsbuild's
  /// effective one (``StateTrust``): never trusted.
  case untrusted(UnsafeSpecPath, euid: UInt32)

  public var description: String {
    switch self {
    case .noSuchSandbox(let name): "no sandbox named '\(name)' (see `nsbuild ls`)"
    case .system(let error, let path): "the state folder \(path): \(error)"
    case .unreadable(let error, let path): "\(path): \(error)"
    case .notRegular(let path):
      "\(path) is a symlink or not a regular file; nsbuild reads only a regular file it wrote there (remove the folder by hand)"
    case .otherName(let recorded, let path):
      "\(path) is the record of sandbox '\(recorded)', not of the folder it lies in; refusing it (remove the folder by hand)"
    case .untrusted(let unsafe, let euid):
      "refusing the live state: \(unsafe); nsbuild trusts only state its own user (uid \(euid)) alone can change, as sshd's StrictModes (fix the owner or mode, or use another NSBUILD_STATE_DIR)"
    }
  }
}
