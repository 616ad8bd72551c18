/// One part of a (possibly dotted) key, decoded, with where it is written.
struct TOMLKeyPart {
  var name: String
  var range: SourceRange

  /// The exact scalars, for comparing keys: TOML keys match by their text as written, while Swift's `String ==`
  /// would also match canonically equivalent spellings (`é` and `e` + U+0301).
  var identity: [UInt8] { Array(name.utf8) }

  /// The key as it could be written back: bare when possible, else quoted.
  var displayName: String {
    let utf8 = name.utf8
    if !utf8.isEmpty && utf8.allSatisfy(TOMLASCII.isBareKeyByte) { return name }
    var quoted = "\""
    for scalar in name.unicodeScalars {
      switch scalar {
      case "\"": quoted += "\\\""
      case "\\": quoted += "\\\\"
      default:
        if scalar.value < 0x20 || scalar.value == 0x7F {
          quoted += "\\u" + TOMLText.hex(scalar.value, 4)
        } else {
          quoted.unicodeScalars.append(scalar)
        }
      }
    }
    return quoted + "\""
  }

  /// A dotted path for messages, e.g. `a.b."c d"`.
  static func display(_ parts: some Collection<TOMLKeyPart>) -> String {
    parts.map(\.displayName).joined(separator: ".")
  }
}

/// Keys (TOML 1.0 §Keys): bare, basic-quoted or literal-quoted, joined by dots with optional whitespace around them.
extension TOMLReader {
  /// Reads `part ( ws '.' ws part )*`; stops before the whitespace that follows the last part.
  mutating func readDottedKey() throws(TOMLError) -> [TOMLKeyPart] {
    let first = try readKeyPart()
    return try readDottedKey(after: first) ?? [first]
  }

  /// The whole dotted key whose first part, `first`, was just read; nil when no dot follows (a plain key, the usual
  /// case, for which no array is made).
  mutating func readDottedKey(after first: TOMLKeyPart) throws(TOMLError) -> [TOMLKeyPart]? {
    var parts: [TOMLKeyPart] = []
    while true {
      let save = cursor
      skipWhitespace()
      guard cursor.peek() == TOMLASCII.dot else {
        cursor = save
        return parts.isEmpty ? nil : parts
      }
      cursor.advance()
      skipWhitespace()
      if parts.isEmpty { parts.append(first) }
      parts.append(try readKeyPart())
    }
  }

  /// One key part at the cursor.
  mutating func readKeyPart() throws(TOMLError) -> TOMLKeyPart {
    let start = cursor.location
    guard let byte = cursor.peek() else { throw errorHere("expected a key, found end of input") }
    if byte == TOMLASCII.quote || byte == TOMLASCII.apostrophe {
      if atMultilineStringOpening {
        throw error("a key cannot be a multi-line string", SourceRange(start: start, end: afterThreeBytes()))
      }
      let name = try readSingleLineString(delimiter: byte)
      return TOMLKeyPart(name: name, range: cursor.range(from: start))
    }
    guard TOMLASCII.isBareKeyByte(byte) else { throw errorHere("expected a key, found \(currentDescription)") }
    while let next = cursor.peek(), TOMLASCII.isBareKeyByte(next) { cursor.advance() }
    let name = String(decoding: cursor.slice(start.offset, cursor.offset), as: UTF8.self)
    return TOMLKeyPart(name: name, range: cursor.range(from: start))
  }

  private func afterThreeBytes() -> SourceLocation {
    var copy = cursor
    copy.advance(by: 3)
    return copy.location
  }
}
