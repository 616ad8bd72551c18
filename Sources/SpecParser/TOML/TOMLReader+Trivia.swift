/// Whitespace, comments and line ends (TOML 1.0 §Spec, §Comment).
extension TOMLReader {
  /// Skips spaces and tabs, the only whitespace TOML has.
  mutating func skipWhitespace() {
    while let byte = cursor.peek(), byte == TOMLASCII.space || byte == TOMLASCII.tab { cursor.advance() }
  }

  /// Consumes a line end (LF or CRLF) if one is next. A CR not followed by LF is not a line end and is left for the
  /// caller to reject.
  mutating func consumeNewline() -> Bool {
    switch cursor.peek() {
    case TOMLASCII.lineFeed:
      cursor.advance()
      return true
    case TOMLASCII.carriageReturn where cursor.peek(1) == TOMLASCII.lineFeed:
      cursor.advance(by: 2)
      return true
    default:
      return false
    }
  }

  /// Whether a line end (LF or CRLF) is next, without consuming it.
  var atNewline: Bool {
    let byte = cursor.peek()
    return byte == TOMLASCII.lineFeed
      || (byte == TOMLASCII.carriageReturn && cursor.peek(1) == TOMLASCII.lineFeed)
  }

  /// Skips a `#` comment up to (not including) its line end. Comments may hold tab and any non-control character;
  /// the UTF-8 of non-ASCII text was checked up front.
  mutating func skipComment() throws(TOMLError) {
    guard cursor.peek() == TOMLASCII.hash else { return }
    cursor.advance()
    while let byte = cursor.peek(), !atNewline {
      if byte == TOMLASCII.carriageReturn { throw errorHere("carriage return must be followed by a line feed") }
      if TOMLASCII.isForbiddenControl(byte) {
        throw errorHere("control character \(TOMLText.scalarName(UInt32(byte))) is not allowed in a comment")
      }
      cursor.advance()
    }
  }

  /// After a key/value pair or a table header: optional whitespace and comment, then a line end or the end of input.
  mutating func expectEndOfLine(after what: String) throws(TOMLError) {
    skipWhitespace()
    try skipComment()
    if cursor.isAtEnd || consumeNewline() { return }
    if cursor.peek() == TOMLASCII.carriageReturn { throw errorHere("carriage return must be followed by a line feed") }
    throw errorHere("expected a newline after \(what), found \(currentDescription)")
  }

  /// Inside an array: whitespace, comments and line ends in any mix.
  mutating func skipArrayTrivia() throws(TOMLError) {
    while true {
      skipWhitespace()
      try skipComment()
      if !consumeNewline() { return }
    }
  }
}
