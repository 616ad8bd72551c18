/// Byte values the lexers compare against, named so the grammar reads like the spec.
enum TOMLASCII {
  static let tab: UInt8 = 0x09
  static let lineFeed: UInt8 = 0x0A
  static let carriageReturn: UInt8 = 0x0D
  static let space: UInt8 = 0x20
  static let quote: UInt8 = 0x22  // "
  static let hash: UInt8 = 0x23  // #
  static let apostrophe: UInt8 = 0x27  // '
  static let plus: UInt8 = 0x2B
  static let comma: UInt8 = 0x2C
  static let minus: UInt8 = 0x2D
  static let dot: UInt8 = 0x2E
  static let colon: UInt8 = 0x3A
  static let equals: UInt8 = 0x3D
  static let leftBracket: UInt8 = 0x5B
  static let backslash: UInt8 = 0x5C
  static let rightBracket: UInt8 = 0x5D
  static let underscore: UInt8 = 0x5F
  static let leftBrace: UInt8 = 0x7B
  static let rightBrace: UInt8 = 0x7D
  static let delete: UInt8 = 0x7F

  static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

  static func isHexDigit(_ byte: UInt8) -> Bool {
    isDigit(byte) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
  }

  static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }

  /// `A-Z a-z 0-9 _ -`: the characters of a bare key (TOML 1.0 §Keys).
  static func isBareKeyByte(_ byte: UInt8) -> Bool {
    isLetter(byte) || isDigit(byte) || byte == underscore || byte == minus
  }

  /// Characters that can appear in an unquoted value: numbers, booleans, inf/nan and date-times. The lexer reads a
  /// whole run of them and then decides what it is, so `truex` or `1.2.3` fail as one token.
  static func isBareValueByte(_ byte: UInt8) -> Bool {
    isLetter(byte) || isDigit(byte) || byte == underscore || byte == minus || byte == plus || byte == dot
      || byte == colon
  }

  static func hexValue(_ byte: UInt8) -> UInt32? {
    switch byte {
    case 0x30...0x39: return UInt32(byte - 0x30)
    case 0x41...0x46: return UInt32(byte - 0x41 + 10)
    case 0x61...0x66: return UInt32(byte - 0x61 + 10)
    default: return nil
    }
  }

  /// Control characters TOML 1.0 forbids in strings and comments: C0 except tab, and DEL. Line ends are handled by
  /// the callers because where they are allowed depends on the context.
  static func isForbiddenControl(_ byte: UInt8) -> Bool {
    (byte < 0x20 && byte != tab) || byte == delete
  }
}

/// Text for error messages.
enum TOMLText {
  /// The character at `offset`, quoted, or a name for invisible ones: `'x'`, `U+0007`, `newline`, `end of input`.
  static func character(at offset: Int, in bytes: [UInt8]) -> String {
    guard offset < bytes.count else { return "end of input" }
    let byte = bytes[offset]
    switch byte {
    case TOMLASCII.lineFeed: return "newline"
    case TOMLASCII.carriageReturn: return "carriage return"
    case TOMLASCII.tab: return "tab"
    case 0x20...0x7E: return "'\(Character(Unicode.Scalar(byte)))'"
    case 0x00..<0x80: return scalarName(UInt32(byte))
    default:
      guard let scalar = TOMLUTF8.scalar(at: offset, in: bytes) else { return "byte 0x\(hex(UInt32(byte), 2))" }
      return "'\(Character(scalar))' (\(scalarName(scalar.value)))"
    }
  }

  /// `U+00E9`-style name of a code point.
  static func scalarName(_ value: UInt32) -> String { "U+\(hex(value, 4))" }

  static func hex(_ value: UInt32, _ width: Int) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(width - digits.count, 0)) + digits
  }

  /// Source text for a message, shortened so a huge token cannot make a huge message.
  static func token(_ bytes: ArraySlice<UInt8>, limit: Int = 40) -> String {
    guard bytes.count > limit else { return String(decoding: bytes, as: UTF8.self) }
    return String(decoding: bytes.prefix(limit), as: UTF8.self) + "..."
  }

  /// The line number part of "(first defined at line 3)".
  static func line(of range: SourceRange) -> String { "line \(range.start.line)" }
}
