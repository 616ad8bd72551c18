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
  /// a symlink anywhere on the way is refused, never followed to another sandbox's record. The state folder, the
  /// sandbox's folder and `state.json` must be nsbuild's effective user's alone (``StateTrust``).
  /// - Throws: ``SandboxStoreError/untrusted(_:euid:)`` for one another user could change,
  ///   ``SandboxStoreError/unreadable(_:path:)`` for a record that cannot be decoded,
  ///   ``SandboxStoreError/notRegular(path:)`` for a `state.json` that is a symlink or not a regular file,
  ///   ``SandboxStoreError/otherName(_:path:)`` for a record of another sandbox, ``SandboxStoreError/system(_:path:)``
  ///   otherwise.
  public func load(_ name: SandboxName) throws(SandboxStoreError) -> SandboxRecord? {
    let path = directory.record(of: name)
    // The state folder, then the sandbox's: each nsbuild's own (StrictModes), neither a symlink.
    guard let state = try Self.openIfPresent(directory.path, reader) else { return nil }
    reader.close(state)
    guard let fd = try Self.openIfPresent(directory.folder(of: name), reader) else { return nil }
    defer { reader.close(fd) }
    let bytes: [UInt8]
    do { bytes = try StateTrust.readFile(fd, StateDirectory.recordFile, path: path, reader: reader) } catch {
      if case .system(let failure, _) = error, failure.errno == ErrnoNames.ENOENT { return nil }
      throw error
    }
    let record: SandboxRecord
    do { record = try SandboxRecord.decode(bytes) } catch { throw .unreadable(error, path: path) }
    // A record copied (or linked) from another sandbox's folder names that sandbox, not this one.
    guard record.name == name else { throw .otherName(record.name, path: path) }
    return record
  }

  /// The folder at `path` opened and checked (``StateTrust/openFolder(_:reader:)``); nil when it does not exist.
  static func openIfPresent(_ path: String, _ reader: Reader) throws(SandboxStoreError) -> Int32? {
    do { return try StateTrust.openFolder(path, reader: reader) } catch {
      if case .system(let failure, _) = error, failure.errno == ErrnoNames.ENOENT { return nil }
      throw error
    }
  }
}
