/// Text for mdoc(7), the macro language of man pages.
enum Mdoc {
  /// `text` as lines of running text: backslashes escaped (`\e`), and a line that would start with `.` or `'`
  /// (read as a macro) guarded with `\&`. Blank lines become `.Pp`, since mdoc warns about empty lines.
  static func text(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
      let escaped = String(line.replacing("\\", with: "\\e"))
      if escaped.allSatisfy(\.isWhitespace) { return ".Pp" }
      return escaped.first == "." || escaped.first == "'" ? "\\&" + escaped : escaped
    }.joined(separator: "\n") + "\n"
  }

  /// A command's discussion: paragraphs of text, with indented lines (examples, a spec line) kept as written.
  static func discussion(_ discussion: String) -> String {
    var out = ""
    var literal: [Substring] = []
    func flush() {
      guard !literal.isEmpty else { return }
      out += ".Bd -literal -offset indent\n" + literal.map { text(String($0.dropFirst(2))) }.joined() + ".Ed\n"
      literal = []
    }
    for line in discussion.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("  ") {
        literal.append(line)
        continue
      }
      flush()
      out += text(String(line))
    }
    flush()
    return out
  }
}
