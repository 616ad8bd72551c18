/// Collects diagnostics for one file while decoding, keeping only the first `limit` in source order, as compilers
/// do (clang's -ferror-limit, gcc's -fmax-errors): a 10 MB spec of one mistake repeated must not cost gigabytes of
/// messages nobody reads. The rest are counted, and ``finish()`` ends the list with one diagnostic saying how many.
///
/// Work stays linear in the input: a diagnostic that falls after the kept ones in the file is counted and dropped
/// before its message or hint (a "did you mean" search) is built, and the kept list is sorted and cut whenever it
/// reaches twice the limit.
final class DiagnosticSink {
  let file: String
  /// The most diagnostics kept; 0 keeps every one.
  let limit: Int
  private var kept: [Diagnostic] = []
  /// The largest offset among `kept`, once it holds `limit` diagnostics: anything at or after it is dropped.
  private var cutoff: Int?
  private(set) var omitted = OmittedDiagnostics()
  private(set) var hasErrors = false
  /// How many messages were built, for tests to check that dropped diagnostics cost nothing.
  private(set) var builtMessages = 0

  init(file: String, limit: Int = SpecDecoder.defaultDiagnosticLimit) {
    self.file = file
    self.limit = max(0, limit)
  }

  func error(
    _ code: String, _ message: @autoclosure () -> String, at range: SourceRange, hint: @autoclosure () -> String? = nil
  ) {
    add(.error, code, message, range, hint)
  }

  func warning(
    _ code: String, _ message: @autoclosure () -> String, at range: SourceRange, hint: @autoclosure () -> String? = nil
  ) {
    add(.warning, code, message, range, hint)
  }

  /// Adds a diagnostic made elsewhere (such as the planner's), under the same limit.
  func append(_ diagnostic: Diagnostic) {
    add(diagnostic.severity, diagnostic.code, { diagnostic.message }, diagnostic.range, { diagnostic.hint })
  }

  /// Counts diagnostics left out earlier (by another sink) as omitted here too.
  func carry(_ earlier: OmittedDiagnostics) {
    omitted.merge(earlier)
    if earlier.errors > 0 { hasErrors = true }
  }

  private func add(
    _ severity: Diagnostic.Severity, _ code: String, _ message: () -> String, _ range: SourceRange,
    _ hint: () -> String?
  ) {
    if severity == .error { hasErrors = true }
    if let cutoff, range.start.offset >= cutoff {
      omitted.count(severity, at: range)
      return
    }
    builtMessages += 1
    kept.append(Diagnostic(severity, code: code, message: message(), file: file, range: range, hint: hint()))
    guard limit > 0 else { return }
    if kept.count >= 2 * limit {
      trim()
    } else if kept.count == limit, cutoff == nil {
      // Every later one at or past the furthest of these would come after `limit` others in source order.
      cutoff = kept.map(\.range.start.offset).max()
    }
  }

  /// Sorts the kept diagnostics by position (stable: same-place ones keep their order) and keeps the first `limit`.
  private func trim() {
    kept = kept.enumerated().sorted {
      ($0.element.range.start.offset, $0.offset) < ($1.element.range.start.offset, $1.offset)
    }
    .map(\.element)
    guard limit > 0, kept.count > limit else { return }
    for dropped in kept[limit...] { omitted.count(dropped.severity, at: dropped.range) }
    kept.removeSubrange(limit...)
    cutoff = kept.last?.range.start.offset
  }

  /// The kept diagnostics in source order, followed by one saying how many more there were, if any.
  func finish() -> [Diagnostic] {
    trim()
    guard let summary = omitted.summary(file: file, shown: kept.count) else { return kept }
    return kept + [summary]
  }
}

/// The diagnostics a sink left out: how many errors and warnings, and where the first of them is.
public struct OmittedDiagnostics: Sendable, Hashable {
  public private(set) var errors = 0
  public private(set) var warnings = 0
  /// The position of the earliest one left out.
  public private(set) var first: SourceRange?

  /// The code of the diagnostic that stands for the omitted ones.
  public static let code = "too-many-diagnostics"

  public init() {}

  public var isEmpty: Bool { errors == 0 && warnings == 0 }

  mutating func count(_ severity: Diagnostic.Severity, at range: SourceRange) {
    switch severity {
    case .error: errors += 1
    case .warning: warnings += 1
    }
    if first.map({ range.start.offset < $0.start.offset }) ?? true { first = range }
  }

  mutating func merge(_ other: OmittedDiagnostics) {
    errors += other.errors
    warnings += other.warnings
    if let range = other.first, first.map({ range.start.offset < $0.start.offset }) ?? true { first = range }
  }

  /// `N more errors and M more warnings not shown`, at the first one left out; an error when any error was.
  func summary(file: String, shown: Int) -> Diagnostic? {
    guard !isEmpty, let first else { return nil }
    let parts = [(errors, "error"), (warnings, "warning")].filter { $0.0 > 0 }.map { count, noun in
      "\(count) more \(noun)\(count == 1 ? "" : "s")"
    }
    return Diagnostic(
      errors > 0 ? .error : .warning, code: Self.code,
      message: "\(parts.joined(separator: " and ")) from here on not shown (only the first \(shown) are)",
      file: file, range: first,
      hint: "fix these and check again, or show more with `nsbuild check --max-diagnostics N` (0 shows all)")
  }
}
