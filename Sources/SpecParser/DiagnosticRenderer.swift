/// Renders diagnostics the way compilers do:
///
/// ```
/// specs/dev.toml:4:1: error: unknown key 'hostnme' in [uts]
///  4 | hostnme = "devbox"
///    | ^~~~~~~
///    = help: did you mean 'hostname'?
/// ```
public struct DiagnosticRenderer: Sendable {
  /// Whether to add ANSI colour (callers decide: a terminal, and `NO_COLOR` unset).
  public var color: Bool

  public init(color: Bool) {
    self.color = color
  }

  /// Renders every diagnostic, in source order, each followed by its source line and caret.
  ///
  /// - Parameters:
  ///   - diagnostics: what to print.
  ///   - source: the bytes of the file the diagnostics point into (used to show the line).
  /// - Returns: the text, ending in a newline when there is anything to print.
  public func render(_ diagnostics: [Diagnostic], source: [UInt8]) -> String {
    let lines = SourceLines(source)
    var out = ""
    // Diagnostics in source order often share a line: split it into scalars once, not once per diagnostic.
    var shown: (number: Int, scalars: [Unicode.Scalar]?) = (0, nil)
    // Stable: diagnostics at one place keep their order. The one saying how many more were left out stays last,
    // even when warnings before a shown error were left out to make room for it.
    let ordered = diagnostics.enumerated().sorted {
      let summary = (
        $0.element.code == OmittedDiagnostics.code ? 1 : 0, $1.element.code == OmittedDiagnostics.code ? 1 : 0
      )
      return (summary.0, $0.element.range.start.offset, $0.offset) < (
        summary.1, $1.element.range.start.offset, $1.offset
      )
    }
    for diagnostic in ordered.map(\.element) {
      let number = diagnostic.range.start.line
      if shown.number != number { shown = (number, lines.line(number).map { Array($0.unicodeScalars) }) }
      out += render(diagnostic, line: shown.scalars)
    }
    return out
  }

  /// The most of a source line shown under a diagnostic, in Unicode scalars. A longer line is cut to a window
  /// around the caret, so the output grows with the number of diagnostics, not with diagnostics × line length (a
  /// one-line file with thousands of errors would otherwise render to gigabytes).
  static let maxShownColumns = 160

  func render(_ d: Diagnostic, line: [Unicode.Scalar]?) -> String {
    let start = d.range.start
    let label = d.severity == .error ? paint("error:", "1;31") : paint("warning:", "1;35")
    let message = Self.printable(d.message)
    let hint = d.hint.map(Self.printable)
    // An override's line is the flag and its argument, after the file's lines: it is named, not numbered.
    let place = d.range.argument == nil ? "\(Self.printable(d.file)):\(start.line):\(start.column):" : "command line:"
    var out = paint(place, "1") + " \(label) " + paint(message, "1") + "\n"
    if let line {
      let (raw, range) = Self.excerpt(of: line, around: d.range)
      let text = Self.printable(raw)
      let number = d.range.argument == nil ? String(start.line) : ""
      let gutter = String(repeating: " ", count: number.count)
      out += " \(number) | \(text)\n"
      out += " \(gutter) | " + caret(for: range, lineText: text) + "\n"
      if let hint {
        out += " \(gutter) = " + paint("help:", "1;36") + " \(hint)\n"
      }
    } else if let hint {
      out += "  = " + paint("help:", "1;36") + " \(hint)\n"
    }
    return out
  }

  /// `text` with every control character but tab shown as U+FFFD: a spec from an untrusted repository must not be
  /// able to send escape sequences to the reader's terminal through an error message. One scalar for one, so the
  /// caret stays in its column.
  static func printable(_ text: String) -> String {
    // A message quoting a 10 MB value is cut, so output stays proportional to the number of problems. It is cut in
    // the middle: the end of a message says what went wrong (a run failure ends with its errno), the start where.
    let head = 250
    let tail = 150
    let scalars = Array(text.unicodeScalars)
    guard scalars.count > head + tail else { return TerminalText.printable(text) }
    let cut = scalars.count > head + tail
    var result = ""
    for (index, scalar) in (cut ? scalars[..<head] + scalars[(scalars.count - tail)...] : scalars[...]).enumerated() {
      if cut && index == head { result += "…" }
      result.unicodeScalars.append(TerminalText.isControl(scalar) ? "\u{FFFD}" : scalar)
    }
    return result
  }

  /// The line as it is when it fits in ``maxShownColumns``; else that many scalars starting a little before the
  /// range, with "..." where the line was cut, and the range moved (and clipped) to the excerpt's columns.
  static func excerpt(of line: [Unicode.Scalar], around range: SourceRange) -> (text: String, range: SourceRange) {
    guard line.count > maxShownColumns else {
      var text = ""
      for scalar in line { text.unicodeScalars.append(scalar) }
      return (text, range)
    }
    let caretIndex = min(max(range.start.column - 1, 0), line.count)
    let first = max(0, min(caretIndex - maxShownColumns / 4, line.count - maxShownColumns))
    let last = first + maxShownColumns
    var text = first > 0 ? "..." : ""
    for scalar in line[first..<last] { text.unicodeScalars.append(scalar) }
    if last < line.count { text += "..." }
    // Columns are 1-based; the excerpt's column 1 is line column `first + 1`, moved right by a leading "...".
    let shift = first - (first > 0 ? 3 : 0)
    var moved = range
    moved.start.column = max(1, range.start.column - shift)
    if range.end.line == range.start.line {
      moved.end.column = min(max(moved.start.column, range.end.column - shift), last - shift + 1)
    }
    return (text, moved)
  }

  /// A caret under the first character of the range, and tildes under the rest of it on the same line.
  func caret(for range: SourceRange, lineText: String) -> String {
    let lineLength = lineText.unicodeScalars.count
    let startColumn = max(1, range.start.column)
    var width = 1
    if range.end.line == range.start.line, range.end.column > startColumn {
      width = range.end.column - startColumn
    } else if range.end.line > range.start.line {
      width = max(1, lineLength - startColumn + 1)
    }
    // Keep tabs so the caret lines up under tab-indented text.
    var pad = ""
    for (index, scalar) in lineText.unicodeScalars.enumerated() where index < startColumn - 1 {
      pad.append(scalar == "\t" ? "\t" : " ")
    }
    if startColumn - 1 > lineLength {
      pad += String(repeating: " ", count: startColumn - 1 - lineLength)
    }
    return pad + paint("^" + String(repeating: "~", count: width - 1), "1;32")
  }

  func paint(_ text: String, _ code: String) -> String {
    color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
  }
}

/// The lines of a source file, split once, for showing context under a diagnostic.
struct SourceLines {
  private var starts: [Int] = [0]
  private let bytes: [UInt8]

  init(_ bytes: [UInt8]) {
    self.bytes = bytes
    for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
      starts.append(index + 1)
    }
  }

  /// Line `number` (1-based) without its line ending, or nil past the end.
  func line(_ number: Int) -> String? {
    guard number >= 1, number <= starts.count else { return nil }
    let start = starts[number - 1]
    var end = number < starts.count ? starts[number] - 1 : bytes.count
    if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
    guard start <= end else { return nil }
    var text = String(decoding: bytes[start..<end], as: UTF8.self)
    if number == 1, text.hasPrefix("\u{FEFF}") { text.removeFirst() }
    return text
  }
}
