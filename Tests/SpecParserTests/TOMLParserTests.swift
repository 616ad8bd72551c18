import Testing

@testable import SpecParser

/// Parses UTF-8 text.
private func parse(_ text: String) throws(TOMLError) -> TOMLTable {
  try TOMLParser.parse(Array(text.utf8))
}

/// The error parsing `bytes` throws, or `nil` when it parses.
private func parseError(_ bytes: [UInt8]) -> TOMLError? {
  do throws(TOMLError) {
    _ = try TOMLParser.parse(bytes)
    return nil
  } catch {
    return error
  }
}

private func parseError(_ text: String) -> TOMLError? { parseError(Array(text.utf8)) }

private func location(_ line: Int, _ column: Int, _ offset: Int) -> SpecParser.SourceLocation {
  SpecParser.SourceLocation(line: line, column: column, offset: offset)
}

private func range(_ start: SpecParser.SourceLocation, _ end: SpecParser.SourceLocation) -> SourceRange {
  SourceRange(start: start, end: end)
}

struct TOMLParserErrorTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var source: String
    var line: Int
    var column: Int
    var message: String
    var testDescription: String { message }
  }

  @Test(arguments: [
    Case(source: "a = 1 b = 2", line: 1, column: 7, message: "expected a newline after value, found 'b'"),
    Case(source: "a = 1\nb = \n", line: 2, column: 5, message: "expected a value, found newline"),
    Case(source: "key value", line: 1, column: 5, message: "expected '=' after key, found 'v'"),
    Case(
      source: "name = 1\n\nname = 2", line: 3, column: 1, message: "duplicate key 'name' (first defined at line 1)"),
    Case(source: "s = \"\\q\"", line: 1, column: 6, message: "invalid escape '\\q' in string"),
    Case(source: "[a]\nx = 1\n[a]\n", line: 3, column: 2, message: "duplicate table [a] (first defined at line 1)"),
    Case(source: "a = [1, 2", line: 1, column: 5, message: "unterminated array: missing ']'"),
    Case(source: "é = 1", line: 1, column: 1, message: "expected a key, found 'é' (U+00E9)"),
    Case(source: "a = \"ü\u{7}\"", line: 1, column: 7, message: "control character U+0007 is not allowed in a string"),
    Case(source: "a = \"\u{0}\"", line: 1, column: 6, message: "control character U+0000 is not allowed in a string"),
    Case(source: "# é \u{7F}", line: 1, column: 5, message: "control character U+007F is not allowed in a comment"),
    Case(source: "a = 1\rb = 2", line: 1, column: 6, message: "carriage return must be followed by a line feed"),
    Case(source: "x = 0x", line: 1, column: 5, message: "invalid number '0x'"),
    Case(source: "x = 012", line: 1, column: 5, message: "leading zeros are not allowed in '012'"),
    Case(source: "x = 1__0", line: 1, column: 5, message: "underscores in '1__0' must be between digits"),
    Case(source: "x = 2021-02-29", line: 1, column: 5, message: "invalid date '2021-02-29': day 29 does not exist"),
    Case(source: "x = 24:00:00", line: 1, column: 5, message: "invalid time '24:00:00': hour must be 00 to 23"),
    Case(source: "x = yes", line: 1, column: 5, message: "invalid value 'yes' (strings must be quoted)"),
    Case(source: "t = {a = 1,}", line: 1, column: 12, message: "trailing comma is not allowed in an inline table"),
    Case(source: "t = {a = 1\n}", line: 1, column: 11, message: "newline is not allowed in an inline table"),
    Case(source: "a.b = 1\na = 2", line: 2, column: 1, message: "duplicate key 'a'"),
    Case(source: "a = 1\na.b = 2", line: 2, column: 1, message: "'a' is already a value, not a table"),
    Case(source: "t = {x = 1}\n[t.y]", line: 2, column: 2, message: "cannot add to inline table 't'"),
    Case(source: "[a]\nb.c = 1\n[a.b]", line: 3, column: 4, message: "table [a.b] was already defined with dotted"),
    Case(source: "[a.b]\n[a]\nb.c = 1", line: 3, column: 1, message: "cannot add to table 'b' with dotted keys"),
    Case(source: "a = []\n[[a]]", line: 2, column: 3, message: "cannot append to 'a': it is not an array of tables"),
    Case(source: "\"\"\"k\"\"\" = 1", line: 1, column: 1, message: "a key cannot be a multi-line string"),
    Case(source: "s = \"abc", line: 1, column: 5, message: "unterminated string: missing closing '\"'"),
    Case(source: "s = '''abc", line: 1, column: 5, message: "unterminated multi-line string: missing closing '''"),
    Case(source: "s = \"\\uD800\"", line: 1, column: 6, message: "escape '\\uD800' is not a Unicode scalar value"),
    Case(source: "s = \"\\u12\"", line: 1, column: 6, message: "escape '\\u' needs 4 hex digits"),
    Case(
      source: "s = \"\"\"a \\ b\"\"\"", line: 1, column: 10,
      message: "invalid escape: '\\' followed by whitespace must end the line"),
    Case(source: "[a", line: 1, column: 3, message: "expected ']' to close the table header, found end of input"),
    Case(source: "[[a]", line: 1, column: 5, message: "expected ']]' to close the array-of-tables header"),
    Case(source: "x = 1e999", line: 1, column: 5, message: "float 1e999 does not fit in 64 bits"),
  ])
  func errorPosition(_ testCase: Case) throws {
    let error = try #require(parseError(testCase.source), "expected an error")
    #expect(error.message.hasPrefix(testCase.message), "message: \(error.message)")
    #expect(error.range.start.line == testCase.line, "at \(error.range.start)")
    #expect(error.range.start.column == testCase.column, "at \(error.range.start)")
  }

  @Test func errorRangeCoversTheOffendingToken() throws {
    let escape = try #require(parseError("s = \"\\q\""))
    #expect(escape.range == range(location(1, 6, 5), location(1, 8, 7)))
    let number = try #require(parseError("n = 9223372036854775808 # big"))
    #expect(number.message == "integer 9223372036854775808 does not fit in 64 bits")
    #expect(number.range == range(location(1, 5, 4), location(1, 24, 23)))
    let duplicate = try #require(parseError("[t]\nk = 1\n[t]\n\"k\" = 2"))
    #expect(duplicate.message == "duplicate table [t] (first defined at line 1)")
    #expect(duplicate.range == range(location(3, 2, 11), location(3, 3, 12)))
  }

  @Test func invalidUTF8ReportsItsByteOffset() throws {
    let overlong = try #require(parseError(Array("a = \"x\" # ".utf8) + [0xC0, 0x80]))
    #expect(overlong.message == "invalid UTF-8 at byte 10")
    #expect(overlong.range.start == location(1, 11, 10))
    let surrogate = try #require(parseError(Array("a = 1\nb = \"".utf8) + [0xED, 0xA0, 0x80, 0x22]))
    #expect(surrogate.message == "invalid UTF-8 at byte 11")
    #expect(surrogate.range.start == location(2, 6, 11))
    let truncated = try #require(parseError(Array("s = \"é".utf8) + [0xE2, 0x82]))
    #expect(truncated.message == "invalid UTF-8 at byte 7")
    #expect(truncated.range.start.column == 7)
    let utf16 = try #require(parseError([0xFF, 0xFE, 0x61, 0x00]))
    #expect(utf16.message == "invalid UTF-8 at byte 0")
  }
}

struct TOMLParserValueTests {
  @Test func byteOrderMarkIsSkipped() throws {
    let table = try TOMLParser.parse([0xEF, 0xBB, 0xBF] + Array("a = 1".utf8))
    let entry = try #require(table["a"])
    #expect(entry.node.value == .integer(1))
    #expect(entry.keyRange == range(location(1, 1, 3), location(1, 2, 4)))
    #expect(try TOMLParser.parse([0xEF, 0xBB, 0xBF]).entries.isEmpty)
    #expect(try TOMLParser.parse([]).entries.isEmpty)
    #expect(parseError([0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF]) != nil, "only one leading BOM is skipped")
  }

  @Test func int64Limits() throws {
    let table = try parse("max = 9_223_372_036_854_775_807\nmin = -9223372036854775808\nhex = 0x7FFF_FFFF_FFFF_FFFF")
    #expect(table["max"]?.node.value == .integer(.max))
    #expect(table["min"]?.node.value == .integer(.min))
    #expect(table["hex"]?.node.value == .integer(.max))
    #expect(parseError("x = -9223372036854775809")?.message == "integer -9223372036854775809 does not fit in 64 bits")
    #expect(parseError("x = 0x8000000000000000")?.message == "integer 0x8000000000000000 does not fit in 64 bits")
    let binary = parseError("x = 0b1" + String(repeating: "0", count: 64))
    #expect(binary?.message.hasSuffix("does not fit in 64 bits") == true)
  }

  @Test func floatSignsAndSpecialValues() throws {
    let table = try parse("nz = -0.0\npz = +0.0\nni = -inf\npi = +inf\nnn = -nan\ne = 5e+22\nsmall = 1e-400")
    guard case .float(let negativeZero) = table["nz"]?.node.value,
      case .float(let positiveZero) = table["pz"]?.node.value
    else {
      Issue.record("zeros are not floats")
      return
    }
    #expect(negativeZero == 0 && negativeZero.sign == .minus)
    #expect(positiveZero == 0 && positiveZero.sign == .plus)
    #expect(table["ni"]?.node.value == .float(-.infinity))
    #expect(table["pi"]?.node.value == .float(.infinity))
    if case .float(let nan) = table["nn"]?.node.value { #expect(nan.isNaN) } else { Issue.record("nan") }
    #expect(table["e"]?.node.value == .float(5e22))
    #expect(table["small"]?.node.value == .float(0))
    #expect(TOMLTaggedJSON.floatText(negativeZero) == "-0.0")
  }

  @Test func integerForms() throws {
    let table = try parse("a = +99\nb = 0xdead_BEEF\nc = 0o755\nd = 0b1101\ne = -0\nf = 1_000")
    let expected: [Int64] = [99, 0xDEAD_BEEF, 0o755, 13, 0, 1000]
    #expect(table.entries.map(\.node.value) == expected.map(TOMLValue.integer))
  }

  @Test func stringForms() throws {
    let source = """
      basic = "tab\\t quote\\" \\u00E9 \\U0001F600"
      literal = 'C:\\path\\'
      multi = \"\"\"
      one \\
          two\r
      three\"\"\"
      quotes = \"\"\"\"two\"\"\"\"\"
      raw = '''
      x''y'''
      """
    let table = try parse(source)
    #expect(table["basic"]?.node.value == .string("tab\t quote\" é 😀"))
    #expect(table["literal"]?.node.value == .string("C:\\path\\"))
    #expect(table["multi"]?.node.value == .string("one two\nthree"))
    #expect(table["quotes"]?.node.value == .string("\"two\"\""))
    #expect(table["raw"]?.node.value == .string("x''y"))
  }

  @Test func dateTimes() throws {
    let table = try parse(
      "odt = 1979-05-27 07:32:00.1234567891-05:30\nldt = 1979-05-27t07:32:00\nld = 2000-02-29\nlt = 23:59:60.5")
    #expect(
      table["odt"]?.node.value
        == .dateTime(
          TOMLDateTime(
            date: .init(year: 1979, month: 5, day: 27),
            time: .init(hour: 7, minute: 32, second: 0, nanosecond: 123_456_789, fractionDigits: 10),
            offsetMinutes: -330)))
    #expect(
      table["ldt"]?.node.value
        == .dateTime(
          TOMLDateTime(
            date: .init(year: 1979, month: 5, day: 27), time: .init(hour: 7, minute: 32, second: 0), offsetMinutes: nil)
        ))
    #expect(
      table["ld"]?.node.value
        == .dateTime(
          TOMLDateTime(
            date: .init(year: 2000, month: 2, day: 29), time: nil, offsetMinutes: nil)))
    #expect(
      table["lt"]?.node.value
        == .dateTime(
          TOMLDateTime(
            date: nil, time: .init(hour: 23, minute: 59, second: 60, nanosecond: 500_000_000, fractionDigits: 1),
            offsetMinutes: nil)))
  }

  @Test func canonicallyEquivalentKeysStayDistinct() throws {
    let table = try parse("\"\u{E9}\" = 1\n\"e\u{301}\" = 2")
    #expect(table.entries.count == 2)
  }

  /// Small tables find keys by scanning and large ones by an index: both keep keys distinct and catch duplicates.
  @Test(arguments: [3, 40])
  func keysMatchByTheirBytesInSmallAndLargeTables(count: Int) throws {
    let keys = (1...count).map { "k\($0) = \($0)\n" }.joined()
    let table = try parse("[t]\n" + keys + "\"\u{E9}\" = 1\n\"e\u{301}\" = 2\n")
    #expect(table["t"].map { if case .table(let t) = $0.node.value { t.entries.count } else { 0 } } == count + 2)
    #expect(throws: TOMLError.self) { try parse("[t]\n" + keys + "k2 = 0\n") }
    #expect(throws: TOMLError.self) { try parse("[t]\n" + keys + "\"e\u{301}\" = 1\n\"e\u{301}\" = 2\n") }
    // An implicit table defined later by its own header keeps working past the index threshold too.
    let implicit = try parse("[t.sub.x]\n[t]\n" + keys + "[t.sub]\ny = 1\n")
    #expect(implicit["t"] != nil)
  }
}

struct TOMLParserRangeTests {
  @Test func keyAndValueRanges() throws {
    let entry = try #require(try parse("  key = \"value\"  # note")["key"])
    #expect(entry.keyRange == range(location(1, 3, 2), location(1, 6, 5)))
    #expect(entry.node.range == range(location(1, 9, 8), location(1, 16, 15)))
  }

  @Test func nonASCIIColumnsCountScalars() throws {
    let table = try parse("a = 1\n\"ключ\" = \"значение\"")
    let entry = try #require(table.entries.last)
    #expect(entry.key == "ключ")
    #expect(entry.keyRange == range(location(2, 1, 6), location(2, 7, 16)))
    #expect(entry.node.range == range(location(2, 10, 19), location(2, 20, 37)))
  }

  @Test func multiLineValueRange() throws {
    let entry = try #require(try parse("s = \"\"\"\nab\ncd\"\"\"\n")["s"])
    #expect(entry.node.range == range(location(1, 5, 4), location(3, 6, 16)))
    let array = try #require(try parse("a = [\n  1,\n  2,\n]")["a"])
    #expect(array.node.range == range(location(1, 5, 4), location(4, 2, 17)))
    guard case .array(let elements) = array.node.value else {
      Issue.record("not an array")
      return
    }
    #expect(elements.map(\.range.start) == [location(2, 3, 8), location(3, 3, 13)])
  }

  @Test func tableRanges() throws {
    let table = try parse("[a.b]\nx = 1\n[[c]]\ny = 2\n[[c]]\nt = { k = 1 }\n")
    let a = try #require(table["a"])
    #expect(a.keyRange == range(location(1, 2, 1), location(1, 3, 2)))
    #expect(a.node.range == a.keyRange, "an implicit table's range is the key that created it")
    guard case .table(let aTable) = a.node.value, let b = aTable["b"] else {
      Issue.record("a.b missing")
      return
    }
    #expect(b.keyRange == range(location(1, 4, 3), location(1, 5, 4)))
    #expect(b.node.range == range(location(1, 1, 0), location(1, 6, 5)))
    let c = try #require(table["c"])
    #expect(c.keyRange == range(location(3, 3, 14), location(3, 4, 15)))
    #expect(c.node.range == range(location(3, 1, 12), location(3, 6, 17)))
    guard case .array(let elements) = c.node.value, elements.count == 2, case .table(let second) = elements[1].value
    else {
      Issue.record("c is not an array of two tables")
      return
    }
    #expect(elements[0].range == range(location(3, 1, 12), location(3, 6, 17)))
    #expect(elements[1].range == range(location(5, 1, 24), location(5, 6, 29)))
    let inline = try #require(second["t"])
    #expect(inline.node.range == range(location(6, 5, 34), location(6, 14, 43)))
  }

  @Test func implicitTableTakesTheRangeOfItsLaterHeader() throws {
    let table = try parse("[a.b]\n[a]\nz = 1")
    let a = try #require(table["a"])
    #expect(a.keyRange == range(location(2, 2, 7), location(2, 3, 8)))
    #expect(a.node.range == range(location(2, 1, 6), location(2, 4, 9)))
  }

  @Test func dottedKeyRanges() throws {
    let x = try #require(try parse("x . \"y\" .z = 1")["x"])
    #expect(x.node.range == x.keyRange)
    guard case .table(let xTable) = x.node.value, let y = xTable["y"], case .table(let yTable) = y.node.value,
      let z = yTable["z"]
    else {
      Issue.record("x.y.z missing")
      return
    }
    #expect(y.keyRange == range(location(1, 5, 4), location(1, 8, 7)))
    #expect(z.keyRange == range(location(1, 10, 9), location(1, 11, 10)))
    #expect(z.node.range == range(location(1, 14, 13), location(1, 15, 14)))
  }
}

struct TOMLParserStructureTests {
  @Test func documentOrderIsFirstDefinition() throws {
    let table = try parse("z = 1\na = 2\n[m.x]\n[b]\nq.r = 1\nc = 3\n[m]\nk = 1")
    #expect(table.entries.map(\.key) == ["z", "a", "m", "b"])
    guard case .table(let b) = table["b"]?.node.value, case .table(let m) = table["m"]?.node.value else {
      Issue.record("tables missing")
      return
    }
    #expect(b.entries.map(\.key) == ["q", "c"])
    #expect(m.entries.map(\.key) == ["x", "k"])
  }

  @Test func headersMayDefineSubTablesOfDottedTables() throws {
    let table = try parse(
      "[fruit]\napple.color = \"red\"\n[fruit.apple.texture]\nsmooth = true\n[[fruit.apple.seeds]]\n")
    guard case .table(let fruit) = table["fruit"]?.node.value, case .table(let apple) = fruit["apple"]?.node.value
    else {
      Issue.record("fruit.apple missing")
      return
    }
    #expect(apple.entries.map(\.key) == ["color", "texture", "seeds"])
  }

  @Test(arguments: [
    ("arrays", String(repeating: "[", count: 100_000)),
    ("inline tables", String(repeating: "{a=", count: 100_000)),
    ("mixed", String(repeating: "[{a=", count: 50_000)),
  ])
  func deepValueNestingIsAnError(_ kind: String, _ value: String) throws {
    let error = try #require(parseError("x = " + value), "\(kind)")
    #expect(error.message == "arrays and tables nested deeper than 512 levels")
  }

  @Test func deepTableNestingIsAnError() throws {
    let path = Array(repeating: "a", count: 100_000).joined(separator: ".")
    #expect(parseError("[\(path)]")?.message == "tables nested deeper than 512 levels")
    #expect(parseError("[[\(path)]]")?.message == "tables nested deeper than 512 levels")
    #expect(parseError("\(path) = 1")?.message == "tables nested deeper than 512 levels")
  }

  @Test func nestingUpToTheLimitIsAccepted() throws {
    // `x` is level 1, so 512 arrays reach level 512 exactly.
    let arrays = try parse("x = " + String(repeating: "[", count: 512) + String(repeating: "]", count: 512))
    #expect(arrays.entries.count == 1)
    let keys = Array(repeating: "a", count: 512).joined(separator: ".")
    #expect(try parse("\(keys) = 1").entries.count == 1)
    #expect(parseError("x = " + String(repeating: "[", count: 513) + String(repeating: "]", count: 513)) != nil)
    #expect(try parse("\(keys).b = 1").entries.count == 1, "512 tables, then a scalar")
    #expect(parseError("\(keys).b.c = 1")?.message == "tables nested deeper than 512 levels")
  }

  /// Truncations and byte substitutions of a document using every feature must give a table or an error, never
  /// a crash or a hang.
  @Test func malformedInputNeverCrashes() {
    let document = Array(
      """
      # comment é
      title = "TOML \\u00E9 \\U0001F600"
      [owner]
      name = 'Tom' # x
      dob = 1979-05-27T07:32:00-08:00
      [database.servers]
      ports = [ 8000, 8001, 0x1F, 0o7, 0b1, +1.5e-3, -inf, nan ]
      data = [ ["gamma", "delta"], [1, 2], { a.b = 1, c = [] } ]
      text = \"\"\"
      line \\
        two ""\"\"\"
      raw = '''x'''
      [[products]]
      sku = 738594937
      lt = 07:32:00.999
      """.utf8)
    var accepted = 0
    for length in 0...document.count {
      if parseError(Array(document.prefix(length))) == nil { accepted += 1 }
    }
    #expect(accepted > 0)
    var generator = SplitMix64(seed: 0x5EED)
    // NUL, CR, LF, the grammar's punctuation, DEL, and bytes that break UTF-8.
    let replacements: [UInt8] = Array("\r\n\"'[]{}.=\\#, ".utf8) + [0x00, 0x7F, 0xFF, 0xC3]
    for _ in 0..<3000 {
      var mutated = document
      for _ in 0..<(1 + Int(generator.next() % 3)) {
        let index = Int(generator.next() % UInt64(mutated.count))
        mutated[index] = replacements[Int(generator.next() % UInt64(replacements.count))]
      }
      _ = parseError(mutated)
    }
  }
}

/// A tiny deterministic random generator, so fuzz failures reproduce.
private struct SplitMix64 {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

struct TOMLTaggedJSONTests {
  @Test func rendersTaggedValuesInDocumentOrder() throws {
    let table = try parse(
      """
      b = 1
      a = [1.5, "x\\"\\n\\u0001", true]
      z = -0.0
      n = nan
      [t]
      d = 1979-05-27T07:32:00.120-08:00
      u = 1979-05-27T07:32:00Z
      l = 07:32:00
      [[arr]]
      """)
    let json = TOMLTaggedJSON.render(table)
    let expected =
      #"{"b":{"type":"integer","value":"1"},"#
      + #""a":[{"type":"float","value":"1.5"},{"type":"string","value":"x\"\n\u0001"},{"type":"bool","value":"true"}],"#
      + #""z":{"type":"float","value":"-0.0"},"n":{"type":"float","value":"nan"},"#
      + #""t":{"d":{"type":"datetime","value":"1979-05-27T07:32:00.120-08:00"},"#
      + #""u":{"type":"datetime","value":"1979-05-27T07:32:00Z"},"l":{"type":"time-local","value":"07:32:00"}},"#
      + #""arr":[{}]}"#
    #expect(json == expected)
    #expect(TOMLTaggedJSON.render(TOMLTable()) == "{}")
  }
}
