/// Dates and times (TOML 1.0 §Offset Date-Time, §Local Date-Time, §Local Date, §Local Time; RFC 3339 with a space
/// allowed between date and time), decoded from a token the value reader has already cut out.
enum TOMLDateTimeLexer {
  /// Whether a token is meant as a date or time rather than a number: it starts `DDDD-` or `DD:`.
  static func looksLikeDateTime(_ token: ArraySlice<UInt8>) -> Bool {
    let text = Array(token.prefix(5))
    if text.count >= 5 && text[0..<4].allSatisfy(TOMLASCII.isDigit) && text[4] == TOMLASCII.minus { return true }
    return text.count >= 3 && TOMLASCII.isDigit(text[0]) && TOMLASCII.isDigit(text[1]) && text[2] == TOMLASCII.colon
  }

  /// Whether a token that is not shaped like a date or time was still probably meant as one (`10000-01-01`,
  /// `1:32:00`): a digit followed by `-` or `:`. Numbers only have `-` after `e`/`E`, and never `:`.
  static func looksLikeMalformedDateTime(_ token: ArraySlice<UInt8>) -> Bool {
    var previous: UInt8 = 0
    for byte in token {
      if TOMLASCII.isDigit(previous) && (byte == TOMLASCII.minus || byte == TOMLASCII.colon) { return true }
      previous = byte
    }
    return false
  }

  /// Whether the token is exactly a `YYYY-MM-DD` date, after which a space may separate the time.
  static func isBareDate(_ token: ArraySlice<UInt8>) -> Bool {
    let text = Array(token)
    guard text.count == 10, text[4] == TOMLASCII.minus, text[7] == TOMLASCII.minus else { return false }
    return [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy { TOMLASCII.isDigit(text[$0]) }
  }

  /// Decodes `token`, reporting errors at `range`.
  static func decode(_ token: ArraySlice<UInt8>, range: SourceRange) throws(TOMLError) -> TOMLDateTime {
    var scanner = Scanner(text: Array(token), shown: TOMLText.token(token), range: range)
    return try scanner.dateTime()
  }

  /// Walks one token's bytes; every failure names the whole token.
  private struct Scanner {
    let text: [UInt8]
    let shown: String
    let range: SourceRange
    var index = 0

    init(text: [UInt8], shown: String, range: SourceRange) {
      self.text = text
      self.shown = shown
      self.range = range
    }

    /// What the token is trying to be, for messages: "date", "time" or "date-time".
    var kind: String {
      guard text.count >= 5, text[4] == TOMLASCII.minus else { return "time" }
      return text.count > 10 ? "date-time" : "date"
    }

    func fail(_ reason: String) -> TOMLError {
      TOMLError(message: "invalid \(kind) '\(shown)': \(reason)", range: range)
    }

    var atEnd: Bool { index >= text.count }

    mutating func dateTime() throws(TOMLError) -> TOMLDateTime {
      guard text.count >= 5, text[4] == TOMLASCII.minus else {
        let time = try self.time()
        guard atEnd else { throw fail("a local time cannot have an offset or trailing text") }
        return TOMLDateTime(date: nil, time: time, offsetMinutes: nil)
      }
      let date = try self.date()
      if atEnd { return TOMLDateTime(date: date, time: nil, offsetMinutes: nil) }
      guard text[index] == 0x54 || text[index] == 0x74 || text[index] == TOMLASCII.space else {
        throw fail("expected 'T' or a space between date and time")
      }
      index += 1
      let time = try self.time()
      if atEnd { return TOMLDateTime(date: date, time: time, offsetMinutes: nil) }
      let offset = try self.offset()
      guard atEnd else { throw fail("unexpected text after the offset") }
      return TOMLDateTime(date: date, time: time, offsetMinutes: offset)
    }

    /// `YYYY-MM-DD`, checked against the calendar.
    mutating func date() throws(TOMLError) -> TOMLDateTime.Date {
      let year = try number(digits: 4, "year")
      try separator(TOMLASCII.minus)
      let month = try number(digits: 2, "month")
      try separator(TOMLASCII.minus)
      let day = try number(digits: 2, "day")
      guard (1...12).contains(month) else { throw fail("month must be 01 to 12") }
      guard day >= 1 && day <= Self.daysIn(month: month, year: year) else {
        throw fail("day \(day) does not exist in that month")
      }
      return TOMLDateTime.Date(year: year, month: month, day: day)
    }

    /// `HH:MM:SS(.fraction)?`; seconds may be 60 for a leap second (RFC 3339).
    mutating func time() throws(TOMLError) -> TOMLDateTime.Time {
      let hour = try number(digits: 2, "hour")
      try separator(TOMLASCII.colon)
      let minute = try number(digits: 2, "minute")
      try separator(TOMLASCII.colon)
      let second = try number(digits: 2, "second")
      guard hour <= 23 else { throw fail("hour must be 00 to 23") }
      guard minute <= 59 else { throw fail("minute must be 00 to 59") }
      guard second <= 60 else { throw fail("second must be 00 to 60") }
      var nanosecond = 0
      var fractionDigits = 0
      if !atEnd && text[index] == TOMLASCII.dot {
        index += 1
        while !atEnd && TOMLASCII.isDigit(text[index]) {
          // Digits past nanoseconds are truncated, not rounded.
          if fractionDigits < 9 { nanosecond = nanosecond * 10 + Int(text[index] - 0x30) }
          fractionDigits += 1
          index += 1
        }
        guard fractionDigits > 0 else { throw fail("expected digits after '.'") }
        for _ in min(fractionDigits, 9)..<9 { nanosecond *= 10 }
      }
      return TOMLDateTime.Time(
        hour: hour, minute: minute, second: second, nanosecond: nanosecond, fractionDigits: fractionDigits)
    }

    /// `Z`, `z` or `+HH:MM` / `-HH:MM`, as minutes east of UTC.
    mutating func offset() throws(TOMLError) -> Int {
      let sign = text[index]
      index += 1
      if sign == 0x5A || sign == 0x7A { return 0 }
      guard sign == TOMLASCII.plus || sign == TOMLASCII.minus else {
        throw fail("expected 'Z' or an offset like +01:00")
      }
      let hours = try number(digits: 2, "offset hour")
      try separator(TOMLASCII.colon)
      let minutes = try number(digits: 2, "offset minute")
      guard hours <= 23, minutes <= 59 else { throw fail("offset out of range") }
      return (hours * 60 + minutes) * (sign == TOMLASCII.minus ? -1 : 1)
    }

    /// Exactly `digits` decimal digits.
    mutating func number(digits: Int, _ what: String) throws(TOMLError) -> Int {
      var value = 0
      for _ in 0..<digits {
        guard !atEnd, TOMLASCII.isDigit(text[index]) else { throw fail("expected a \(digits)-digit \(what)") }
        value = value * 10 + Int(text[index] - 0x30)
        index += 1
      }
      return value
    }

    mutating func separator(_ byte: UInt8) throws(TOMLError) {
      guard !atEnd, text[index] == byte else {
        throw fail("expected '\(Character(Unicode.Scalar(byte)))'")
      }
      index += 1
    }

    static func daysIn(month: Int, year: Int) -> Int {
      switch month {
      case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
      case 4, 6, 9, 11: return 30
      default: return 31
      }
    }
  }
}
