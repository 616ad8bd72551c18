/// Collects diagnostics for one file while decoding, keeping only the first `limit` in source order, as compilers
/// do (clang's -ferror-limit, gcc's -fmax-errors): a 10 MB spec of one mistake repeated must not cost gigabytes of
/// messages nobody reads. The rest are counted, and ``finish()`` ends the list with one diagnostic saying how many.
///
/// Work stays linear in the input: a diagnostic that falls after the kept ones in the file is counted and dropped
/// before its message or hint (a "did you mean" search) is built, and the kept list is sorted and cut whenever it
/// reaches twice the limit.
final class DiagnosticSink {
  let file: String
  /// The most diagnostics kept; 0 keeps every one. Errors come first: at most `limit` of them, and warnings only
  /// in the room the errors leave, so no number of warnings can hide an error (as clang's -ferror-limit counts
  /// errors only).
  let limit: Int
  private var errors = KeptDiagnostics(severity: .error)
  private var warnings = KeptDiagnostics(severity: .warning)
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
    add(
      diagnostic.severity, diagnostic.code, { diagnostic.message }, diagnostic.range, { diagnostic.hint },
      file: diagnostic.file)
  }

  /// Counts diagnostics left out earlier (by another sink) as omitted here too.
  func carry(_ earlier: OmittedDiagnostics) {
    omitted.merge(earlier)
    if earlier.errors > 0 { hasErrors = true }
  }

  private func add(
    _ severity: Diagnostic.Severity, _ code: String, _ message: () -> String, _ range: SourceRange,
    _ hint: () -> String?, file: String? = nil
  ) {
    let make = {
      self.builtMessages += 1
      return Diagnostic(severity, code: code, message: message(), file: file ?? self.file, range: range, hint: hint())
    }
    switch severity {
    case .error:
      hasErrors = true
      errors.add(at: range, limit: limit, make: make, omitted: &omitted)
    case .warning:
      warnings.add(at: range, limit: limit, make: make, omitted: &omitted)
    }
  }

  /// The kept diagnostics in source order: the first `limit` errors, and the first warnings that fit beside them;
  /// then one saying how many more there were, if any.
  func finish() -> [Diagnostic] {
    errors.trim(to: limit, omitted: &omitted)
    warnings.trim(to: limit == 0 ? 0 : max(limit - errors.items.count, 0), keepNone: limit > 0, omitted: &omitted)
    let kept = (errors.items + warnings.items).enumerated().sorted {
      ($0.element.range.start.offset, $0.offset) < ($1.element.range.start.offset, $1.offset)
    }
    .map(\.element)
    guard let summary = omitted.summary(file: file, shown: kept.count, after: kept.last?.range) else { return kept }
    return kept + [summary]
  }
}

/// The first diagnostics of one severity in source order, cut whenever they reach twice the limit, so that work
/// stays linear: one that falls after the kept ones in the file is counted and dropped before its message or hint
/// (a "did you mean" search) is built.
private struct KeptDiagnostics {
  let severity: Diagnostic.Severity
  var items: [Diagnostic] = []
  /// The largest offset among `items`, once they are `limit`: anything at or after it is dropped.
  var cutoff: Int?

  mutating func add(
    at range: SourceRange, limit: Int, make: () -> Diagnostic, omitted: inout OmittedDiagnostics
  ) {
    if let cutoff, range.start.offset >= cutoff {
      omitted.count(severity, at: range)
      return
    }
    items.append(make())
    guard limit > 0 else { return }
    if items.count >= 2 * limit {
      trim(to: limit, omitted: &omitted)
    } else if items.count == limit, cutoff == nil {
      // Every later one at or past the furthest of these would come after `limit` others in source order.
      cutoff = items.map(\.range.start.offset).max()
    }
  }

  /// Sorts by position (stable: same-place ones keep their order) and keeps the first `count` (all when `count` is
  /// 0, unless `keepNone`).
  mutating func trim(to count: Int, keepNone: Bool = false, omitted: inout OmittedDiagnostics) {
    items = items.enumerated().sorted {
      ($0.element.range.start.offset, $0.offset) < ($1.element.range.start.offset, $1.offset)
    }
    .map(\.element)
    guard count > 0 || keepNone, items.count > count else { return }
    for dropped in items[count...] { omitted.count(dropped.severity, at: dropped.range) }
    items.removeSubrange(count...)
    if count > 0 { cutoff = items.last?.range.start.offset }
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

  /// `N more errors and M more warnings not shown`, at the first one left out; an error when any error was (so a
  /// reader of severities alone still sees that the spec fails). `after`: the last one shown, to tell "from here on"
  /// from warnings left out before it to make room for errors.
  func summary(file: String, shown: Int, after last: SourceRange? = nil) -> Diagnostic? {
    guard !isEmpty, let first else { return nil }
    let parts = [(errors, "error"), (warnings, "warning")].filter { $0.0 > 0 }.map { count, noun in
      "\(count) more \(noun)\(count == 1 ? "" : "s")"
    }
    let are = shown == 1 ? "is" : "are"
    let afterShown = last.map { first.start.offset > $0.start.offset } ?? true
    let which =
      afterShown
      ? "from here on not shown (only the first \(shown) \(are))"
      : "not shown (only \(shown) \(are): errors first, then the first warnings)"
    return Diagnostic(
      errors > 0 ? .error : .warning, code: Self.code, message: "\(parts.joined(separator: " and ")) \(which)",
      file: file, range: first,
      hint: "fix these and check again, or show more with `nsbuild check --max-diagnostics N` (0 shows all)")
  }

}
