/// Parses TOML 1.0 documents into ``TOMLTable`` trees whose every key and value carries its ``SourceRange``.
public enum TOMLParser {
  /// Parses one TOML 1.0 document.
  ///
  /// - Parameter bytes: the document's bytes, exactly as read from the file (UTF-8; a leading BOM is skipped).
  /// - Returns: the root table.
  /// - Throws: ``TOMLError`` at the first place the bytes stop being valid TOML 1.0 (https://toml.io/en/v1.0.0).
  public static func parse(_ bytes: [UInt8]) throws(TOMLError) -> TOMLTable {
    let start = bytes.starts(with: TOMLUTF8.byteOrderMark) ? TOMLUTF8.byteOrderMark.count : 0
    try checkEncoding(bytes, from: start)
    var reader = TOMLReader(bytes: bytes, offset: start)
    return try reader.readDocument()
  }

  /// Rejects invalid UTF-8 up front, so the lexers can take every non-ASCII byte as part of a valid scalar.
  private static func checkEncoding(_ bytes: [UInt8], from start: Int) throws(TOMLError) {
    guard let bad = TOMLUTF8.firstInvalidOffset(in: bytes, from: start) else { return }
    var cursor = TOMLByteCursor(bytes: bytes, offset: start)
    cursor.advance(by: bad - start)
    let location = cursor.location
    let end = SourceLocation(line: location.line, column: location.column + 1, offset: bad + 1)
    throw TOMLError(message: "invalid UTF-8 at byte \(bad)", range: SourceRange(start: location, end: end))
  }
}

/// The document level (TOML 1.0 §Spec, §Table, §Array of Tables): lines holding a key/value pair, a table header,
/// a comment or nothing.
extension TOMLReader {
  mutating func readDocument() throws(TOMLError) -> TOMLTable {
    var builder = TOMLDocumentBuilder()
    while true {
      skipWhitespace()
      guard let byte = cursor.peek() else { break }
      switch byte {
      case TOMLASCII.hash:
        try expectEndOfLine(after: "comment")
      case TOMLASCII.lineFeed, TOMLASCII.carriageReturn:
        guard consumeNewline() else { throw errorHere("carriage return must be followed by a line feed") }
      case TOMLASCII.leftBracket:
        try readHeader(into: &builder)
        try expectEndOfLine(after: "table header")
      default:
        try readKeyValue(into: builder.current)
        try expectEndOfLine(after: "value")
      }
    }
    return builder.finish()
  }

  /// `[a.b]` or `[[a.b]]`; the header's range runs from the first `[` to the last `]`.
  private mutating func readHeader(into builder: inout TOMLDocumentBuilder) throws(TOMLError) {
    let start = cursor.location
    cursor.advance()
    let isArray = cursor.peek() == TOMLASCII.leftBracket
    if isArray { cursor.advance() }
    skipWhitespace()
    let path = try readDottedKey()
    skipWhitespace()
    let closing =
      isArray ? "expected ']]' to close the array-of-tables header" : "expected ']' to close the table header"
    try expect(TOMLASCII.rightBracket, closing)
    if isArray {
      try expect(TOMLASCII.rightBracket, closing)
      try builder.appendArrayTable(path, header: cursor.range(from: start))
    } else {
      try builder.openTable(path, header: cursor.range(from: start))
    }
  }
}
