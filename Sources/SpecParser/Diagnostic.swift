/// One problem found in a spec: what, where, and what to do about it.
///
/// Diagnostics are data: the checker collects all of them, then a renderer prints them as
/// `FILE:LINE:COL: error: MESSAGE` with the source line and a caret (see ``DiagnosticRenderer``).
public struct Diagnostic: Sendable, Hashable {
  /// How bad it is. Errors stop `check`, `plan` and `run`; warnings do not.
  public enum Severity: String, Sendable, Hashable {
    case error
    case warning
  }

  public var severity: Severity
  /// A stable machine-readable name, e.g. `unknown-key`, `type-mismatch`, `toml-syntax`.
  public var code: String
  public var message: String
  /// The spec file's path as the user gave it.
  public var file: String
  public var range: SourceRange
  /// A suggestion, such as a "did you mean" or the accepted forms of a value.
  public var hint: String?

  public init(
    _ severity: Severity, code: String, message: String, file: String, range: SourceRange, hint: String? = nil
  ) {
    self.severity = severity
    self.code = code
    self.message = message
    self.file = file
    self.range = range
    self.hint = hint
  }
}
