import SpecParser

/// How the spec file a sandbox's record names stands now, next to the bytes the last `up` or `apply` read
/// (``SandboxRecord/specDigest``): what `status` reports, and what tells `exec` whether it can plan with the file.
public enum SpecFileState: String, Sendable, Hashable, CaseIterable {
  /// The file holds the bytes last applied (same SHA-256).
  case unchanged
  /// The file was edited since: `plan --target` shows what an `apply` would change.
  case changed
  /// No file at the path any more (ENOENT or ENOTDIR on the way to it).
  case gone
  /// The file is there but cannot be read (EACCES, not a regular file, larger than nsbuild reads).
  case unreadable
  /// The spec came through a pipe (``SandboxRecord/specFolder``): there is no file to read again, the record keeps
  /// its text.
  case pipe

  /// The state of `record`'s spec file, read through `reader` as `up` reads a spec (one name at a time by fd).
  public static func read<Reader: SystemReader>(_ record: SandboxRecord, reader: Reader) -> SpecFileState {
    // Never read again: `/dev/stdin` would be the reader's own input.
    if record.specFolder != nil { return .pipe }
    switch RecordedSpec.readFile(record, reader: reader) {
    case .success(let read): return SHA256.hex(read.source) == record.specDigest ? .unchanged : .changed
    case .failure(let error): return RecordedSpec.isGone(error) ? .gone : .unreadable
    }
  }

  /// How `status` says it, after the path.
  public var description: String {
    switch self {
    case .unchanged: "unchanged since the last up or apply"
    case .changed: "changed since the last up or apply (`nsbuild plan --target` shows what it would change)"
    case .gone: "gone since the last up or apply"
    case .unreadable: "cannot be read now"
    case .pipe: "came through a pipe: the record keeps its text"
    }
  }
}

/// The spec `exec` plans with: the file the record names when it can be read and is a valid spec that no other user
/// could change; else the text the last `up` or `apply` read (``SandboxRecord/specSource``), which was valid then.
public enum RecordedSpec {
  /// Which spec `exec` takes, and why the file was not taken.
  public enum Choice: Sendable {
    /// The file, read and checked now.
    case file(LoadedSpec)
    /// The recorded text, checked again; `reason` says what is wrong with the file ("is gone", …).
    case recorded(LoadedSpec, reason: String)
    /// The spec came through a pipe (``SandboxRecord/specFolder``): the recorded text, checked again, which is all
    /// there is of it; nil when the record keeps none that is a valid spec. The path is never read: `/dev/stdin`
    /// would be `exec`'s own input, the command's.
    case pipe(LoadedSpec?)
    /// Neither: the file cannot be used and the record keeps no text (written before it kept one). The caller
    /// loads the file as it would any spec, so its error is reported.
    case none
  }

  /// The spec for `exec` into the sandbox `record` describes.
  public static func choose<Reader: SystemReader>(_ record: SandboxRecord, reader: Reader) -> Choice {
    if record.specFolder != nil { return .pipe(recordedLoad(record, reader: reader)) }
    let reason: String
    switch readFile(record, reader: reader) {
    case .success(let read):
      let check = SpecLoader(reader: reader).check(read.source, file: record.specPath, directory: read.folder)
      let loaded = LoadedSpec(path: record.specPath, source: read.source, check: check, unsafePath: read.unsafe)
      if check.spec != nil, read.unsafe == nil { return .file(loaded) }
      reason =
        check.spec == nil
        ? "is no longer a valid spec" : "could be changed by another user (\(read.unsafe?.description ?? ""))"
    case .failure(let error):
      reason = isGone(error) ? "is gone" : "cannot be read (\(error))"
    }
    guard let recorded = recordedLoad(record, reader: reader) else { return .none }
    return .recorded(recorded, reason: reason)
  }

  /// The recorded text checked again; its relative paths resolve against the folder of the recorded path, as they
  /// did. Nil when the record keeps no text, or when the text no longer decodes to a spec (not expected: it did).
  static func recordedLoad<Reader: SystemReader>(_ record: SandboxRecord, reader: Reader) -> LoadedSpec? {
    guard let text = record.specSource else { return nil }
    let source = Array(text.utf8)
    let parent = record.specPath.split(separator: "/", omittingEmptySubsequences: false).dropLast()
      .joined(separator: "/")
    let folder = record.specFolder ?? (parent.isEmpty ? "/" : parent)
    let check = SpecLoader(reader: reader).check(source, file: record.specPath, directory: folder)
    guard check.spec != nil else { return nil }
    return LoadedSpec(path: record.specPath, source: source, check: check)
  }

  static func readFile<Reader: SystemReader>(_ record: SandboxRecord, reader: Reader) -> Result<
    SpecFileReader<Reader>.Result, SyscallError
  > {
    do { return .success(try SpecFileReader(reader: reader).read(record.specPath)) } catch { return .failure(error) }
  }

  static func isGone(_ error: SyscallError) -> Bool {
    error.errno == ErrnoNames.ENOENT || error.errno == ErrnoNames.ENOTDIR
  }
}
