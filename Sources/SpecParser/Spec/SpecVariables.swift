/// The values a spec may name with `${NAME}` in its host paths and `[process] env` values: what differs between
/// the machines and people that use one checked-in spec. A closed set, so a misspelt name is an error rather than
/// an empty string (as a shell would make it).
///
/// SpecParser reads nothing from the system: the caller fills this table in (nsbuild's Builder reads it through its
/// SystemReader) and hands it to ``SpecDecoder/decode(source:file:directory:variables:overrides:maxDiagnostics:)``.
/// `${SPEC_DIR}` is always the folder the spec's relative paths resolve against, given to the decoder on its own.
public struct SpecVariables: Sendable, Hashable {
  /// Every name `${…}` may use, in the order the README lists them.
  public static let names = ["HOME", "USER", "UID", "GID", "SPEC_DIR", "PROJECT_ROOT"]

  /// The value of each known name (`SPEC_DIR` excepted, which the decoder adds).
  public var values: [String: String]
  /// Why a name has no value here, for its error (`HOME is not set in nsbuild's environment`).
  public var missing: [String: String]

  /// - Parameters:
  ///   - home: the `HOME` environment variable of the process reading the spec; nil when unset.
  ///   - user: the login name of the real user ID (its passwd(5) entry); nil when it has none.
  ///   - uid: the real user ID (getuid(2)).
  ///   - gid: the real group ID (getgid(2)).
  ///   - projectRoot: the nearest folder at or above the spec's folder that holds `.git`; nil when none does.
  public init(
    home: String? = nil, user: String? = nil, uid: UInt32? = nil, gid: UInt32? = nil, projectRoot: String? = nil
  ) {
    values = [:]
    missing = [:]
    set("HOME", home, else: "HOME is not set in nsbuild's environment")
    set("USER", user, else: "the user running nsbuild has no name in /etc/passwd (passwd(5))")
    set("UID", uid.map(String.init), else: "the user ID was not read")
    set("GID", gid.map(String.init), else: "the group ID was not read")
    set("PROJECT_ROOT", projectRoot, else: "no folder at or above the spec's folder holds `.git`")
  }

  private mutating func set(_ name: String, _ value: String?, else reason: String) {
    if let value, !value.isEmpty { values[name] = value } else { missing[name] = reason }
  }
}

/// One `${NAME}` (or more) replaced in a spec value: what was written, what it became, and where, so `plan` can show
/// `${HOME}/src → /root/src` beside the step that uses it.
public struct SpecSubstitution: Sendable, Hashable {
  /// The value as written in the spec (or on the command line), `${HOME}/src`.
  public var written: String
  /// The value with every `${NAME}` replaced (for a path, before it is made absolute and normalised).
  public var resolved: String
  /// Where the value is written.
  public var range: SourceRange

  public init(written: String, resolved: String, range: SourceRange) {
    self.written = written
    self.resolved = resolved
    self.range = range
  }
}
