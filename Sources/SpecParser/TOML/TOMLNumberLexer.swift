/// Integers and floats (TOML 1.0 §Integer, §Float), decoded from a token the value reader has already cut out.
enum TOMLNumberLexer {
  /// Decodes `token` (non-empty, only bytes from ``TOMLASCII/isBareValueByte(_:)``), reporting errors at `range`.
  static func decode(_ token: ArraySlice<UInt8>, range: SourceRange) throws(TOMLError) -> TOMLValue {
    let text = Array(token)
    let shown = TOMLText.token(token)
    if text.count > 2, text[0] == 0x30, let radix = radix(named: text[1]) {
      return .integer(try prefixedInteger(Array(text[2...]), radix: radix, shown: shown, range: range))
    }
    var index = 0
    var negative = false
    if let first = text.first, first == TOMLASCII.plus || first == TOMLASCII.minus {
      negative = first == TOMLASCII.minus
      index = 1
    }
    switch text[index...].elementsEqual("inf".utf8) ? 1 : text[index...].elementsEqual("nan".utf8) ? 2 : 0 {
    case 1: return .float(negative ? -.infinity : .infinity)
    case 2: return .float(negative ? -.nan : .nan)
    default: break
    }
    return try decimal(text, from: index, negative: negative, shown: shown, range: range)
  }

  /// `0x`, `0o`, `0b` (lowercase only) and their radix.
  private static func radix(named byte: UInt8) -> Int64? {
    switch byte {
    case 0x78: return 16
    case 0x6F: return 8
    case 0x62: return 2
    default: return nil
    }
  }

  /// A decimal integer or a float: `int ( '.' digits )? ( [eE] [+-]? digits )?`, sign already consumed.
  private static func decimal(_ text: [UInt8], from start: Int, negative: Bool, shown: String, range: SourceRange)
    throws(TOMLError) -> TOMLValue
  {
    var index = start
    let integerDigits = try digitRun(text, &index, TOMLASCII.isDigit, shown: shown, range: range)
    if integerDigits.count > 1 && integerDigits[0] == 0x30 {
      throw TOMLError(message: "leading zeros are not allowed in '\(shown)'", range: range)
    }
    var fraction: [UInt8]?
    var exponent: (negative: Bool, digits: [UInt8])?
    if index < text.count && text[index] == TOMLASCII.dot {
      index += 1
      fraction = try digitRun(text, &index, TOMLASCII.isDigit, shown: shown, range: range)
    }
    if index < text.count && (text[index] | 0x20) == 0x65 {  // e or E
      index += 1
      var expNegative = false
      if index < text.count && (text[index] == TOMLASCII.plus || text[index] == TOMLASCII.minus) {
        expNegative = text[index] == TOMLASCII.minus
        index += 1
      }
      exponent = (expNegative, try digitRun(text, &index, TOMLASCII.isDigit, shown: shown, range: range))
    }
    guard index == text.count else { throw TOMLError(message: "invalid number '\(shown)'", range: range) }
    if fraction == nil && exponent == nil {
      return .integer(try accumulate(integerDigits, radix: 10, negative: negative, shown: shown, range: range))
    }
    return .float(try float(negative, integerDigits, fraction, exponent, shown: shown, range: range))
  }

  /// Builds the float from its cleaned-up parts and lets the standard library round it correctly.
  private static func float(
    _ negative: Bool, _ integerDigits: [UInt8], _ fraction: [UInt8]?, _ exponent: (negative: Bool, digits: [UInt8])?,
    shown: String, range: SourceRange
  ) throws(TOMLError) -> Double {
    var literal: [UInt8] = negative ? [TOMLASCII.minus] : []
    literal += integerDigits
    if let fraction { literal += [TOMLASCII.dot] + fraction }
    if let exponent { literal += [0x65] + (exponent.negative ? [TOMLASCII.minus] : []) + exponent.digits }
    guard let value = Double(String(decoding: literal, as: UTF8.self)) else {
      throw TOMLError(message: "invalid float '\(shown)'", range: range)
    }
    guard value.isFinite else {
      throw TOMLError(message: "float \(shown) does not fit in 64 bits", range: range)
    }
    return value
  }

  /// `0x`/`0o`/`0b` digits (leading zeros allowed, no sign).
  private static func prefixedInteger(_ text: [UInt8], radix: Int64, shown: String, range: SourceRange)
    throws(TOMLError) -> Int64
  {
    let isDigit: (UInt8) -> Bool
    switch radix {
    case 16: isDigit = TOMLASCII.isHexDigit
    case 8: isDigit = { $0 >= 0x30 && $0 <= 0x37 }
    default: isDigit = { $0 == 0x30 || $0 == 0x31 }
    }
    var index = 0
    let digits = try digitRun(text, &index, isDigit, shown: shown, range: range)
    guard index == text.count else { throw TOMLError(message: "invalid number '\(shown)'", range: range) }
    return try accumulate(digits, radix: radix, negative: false, shown: shown, range: range)
  }

  /// Reads digits from `index`, where single underscores may sit between two digits, and returns the digits alone.
  private static func digitRun(
    _ text: [UInt8], _ index: inout Int, _ isDigit: (UInt8) -> Bool, shown: String, range: SourceRange
  ) throws(TOMLError) -> [UInt8] {
    guard index < text.count, isDigit(text[index]) else {
      let message =
        index < text.count && text[index] == TOMLASCII.underscore
        ? "underscores in '\(shown)' must be between digits" : "invalid number '\(shown)'"
      throw TOMLError(message: message, range: range)
    }
    var digits: [UInt8] = []
    while index < text.count {
      let byte = text[index]
      if isDigit(byte) {
        digits.append(byte)
        index += 1
      } else if byte == TOMLASCII.underscore {
        guard index + 1 < text.count, isDigit(text[index + 1]) else {
          throw TOMLError(message: "underscores in '\(shown)' must be between digits", range: range)
        }
        index += 1
      } else {
        break
      }
    }
    return digits
  }

  /// The digits' value, failing instead of wrapping when it leaves Int64. Negative numbers are built downwards so
  /// Int64.min is reachable.
  private static func accumulate(_ digits: [UInt8], radix: Int64, negative: Bool, shown: String, range: SourceRange)
    throws(TOMLError) -> Int64
  {
    var value: Int64 = 0
    for byte in digits {
      let digit = Int64(TOMLASCII.hexValue(byte) ?? 0)
      let (shifted, overflow1) = value.multipliedReportingOverflow(by: radix)
      let (next, overflow2) =
        negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
      if overflow1 || overflow2 {
        throw TOMLError(message: "integer \(shown) does not fit in 64 bits", range: range)
      }
      value = next
    }
    return value
  }
}
