/// Reads live sandboxes' records (``SandboxRecord``) from a ``StateDirectory`` through a ``SystemReader`` only: the
/// read-only half of ``SandboxStore``, for what observes (`plan`'s join targets) and must not change anything.
public struct SandboxRecordReader<Reader: SystemReader> {
  public let directory: StateDirectory
  public let reader: Reader

  public init(directory: StateDirectory, reader: Reader) {
    self.directory = directory
    self.reader = reader
  }

  /// The record of sandbox `name`; nil when there is none (no folder, or a folder whose `up` never finished).
  /// `state.json` is read beneath the folder's fd, opened with openat2(2) RESOLVE_NO_SYMLINKS, and with O_NOFOLLOW:
  /// a symlink anywhere on the way is refused, never followed to another sandbox's record.
  /// - Throws: ``SandboxStoreError/unreadable(_:path:)`` for a record that cannot be decoded,
  ///   ``SandboxStoreError/notRegular(path:)`` for a `state.json` that is a symlink or not a regular file,
  ///   ``SandboxStoreError/otherName(_:path:)`` for a record of another sandbox, ``SandboxStoreError/system(_:path:)``
  ///   otherwise.
  public func load(_ name: SandboxName) throws(SandboxStoreError) -> SandboxRecord? {
    let folder = directory.folder(of: name)
    let path = directory.record(of: name)
    let fd: Int32
    do { fd = try reader.openDirectoryWithoutSymlinks(folder) } catch {
      if error.errno == ErrnoNames.ENOENT { return nil }
      throw .system(error, path: folder)
    }
    defer { reader.close(fd) }
    let bytes: [UInt8]
    do { bytes = try reader.readExistingFile(fd, StateDirectory.recordFile) } catch {
      if error.errno == ErrnoNames.ENOENT { return nil }
      if error.errno == ErrnoNames.ELOOP || error.errno == ErrnoNames.EINVAL { throw .notRegular(path: path) }
      throw .system(error, path: path)
    }
    let record: SandboxRecord
    do { record = try SandboxRecord.decode(bytes) } catch { throw .unreadable(error, path: path) }
    // A record copied (or linked) from another sandbox's folder names that sandbox, not this one.
    guard record.name == name else { throw .otherName(record.name, path: path) }
    return record
  }
}
