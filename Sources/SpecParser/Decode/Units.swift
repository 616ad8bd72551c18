/// Parsers for the human-friendly value forms a spec accepts: sizes, octal modes and durations.
enum Units {
  /// A size with a unit, tmpfs(5) style: `"64M"`, `"512k"`, `"1g"` (binary units: k = 1024 bytes).
  /// Returns nil when the text is not of that form or overflows 64 bits.
  static func size(_ text: String) -> UInt64? {
    if let bytes = plainSize(text) { return bytes }
    guard let last = text.last, let digits = UInt64(text.dropLast()) else { return nil }
    let shift: UInt64
    switch last {
    case "k", "K": shift = 10
    case "m", "M": shift = 20
    case "g", "G": shift = 30
    default: return nil
    }
    let (value, overflow) = digits.multipliedReportingOverflow(by: 1 << shift)
    return overflow ? nil : value
  }

  /// The usual spelling, ASCII digits and a unit letter, read from the bytes: `.some(nil)` when it overflows, nil
  /// for any other spelling (which ``size(_:)`` then reads the general way).
  private static func plainSize(_ text: String) -> UInt64?? {
    let utf8 = text.utf8
    guard let unit = utf8.last, utf8.count > 1 else { return nil }
    let digits = utf8.dropLast()
    guard digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
    let shift: UInt64
    switch unit {
    case UInt8(ascii: "k"), UInt8(ascii: "K"): shift = 10
    case UInt8(ascii: "m"), UInt8(ascii: "M"): shift = 20
    case UInt8(ascii: "g"), UInt8(ascii: "G"): shift = 30
    default: return nil
    }
    var value: UInt64 = 0
    for digit in digits {
      let (times10, overflow) = value.multipliedReportingOverflow(by: 10)
      let (sum, carry) = times10.addingReportingOverflow(UInt64(digit - UInt8(ascii: "0")))
      if overflow || carry { return .some(nil) }
      value = sum
    }
    let (result, overflow) = value.multipliedReportingOverflow(by: 1 << shift)
    return .some(overflow ? nil : result)
  }

  /// Why a duration string was refused.
  enum DurationProblem: Error, Equatable {
    /// Not a number of seconds, nor number-unit pairs.
    case malformed
    /// A unit other than ns, us, ms, s, m, h, d.
    case unknownUnit(String)
    /// More nanoseconds than an Int64 holds (about 292 years).
    case tooLarge
  }

  /// A duration: a plain number of seconds (`"90"`, `"-1.5"`), or one or more number-unit pairs with an optional
  /// sign in front (`"90s"`, `"1h30m"`, `"-2h"`, `"7d"`, `"250ms"`, `"1.5h"`). Units: ns, us, ms, s, m, h, d.
  /// Returns the total in nanoseconds.
  static func durationNanoseconds(_ text: String) -> Result<Int64, DurationProblem> {
    var rest = Substring(text)
    var sign: Int64 = 1
    if rest.first == "-" || rest.first == "+" {
      if rest.first == "-" { sign = -1 }
      rest = rest.dropFirst()
    }
    guard !rest.isEmpty else { return .failure(.malformed) }
    if let seconds = Double(rest), rest.allSatisfy({ $0.isNumber || $0 == "." }) {
      return nanoseconds(seconds * Double(sign)).map { .success($0) } ?? .failure(.tooLarge)
    }
    var total: Int64 = 0
    var previousScale = Int64.max
    while !rest.isEmpty {
      let number = rest.prefix { $0.isNumber || $0 == "." }
      rest = rest.dropFirst(number.count)
      let unit = rest.prefix { $0.isLetter }
      rest = rest.dropFirst(unit.count)
      guard !number.isEmpty, number.first != ".", number.last != ".", let value = Double(number) else {
        return .failure(.malformed)
      }
      guard let scale = unitScale(unit) else { return .failure(unit.isEmpty ? .malformed : .unknownUnit(String(unit))) }
      // Each unit once, largest first ("1h30m", not "30m1h" or "1m1m"), as a reader expects.
      guard scale < previousScale else { return .failure(.malformed) }
      previousScale = scale
      // Whole numbers stay exact in integers; a fraction (1.5h) goes through a double, rounded to the nanosecond.
      let part: Int64
      if let whole = Int64(number) {
        let (product, overflow) = whole.multipliedReportingOverflow(by: scale)
        guard !overflow else { return .failure(.tooLarge) }
        part = product
      } else {
        let product = (value * Double(scale)).rounded()
        guard product.isFinite, product < 9.2e18 else { return .failure(.tooLarge) }
        part = Int64(product)
      }
      let (sum, overflow) = total.addingReportingOverflow(part)
      guard !overflow else { return .failure(.tooLarge) }
      total = sum
    }
    return .success(total * sign)
  }

  /// Seconds as a float to nanoseconds, nil when out of range.
  static func nanoseconds(_ seconds: Double) -> Int64? {
    let value = (seconds * 1e9).rounded()
    guard value.isFinite, value > -9.2e18, value < 9.2e18 else { return nil }
    return Int64(value)
  }

  private static func unitScale(_ unit: Substring) -> Int64? {
    switch unit {
    case "ns": 1
    case "us": 1_000
    case "ms": 1_000_000
    case "s": 1_000_000_000
    case "m": 60_000_000_000
    case "h": 3_600_000_000_000
    case "d": 86_400_000_000_000
    default: nil
    }
  }
}

extension ClockOffset {
  /// Splits nanoseconds into timens_offsets' form: seconds, and nanoseconds in 0..<1e9.
  init(totalNanoseconds: Int64) {
    var seconds = totalNanoseconds / 1_000_000_000
    var nanos = totalNanoseconds % 1_000_000_000
    if nanos < 0 {
      seconds -= 1
      nanos += 1_000_000_000
    }
    self.init(seconds: seconds, nanoseconds: nanos)
  }
}
