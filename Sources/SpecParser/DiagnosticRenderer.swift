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
    for diagnostic in diagnostics.sorted(by: { $0.range.start.offset < $1.range.start.offset }) {
      out += render(diagnostic, lines: lines)
    }
    return out
  }

  func render(_ d: Diagnostic, lines: SourceLines) -> String {
    let start = d.range.start
    let label = d.severity == .error ? paint("error:", "1;31") : paint("warning:", "1;35")
    var out = paint("\(d.file):\(start.line):\(start.column):", "1") + " \(label) " + paint(d.message, "1") + "\n"
    if let text = lines.line(start.line) {
      let number = String(start.line)
      let gutter = String(repeating: " ", count: number.count)
      out += " \(number) | \(text)\n"
      out += " \(gutter) | " + caret(for: d.range, lineText: text) + "\n"
      if let hint = d.hint {
        out += " \(gutter) = " + paint("help:", "1;36") + " \(hint)\n"
      }
    } else if let hint = d.hint {
      out += "  = " + paint("help:", "1;36") + " \(hint)\n"
    }
    return out
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
