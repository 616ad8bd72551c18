/// Renders a parsed document as toml-test's tagged JSON: tables become objects, arrays arrays, and every other
/// value `{"type": TYPE, "value": TEXT}` with TEXT always a string. Used by the hidden `nsbuild toml-json` command
/// that runs the toml-test suite against this parser.
public enum TOMLTaggedJSON {
  /// The document as one line of JSON, keys in document order.
  public static func render(_ table: TOMLTable) -> String {
    var output: [UInt8] = []
    output.reserveCapacity(256)
    writeTable(table, to: &output)
    return String(decoding: output, as: UTF8.self)
  }

  private static func writeTable(_ table: TOMLTable, to output: inout [UInt8]) {
    output.append(TOMLASCII.leftBrace)
    for (position, entry) in table.entries.enumerated() {
      if position > 0 { output.append(TOMLASCII.comma) }
      writeString(entry.key, to: &output)
      output.append(TOMLASCII.colon)
      writeValue(entry.node.value, to: &output)
    }
    output.append(TOMLASCII.rightBrace)
  }

  private static func writeValue(_ value: TOMLValue, to output: inout [UInt8]) {
    switch value {
    case .table(let table):
      writeTable(table, to: &output)
    case .array(let elements):
      output.append(TOMLASCII.leftBracket)
      for (position, element) in elements.enumerated() {
        if position > 0 { output.append(TOMLASCII.comma) }
        writeValue(element.value, to: &output)
      }
      output.append(TOMLASCII.rightBracket)
    case .string(let text): writeTagged("string", text, to: &output)
    case .integer(let number): writeTagged("integer", String(number), to: &output)
    case .float(let number): writeTagged("float", floatText(number), to: &output)
    case .bool(let flag): writeTagged("bool", flag ? "true" : "false", to: &output)
    case .dateTime(let dateTime): writeTagged(dateTimeType(dateTime), dateTimeText(dateTime), to: &output)
    }
  }

  private static func writeTagged(_ type: String, _ text: String, to output: inout [UInt8]) {
    output.append(contentsOf: #"{"type":"#.utf8)
    writeString(type, to: &output)
    output.append(contentsOf: #","value":"#.utf8)
    writeString(text, to: &output)
    output.append(TOMLASCII.rightBrace)
  }

  /// A JSON string: quotes, backslashes and control characters escaped, everything else as UTF-8.
  private static func writeString(_ text: String, to output: inout [UInt8]) {
    output.append(TOMLASCII.quote)
    for byte in text.utf8 {
      switch byte {
      case TOMLASCII.quote, TOMLASCII.backslash:
        output.append(TOMLASCII.backslash)
        output.append(byte)
      case TOMLASCII.lineFeed: output.append(contentsOf: #"\n"#.utf8)
      case TOMLASCII.carriageReturn: output.append(contentsOf: #"\r"#.utf8)
      case TOMLASCII.tab: output.append(contentsOf: #"\t"#.utf8)
      case 0x00..<0x20: output.append(contentsOf: ("\\u" + TOMLText.hex(UInt32(byte), 4)).utf8)
      default: output.append(byte)
      }
    }
    output.append(TOMLASCII.quote)
  }

  /// Swift's shortest round-tripping text ("5e+22", "-0.0"), with the suite's words for the non-finite values.
  static func floatText(_ number: Double) -> String {
    if number.isNaN { return "nan" }
    if number.isInfinite { return number < 0 ? "-inf" : "inf" }
    return number.description
  }

  private static func dateTimeType(_ value: TOMLDateTime) -> String {
    switch (value.date != nil, value.time != nil, value.offsetMinutes != nil) {
    case (true, true, true): return "datetime"
    case (true, true, false): return "datetime-local"
    case (true, false, _): return "date-local"
    default: return "time-local"
    }
  }

  /// RFC 3339 text with `T` between date and time, the written fraction precision (up to nanoseconds) and `Z`
  /// for a zero offset.
  static func dateTimeText(_ value: TOMLDateTime) -> String {
    var text = ""
    if let date = value.date {
      text += padded(date.year, 4) + "-" + padded(date.month, 2) + "-" + padded(date.day, 2)
    }
    if let time = value.time {
      if value.date != nil { text += "T" }
      text += padded(time.hour, 2) + ":" + padded(time.minute, 2) + ":" + padded(time.second, 2)
      let digits = min(max(time.fractionDigits, 0), 9)
      if digits > 0 { text += "." + String(padded(time.nanosecond, 9).prefix(digits)) }
    }
    if let offset = value.offsetMinutes {
      if offset == 0 {
        text += "Z"
      } else {
        text += (offset < 0 ? "-" : "+") + padded(abs(offset) / 60, 2) + ":" + padded(abs(offset) % 60, 2)
      }
    }
    return text
  }

  private static func padded(_ number: Int, _ width: Int) -> String {
    let digits = String(number)
    return String(repeating: "0", count: max(width - digits.count, 0)) + digits
  }
}
