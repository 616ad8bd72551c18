/// Values (TOML 1.0 §Keys/Value Pairs): strings, unquoted scalars, arrays and inline tables.
extension TOMLReader {
  /// Reads the value at the cursor. `depth` is the level the value will sit at in the finished tree; arrays and
  /// inline tables past ``TOMLLimits/maxNestingDepth`` are refused, which also bounds this recursion.
  mutating func readValue(depth: Int) throws(TOMLError) -> TOMLNode {
    let start = cursor.location
    guard let byte = cursor.peek() else { throw errorHere("expected a value, found end of input") }
    switch byte {
    case TOMLASCII.quote, TOMLASCII.apostrophe:
      let text = try readString()
      return TOMLNode(.string(text), range: cursor.range(from: start))
    case TOMLASCII.leftBracket:
      return try readArray(depth: depth)
    case TOMLASCII.leftBrace:
      return try readInlineTable(depth: depth)
    default:
      guard TOMLASCII.isBareValueByte(byte) else { throw errorHere("expected a value, found \(currentDescription)") }
      return try readBareValue()
    }
  }

  /// A run of unquoted-value bytes (plus the space inside `1979-05-27 07:32:00`), then what it spells: a boolean,
  /// a date/time, or a number.
  private mutating func readBareValue() throws(TOMLError) -> TOMLNode {
    let start = cursor.location
    skipBareValueBytes()
    if TOMLDateTimeLexer.isBareDate(cursor.slice(start.offset, cursor.offset)) && atSpaceBeforeTime {
      cursor.advance()
      skipBareValueBytes()
    }
    let token = cursor.slice(start.offset, cursor.offset)
    let range = cursor.range(from: start)
    if token.elementsEqual("true".utf8) { return TOMLNode(.bool(true), range: range) }
    if token.elementsEqual("false".utf8) { return TOMLNode(.bool(false), range: range) }
    if TOMLDateTimeLexer.looksLikeDateTime(token) {
      return TOMLNode(.dateTime(try TOMLDateTimeLexer.decode(token, range: range)), range: range)
    }
    if TOMLDateTimeLexer.looksLikeMalformedDateTime(token) {
      throw error("invalid date or time '\(TOMLText.token(token))': expected YYYY-MM-DD or HH:MM:SS", range)
    }
    if let first = token.first, TOMLASCII.isLetter(first), !isInfOrNaN(token) {
      throw error("invalid value '\(TOMLText.token(token))' (strings must be quoted)", range)
    }
    return TOMLNode(try TOMLNumberLexer.decode(token, range: range), range: range)
  }

  private mutating func skipBareValueBytes() {
    while let byte = cursor.peek(), TOMLASCII.isBareValueByte(byte) { cursor.advance() }
  }

  /// A space followed by `HH:`, the only way a space continues a value.
  private var atSpaceBeforeTime: Bool {
    guard cursor.peek() == TOMLASCII.space, let hour1 = cursor.peek(1), let hour2 = cursor.peek(2) else { return false }
    return TOMLASCII.isDigit(hour1) && TOMLASCII.isDigit(hour2) && cursor.peek(3) == TOMLASCII.colon
  }

  private func isInfOrNaN(_ token: ArraySlice<UInt8>) -> Bool {
    token.elementsEqual("inf".utf8) || token.elementsEqual("nan".utf8)
  }

  /// `[ value, value, ... ]`: line ends and comments may appear between elements, and a trailing comma is allowed.
  private mutating func readArray(depth: Int) throws(TOMLError) -> TOMLNode {
    let start = cursor.location
    try checkDepth(depth)
    cursor.advance()
    var elements: [TOMLNode] = []
    while true {
      try skipArrayTrivia()
      if cursor.peek() == TOMLASCII.rightBracket { break }
      if cursor.isAtEnd { throw error("unterminated array: missing ']'", cursor.range(from: start)) }
      elements.append(try readValue(depth: depth + 1))
      try skipArrayTrivia()
      if cursor.peek() == TOMLASCII.comma {
        cursor.advance()
        continue
      }
      if cursor.peek() == TOMLASCII.rightBracket { break }
      if cursor.isAtEnd { throw error("unterminated array: missing ']'", cursor.range(from: start)) }
      throw errorHere("expected ',' or ']' in array, found \(currentDescription)")
    }
    cursor.advance()
    return TOMLNode(.array(elements), range: cursor.range(from: start))
  }

  /// `{ key = value, ... }` on one line, without a trailing comma (TOML 1.0). Dotted keys inside follow the same
  /// define-once rules as in a table; the result is frozen.
  private mutating func readInlineTable(depth: Int) throws(TOMLError) -> TOMLNode {
    let start = cursor.location
    try checkDepth(depth)
    cursor.advance()
    let table = DraftTable(origin: .inline, depth: depth, range: SourceRange(at: start))
    skipWhitespace()
    if cursor.peek() != TOMLASCII.rightBrace {
      while true {
        try readKeyValue(into: table)
        skipWhitespace()
        if cursor.peek() == TOMLASCII.rightBrace { break }
        try expectInlineTableComma(from: start)
        skipWhitespace()
        if cursor.peek() == TOMLASCII.rightBrace { throw errorHere("trailing comma is not allowed in an inline table") }
      }
    }
    cursor.advance()
    let range = cursor.range(from: start)
    table.range = range
    return TOMLNode(.table(table.snapshot()), range: range)
  }

  /// The comma between inline-table entries, with a specific message for the usual mistakes.
  private mutating func expectInlineTableComma(from start: SourceLocation) throws(TOMLError) {
    if cursor.peek() == TOMLASCII.comma {
      cursor.advance()
      return
    }
    if cursor.isAtEnd { throw error("unterminated inline table: missing '}'", cursor.range(from: start)) }
    if atNewline || cursor.peek() == TOMLASCII.carriageReturn {
      throw errorHere("newline is not allowed in an inline table")
    }
    throw errorHere("expected ',' or '}' in inline table, found \(currentDescription)")
  }

  /// `key = value` (the key possibly dotted), added to `table` under the define-once rules.
  mutating func readKeyValue(into table: DraftTable) throws(TOMLError) {
    let first = try readKeyPart()
    let dotted = try readDottedKey(after: first)
    skipWhitespace()
    try expect(TOMLASCII.equals, "expected '=' after key")
    skipWhitespace()
    let node = try readValue(depth: table.depth + (dotted?.count ?? 1))
    if let dotted {
      try TOMLDocumentBuilder.assign(dotted, node, in: table)
    } else {
      try TOMLDocumentBuilder.assign(first, node, in: table)
    }
  }

  private func checkDepth(_ depth: Int) throws(TOMLError) {
    guard depth <= TOMLLimits.maxNestingDepth else {
      throw errorHere("arrays and tables nested deeper than \(TOMLLimits.maxNestingDepth) levels")
    }
  }
}
