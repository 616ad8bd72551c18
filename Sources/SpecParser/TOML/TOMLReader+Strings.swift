/// The four string forms (TOML 1.0 §String): basic `"..."`, multi-line basic `"""..."""`, literal `'...'` and
/// multi-line literal `'''...'''`.
extension TOMLReader {
  private static let tripleQuote: [UInt8] = [TOMLASCII.quote, TOMLASCII.quote, TOMLASCII.quote]
  private static let tripleApostrophe: [UInt8] = [TOMLASCII.apostrophe, TOMLASCII.apostrophe, TOMLASCII.apostrophe]

  /// Whether the cursor is at `"""` or `'''`, which keys may not use.
  var atMultilineStringOpening: Bool {
    cursor.starts(with: Self.tripleQuote) || cursor.starts(with: Self.tripleApostrophe)
  }

  /// Reads any string form at the cursor (which is at `"` or `'`) and returns its decoded text.
  mutating func readString() throws(TOMLError) -> String {
    if cursor.starts(with: Self.tripleQuote) { return try readMultilineString(delimiter: TOMLASCII.quote) }
    if cursor.starts(with: Self.tripleApostrophe) { return try readMultilineString(delimiter: TOMLASCII.apostrophe) }
    return try readSingleLineString(delimiter: cursor.peek() ?? TOMLASCII.quote)
  }

  /// `"..."` or `'...'`: one line; only the basic form has escapes.
  mutating func readSingleLineString(delimiter: UInt8) throws(TOMLError) -> String {
    let start = cursor.location
    let isBasic = delimiter == TOMLASCII.quote
    cursor.advance()
    if let plain = plainSingleLineString(delimiter: delimiter) { return plain }
    var text: [UInt8] = []
    while true {
      guard let byte = cursor.peek(), byte != TOMLASCII.lineFeed, byte != TOMLASCII.carriageReturn else {
        throw error(
          "unterminated string: missing closing \(TOMLText.character(at: start.offset, in: bytes))",
          cursor.range(from: start))
      }
      if byte == delimiter {
        cursor.advance()
        return String(decoding: text, as: UTF8.self)
      }
      if isBasic && byte == TOMLASCII.backslash {
        try readEscape(into: &text)
      } else {
        try checkStringByte(byte)
        text.append(byte)
        cursor.advance()
      }
    }
  }

  /// The usual string, with no escape and no byte that needs a check beyond ASCII (tab and printable ASCII, or any
  /// non-ASCII UTF-8, which was checked up front), read as one slice of the file instead of byte by byte into a
  /// buffer. Nil, with the cursor not moved, for anything else: the careful reader then finds the error or escape.
  private mutating func plainSingleLineString(delimiter: UInt8) -> String? {
    let bytes = cursor.bytes
    let start = cursor.offset
    var end = start
    while end < bytes.count {
      let byte = bytes[end]
      if byte == delimiter { break }
      if byte == TOMLASCII.backslash || TOMLASCII.isForbiddenControl(byte) { return nil }
      end += 1
    }
    guard end < bytes.count else { return nil }
    cursor.advance(by: end + 1 - start)
    return String(decoding: bytes[start..<end], as: UTF8.self)
  }

  /// `"""..."""` or `'''...'''`. A line end right after the opening delimiter is dropped; CRLF inside is stored as
  /// LF (the spec lets parsers normalize newlines, and a script in a spec file should not change with the
  /// checkout's line endings).
  mutating func readMultilineString(delimiter: UInt8) throws(TOMLError) -> String {
    let start = cursor.location
    let isBasic = delimiter == TOMLASCII.quote
    cursor.advance(by: 3)
    _ = consumeNewline()
    var text: [UInt8] = []
    while true {
      guard let byte = cursor.peek() else {
        let closing = isBasic ? "\"\"\"" : "'''"
        throw error("unterminated multi-line string: missing closing \(closing)", cursor.range(from: start))
      }
      switch byte {
      case delimiter:
        if try readQuoteRun(of: delimiter, into: &text) { return String(decoding: text, as: UTF8.self) }
      case TOMLASCII.backslash where isBasic:
        try readMultilineBackslash(into: &text)
      case TOMLASCII.lineFeed:
        text.append(TOMLASCII.lineFeed)
        cursor.advance()
      case TOMLASCII.carriageReturn:
        guard consumeNewline() else { throw errorHere("carriage return must be followed by a line feed") }
        text.append(TOMLASCII.lineFeed)
      default:
        try checkStringByte(byte)
        text.append(byte)
        cursor.advance()
      }
    }
  }

  /// A run of delimiter characters inside a multi-line string. Up to two may be content, and the closing
  /// delimiter may be preceded by up to two more (`""""` ends with one quote of content). Returns whether the run
  /// closed the string.
  private mutating func readQuoteRun(of delimiter: UInt8, into text: inout [UInt8]) throws(TOMLError) -> Bool {
    let start = cursor.location
    var count = 0
    while cursor.peek() == delimiter {
      count += 1
      cursor.advance()
    }
    if count > 5 {
      throw error("too many quotes in a row in multi-line string", cursor.range(from: start))
    }
    let content = count >= 3 ? count - 3 : count
    text.append(contentsOf: repeatElement(delimiter, count: content))
    return count >= 3
  }

  /// In a multi-line basic string a backslash is either an escape or, when only whitespace follows it on its line,
  /// a line-ending backslash that drops all whitespace and line ends up to the next other character.
  private mutating func readMultilineBackslash(into text: inout [UInt8]) throws(TOMLError) {
    let next = cursor.peek(1)
    let spaceOrLineEnd: [UInt8?] = [TOMLASCII.space, TOMLASCII.tab, TOMLASCII.lineFeed, TOMLASCII.carriageReturn]
    guard spaceOrLineEnd.contains(next) else {
      return try readEscape(into: &text)
    }
    let start = cursor.location
    cursor.advance()
    skipWhitespace()
    guard consumeNewline() else {
      throw error("invalid escape: '\\' followed by whitespace must end the line", cursor.range(from: start))
    }
    while true {
      skipWhitespace()
      if !consumeNewline() { break }
    }
  }

  /// Rejects the control characters strings may not hold (everything below U+0020 except tab, and DEL).
  private func checkStringByte(_ byte: UInt8) throws(TOMLError) {
    guard TOMLASCII.isForbiddenControl(byte) else { return }
    throw errorHere(
      "control character \(TOMLText.scalarName(UInt32(byte))) is not allowed in a string; use an escape")
  }

  /// One escape sequence in a basic string; the cursor is at the backslash.
  private mutating func readEscape(into text: inout [UInt8]) throws(TOMLError) {
    let start = cursor.location
    cursor.advance()
    guard let byte = cursor.peek() else { throw error("unterminated string", cursor.range(from: start)) }
    let simple: UInt8?
    switch byte {
    case 0x62: simple = 0x08  // \b
    case 0x74: simple = TOMLASCII.tab  // \t
    case 0x6E: simple = TOMLASCII.lineFeed  // \n
    case 0x66: simple = 0x0C  // \f
    case 0x72: simple = TOMLASCII.carriageReturn  // \r
    case TOMLASCII.quote, TOMLASCII.backslash: simple = byte
    case 0x75: return try readUnicodeEscape(digits: 4, from: start, into: &text)  // \uXXXX
    case 0x55: return try readUnicodeEscape(digits: 8, from: start, into: &text)  // \UXXXXXXXX
    default: simple = nil
    }
    guard let simple else {
      let shown =
        byte >= 0x21 && byte <= 0x7E
        ? "'\\\(Character(Unicode.Scalar(byte)))'" : "'\\' followed by \(currentDescription)"
      cursor.advance(by: max(TOMLUTF8.sequenceLength(at: cursor.offset, in: bytes), 1))
      throw error("invalid escape \(shown) in string", cursor.range(from: start))
    }
    text.append(simple)
    cursor.advance()
  }

  /// `\u` + 4 or `\U` + 8 hex digits naming a Unicode scalar value (not a surrogate, at most U+10FFFF).
  private mutating func readUnicodeEscape(digits: Int, from start: SourceLocation, into text: inout [UInt8])
    throws(TOMLError)
  {
    let letter = digits == 4 ? "u" : "U"
    cursor.advance()
    var value: UInt32 = 0
    for _ in 0..<digits {
      guard let byte = cursor.peek(), let digit = TOMLASCII.hexValue(byte) else {
        throw error("escape '\\\(letter)' needs \(digits) hex digits", cursor.range(from: start))
      }
      value = value << 4 | digit
      cursor.advance()
    }
    guard let scalar = Unicode.Scalar(value) else {
      let written = TOMLText.token(cursor.slice(start.offset, cursor.offset))
      throw error("escape '\(written)' is not a Unicode scalar value", cursor.range(from: start))
    }
    UTF8.encode(scalar) { text.append($0) }
  }
}
