import SpecParser

/// A spec file read from disk and checked.
public struct LoadedSpec: Sendable {
  /// The path as the user gave it, used in messages.
  public var path: String
  /// The file's bytes, for showing source lines under diagnostics.
  public var source: [UInt8]
  public var check: SpecCheck
  /// The first file or folder on the way to the spec that another user could change (sshd's StrictModes), if any.
  public var unsafePath: UnsafeSpecPath?
  /// The folder the spec's relative paths resolve in (the current directory) when it came through a pipe, a socket
  /// or a deleted file (`/dev/stdin`, `<(…)`): its path names nothing that can be read again. Nil for a file.
  public var pipeFolder: String?

  public init(path: String, source: [UInt8], check: SpecCheck, unsafePath: UnsafeSpecPath? = nil) {
    self.path = path
    self.source = source
    self.check = check
    self.unsafePath = unsafePath
  }
}

/// Reads spec files through a ``SystemReader`` and checks them.
public struct SpecLoader<Reader: SystemReader> {
  let reader: Reader

  public init(reader: Reader) {
    self.reader = reader
  }

  /// Reads and checks the spec at `path`, its `${NAME}`s replaced (``SpecVariablesReader``); relative paths inside
  /// it resolve against its folder: the canonical
  /// folder holding it (so `../proj/sandbox.toml` resolves against `proj` itself; a symlinked spec file resolves
  /// against the link's folder). The file is reached one name at a time by fd and read through the fd whose owner
  /// and mode were checked (see ``LoadedSpec/unsafePath``); what to do about an unsafe path is the caller's choice.
  ///
  /// - Parameters:
  ///   - maxDiagnostics: the most diagnostics kept (see ``SpecDecoder/decode(source:file:directory:variables:overrides:maxDiagnostics:)``).
  ///   - directory: the absolute folder relative paths resolve against instead of the spec's own, for a copy of a
  ///     spec kept elsewhere (`diff --base`); nil for the spec's folder.
  ///   - overrides: command-line changes applied on top of the file (``SpecOverride``).
  /// - Throws: ``SyscallError`` when the file cannot be read, naming the whole path.
  public func load(
    _ path: String, maxDiagnostics: Int = SpecDecoder.defaultDiagnosticLimit, directory: String? = nil,
    overrides: [SpecOverride] = []
  ) throws(SyscallError) -> LoadedSpec {
    let read = try SpecFileReader(reader: reader).read(path)
    let check = self.check(
      read.source, file: path, directory: directory ?? read.folder, overrides: overrides,
      maxDiagnostics: maxDiagnostics)
    // With overrides, the source shown under a diagnostic holds their lines too.
    var loaded = LoadedSpec(path: path, source: check.source ?? read.source, check: check, unsafePath: read.unsafe)
    if read.throughPipe { loaded.pipeFolder = directory ?? read.folder }
    return loaded
  }

  /// Checks spec text `source` (from `file`, its relative paths resolving against the absolute folder `directory`)
  /// with `overrides` on top. The ``SpecVariables`` table is read only when the text or an override can name a
  /// `${NAME}` (``SpecVariablesReader/read(folder:ifUsedIn:overrides:)``): every spec text nsbuild checks (a file, a
  /// sandbox's recorded text, `diff`'s old side) comes through here, so none reads the accounts for nothing.
  public func check(
    _ source: [UInt8], file: String, directory: String, overrides: [SpecOverride] = [],
    maxDiagnostics: Int = SpecDecoder.defaultDiagnosticLimit
  ) -> SpecCheck {
    SpecDecoder.decode(
      source: source, file: file, directory: directory,
      variables: SpecVariablesReader(reader: reader).read(folder: directory, ifUsedIn: source, overrides: overrides),
      overrides: overrides, maxDiagnostics: maxDiagnostics)
  }
}
