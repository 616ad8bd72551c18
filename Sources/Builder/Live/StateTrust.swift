/// sshd's StrictModes for the live state: the state folder, each sandbox's folder and its `state.json` are trusted
/// only when nsbuild's own effective user owns them and neither their group nor other users may write them (a
/// sticky bit does not help: whoever may add an entry to the state folder may plant a sandbox's folder there).
/// `exec` plans with a record's spec text and `apply`/`down` signal the processes it names, so a record another user
/// could write would let that user choose what nsbuild runs and signals.
///
/// Folders are opened with openat2(2) RESOLVE_NO_SYMLINKS (a symlink anywhere on the way is refused, ELOOP), and
/// checked by fstat(2) of the very fd then used; `state.json` is opened beneath that fd with O_NOFOLLOW.
enum StateTrust {
  /// Opens folder `path` without following symlinks and checks it (see ``StateTrust``); the fd is the caller's to
  /// close.
  /// - Throws: ``SandboxStoreError/system(_:path:)`` when it cannot be opened or fstat(2)ed (ELOOP for a symlink),
  ///   ``SandboxStoreError/untrusted(_:euid:)`` when another user could change it.
  static func openFolder<Reader: SystemReader>(_ path: String, reader: Reader) throws(SandboxStoreError) -> Int32 {
    let fd: Int32
    do { fd = try reader.openDirectoryWithoutSymlinks(path) } catch { throw .system(error, path: path) }
    let status: FileStatus
    do { status = try reader.status(of: fd) } catch {
      reader.close(fd)
      throw .system(error, path: path)
    }
    if let unsafe = problem(path, status, .folder, reader: reader) {
      reader.close(fd)
      throw .untrusted(unsafe, euid: reader.effectiveUserID())
    }
    return fd
  }

  /// Reads the regular file `name` in the folder `dirfd` (at `path`), opened with O_NOFOLLOW, and checks the very
  /// fd it read (fstat(2)).
  /// - Throws: ``SandboxStoreError/notRegular(path:)`` for a symlink or anything but a regular file,
  ///   ``SandboxStoreError/untrusted(_:euid:)`` when another user could change it, ENOENT and other errors as
  ///   ``SandboxStoreError/system(_:path:)``.
  static func readFile<Reader: SystemReader>(_ dirfd: Int32, _ name: String, path: String, reader: Reader)
    throws(SandboxStoreError) -> [UInt8]
  {
    let status: FileStatus
    let bytes: [UInt8]
    do { (status, bytes) = try reader.readRegularFile(dirfd, name) } catch {
      if error.errno == ErrnoNames.ELOOP || error.errno == ErrnoNames.EINVAL { throw .notRegular(path: path) }
      throw .system(error, path: path)
    }
    if let unsafe = problem(path, status, .file, reader: reader) {
      throw .untrusted(unsafe, euid: reader.effectiveUserID())
    }
    return bytes
  }

  /// The problem with one entry, as ``UnsafeSpecPath`` words it, or nil. Only nsbuild's effective user is trusted
  /// (root's state folder is root's; a rootless caller's is its own), and a sticky folder is no exception.
  static func problem<Reader: SystemReader>(
    _ path: String, _ status: FileStatus, _ kind: UnsafeSpecPath.Kind, reader: Reader
  ) -> UnsafeSpecPath? {
    UnsafeSpecPath.check(
      path, status, kind, trusted: [reader.effectiveUserID()], reader: reader, stickyExempts: false)
  }
}
