/// A position in a source file.
///
/// `line` and `column` are 1-based; `column` counts Unicode scalars from the start of the line, so a caret drawn
/// under the source line lines up for non-ASCII text. `offset` is the 0-based byte offset into the file.
///
/// Stored as three 32-bit numbers (values outside their range are clamped): a spec of 100,000 mounts holds about a
/// million locations, and half the bytes is half the memory. Spec files are at most 64 MiB.
public struct SourceLocation: Sendable, Hashable, Comparable, Codable {
  private var storedLine: Int32
  private var storedColumn: Int32
  private var storedOffset: Int32

  public var line: Int {
    get { Int(storedLine) }
    set { storedLine = Int32(clamping: newValue) }
  }
  public var column: Int {
    get { Int(storedColumn) }
    set { storedColumn = Int32(clamping: newValue) }
  }
  public var offset: Int {
    get { Int(storedOffset) }
    set { storedOffset = Int32(clamping: newValue) }
  }

  public init(line: Int, column: Int, offset: Int) {
    storedLine = Int32(clamping: line)
    storedColumn = Int32(clamping: column)
    storedOffset = Int32(clamping: offset)
  }

  public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool { lhs.offset < rhs.offset }

  private enum CodingKeys: String, CodingKey { case line, column, offset }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      line: try container.decode(Int.self, forKey: .line), column: try container.decode(Int.self, forKey: .column),
      offset: try container.decode(Int.self, forKey: .offset))
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(line, forKey: .line)
    try container.encode(column, forKey: .column)
    try container.encode(offset, forKey: .offset)
  }
}

/// A half-open range of source text: `start` is the first byte, `end` the byte just past the last one.
public struct SourceRange: Sendable, Hashable, Codable {
  public var start: SourceLocation
  public var end: SourceLocation
  /// -1 for none: an `Int?` would take 9 bytes and round the range up to 64.
  private var storedArgument: Int32 = -1
  /// For a value given on the command line (`--set`, `--env`, `--bind`; see ``SpecOverride``), which of those
  /// overrides, from 0; `start` and `end` then lie on its line after the spec file's own (the column counts from the
  /// flag). Nil for the spec file.
  public var argument: Int? {
    get { storedArgument < 0 ? nil : Int(storedArgument) }
    set { storedArgument = newValue.map { Int32(clamping: max($0, 0)) } ?? -1 }
  }

  public init(start: SourceLocation, end: SourceLocation) {
    self.start = start
    self.end = end
  }

  /// An empty range at one location.
  public init(at location: SourceLocation) {
    self.init(start: location, end: location)
  }

  private enum CodingKeys: String, CodingKey { case start, end, argument }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      start: try container.decode(SourceLocation.self, forKey: .start),
      end: try container.decode(SourceLocation.self, forKey: .end))
    argument = try container.decodeIfPresent(Int.self, forKey: .argument)
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(start, forKey: .start)
    try container.encode(end, forKey: .end)
    try container.encodeIfPresent(argument, forKey: .argument)
  }
}

/// A TOML date, time or date-time with the precision the document wrote it in (TOML 1.0 §Offset Date-Time,
/// §Local Date-Time, §Local Date, §Local Time).
public struct TOMLDateTime: Sendable, Hashable {
  /// A calendar date (proleptic Gregorian).
  public struct Date: Sendable, Hashable {
    public var year: Int
    public var month: Int
    public var day: Int
    public init(year: Int, month: Int, day: Int) {
      self.year = year
      self.month = month
      self.day = day
    }
  }

  /// A wall-clock time; `nanosecond` holds the fraction, truncated (not rounded) past nanoseconds.
  public struct Time: Sendable, Hashable {
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var nanosecond: Int
    /// How many fraction digits the source wrote (0 when it wrote none), kept so output can echo the precision.
    public var fractionDigits: Int
    public init(hour: Int, minute: Int, second: Int, nanosecond: Int = 0, fractionDigits: Int = 0) {
      self.hour = hour
      self.minute = minute
      self.second = second
      self.nanosecond = nanosecond
      self.fractionDigits = fractionDigits
    }
  }

  public var date: Date?
  public var time: Time?
  /// Offset from UTC in minutes; `nil` for local kinds. `Z` is 0.
  public var offsetMinutes: Int?

  public init(date: Date?, time: Time?, offsetMinutes: Int?) {
    self.date = date
    self.time = time
    self.offsetMinutes = offsetMinutes
  }
}

/// A TOML value with the source range it was written at.
public struct TOMLNode: Sendable, Hashable {
  public var value: TOMLValue
  /// Where the value is written. For a table made by a `[header]`, the header; for an inline table or an array, from
  /// the opening bracket to the closing one; for a table created implicitly (a dotted key or a header's parent),
  /// the first key that created it.
  public var range: SourceRange

  public init(_ value: TOMLValue, range: SourceRange) {
    self.value = value
    self.range = range
  }
}

/// A decoded TOML value (TOML 1.0). Integers are 64-bit signed, floats IEEE 754 binary64.
public enum TOMLValue: Sendable, Hashable {
  case string(String)
  case integer(Int64)
  case float(Double)
  case bool(Bool)
  /// Boxed: the only payload larger than a string, it would make every value as large as a date.
  indirect case dateTime(TOMLDateTime)
  case array([TOMLNode])
  case table(TOMLTable)
}

/// One `key = value` of a table, in document order.
public struct TOMLEntry: Sendable, Hashable {
  /// The key as decoded (quotes and escapes removed); for a dotted key, the last part that names this entry.
  public var key: String
  /// Where that key part is written in the source.
  public var keyRange: SourceRange
  public var node: TOMLNode

  public init(key: String, keyRange: SourceRange, node: TOMLNode) {
    self.key = key
    self.keyRange = keyRange
    self.node = node
  }
}

/// A TOML table: its entries in the order they were first defined in the document.
public struct TOMLTable: Sendable, Hashable {
  public var entries: [TOMLEntry]

  public init(entries: [TOMLEntry] = []) {
    self.entries = entries
  }

  /// The entry named `key`, if there is one.
  public subscript(key: String) -> TOMLEntry? {
    entries.first { $0.key == key }
  }

  /// The entry named `key`, for the decoder's own keys (`target`, `uid_map`), which it looks up many times per
  /// table, mostly in tables without them: lengths are compared first, by index, without copying each entry.
  ///
  /// Lengths decide only where `key` is one that `String ==` (canonical equivalence) cannot match with a string of
  /// another length: ASCII without `K`, `;` and `` ` ``, which U+212A KELVIN SIGN, U+037E and U+1FEF decompose to.
  /// The decoder's keys are all lower-case ASCII names.
  func entry(named key: String) -> TOMLEntry? {
    assert(key.utf8.allSatisfy { $0 < 0x80 && $0 != UInt8(ascii: "K") && $0 != UInt8(ascii: ";") && $0 != 0x60 })
    let count = key.utf8.count
    for index in entries.indices where entries[index].key.utf8.count == count && entries[index].key == key {
      return entries[index]
    }
    return nil
  }
}

/// Why a document is not valid TOML 1.0, and where.
public struct TOMLError: Error, Sendable, Hashable {
  public var message: String
  public var range: SourceRange

  public init(message: String, range: SourceRange) {
    self.message = message
    self.range = range
  }
}
