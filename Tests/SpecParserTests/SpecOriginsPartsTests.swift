import Testing

@testable import SpecParser

/// ``SpecOrigins`` by parts (array, index, rest) must answer as the subscript does with the path spelt out, in every
/// case the subscript files differently: new arrays, indices at and past the end, paths that are not ASCII, removal.
@Suite struct SpecOriginsPartsTests {
  static func range(_ offset: Int) -> SourceRange {
    SourceRange(at: SourceLocation(line: offset + 1, column: 1, offset: offset))
  }

  /// (array, index, rest) written in this order, the last one removing what the fourth wrote.
  static let writes: [(String, Int, String, SourceRange?)] = [
    ("mounts", 0, "", range(1)), ("mounts", 0, ".target", range(2)), ("mounts", 1, "", range(3)),
    ("mounts", 1, ".options[0]", range(4)), ("mounts", 5, ".target", range(5)), ("files", 2, "", range(6)),
    ("files", 0, "", range(7)), ("mounts", 0, ".é", range(8)), ("process.args", 0, "", range(9)),
    ("mounts", 0, ".target", range(10)), ("mounts", 1, ".options[0]", nil), ("mounts", 5, ".target", nil),
  ]

  static func spelt(_ array: String, _ index: Int, _ rest: String) -> SpecKeyPath {
    SpecKeyPath(array + "[" + String(index) + "]" + rest)
  }

  @Test func writingByPartsFilesWhatTheSubscriptFiles() {
    var byPath = SpecOrigins()
    var byParts = SpecOrigins()
    byPath["root.path"] = Self.range(0)
    byParts["root.path"] = Self.range(0)
    for (array, index, rest, range) in Self.writes {
      byPath[Self.spelt(array, index, rest)] = range
      byParts.setOrigin(range, array, index, rest)
      #expect(byParts.dictionary == byPath.dictionary, "after \(Self.spelt(array, index, rest))")
    }
    #expect(byPath.dictionary[Self.spelt("mounts", 0, ".target")] == Self.range(10))
    #expect(byPath.dictionary[Self.spelt("mounts", 5, ".target")] == nil)
  }

  @Test func readingByPartsFindsWhatTheSubscriptFinds() {
    var origins = SpecOrigins()
    for (array, index, rest, range) in Self.writes { origins[Self.spelt(array, index, rest)] = range }
    let probes: [(String, Int, String)] =
      Self.writes.map { ($0.0, $0.1, $0.2) } + [
        ("mounts", 9, ""), ("mounts", 2, ""), ("other", 0, ""), ("files", 1, ""),
      ]
    for (array, index, rest) in probes {
      #expect(
        origins.origin(array, index, rest) == origins[Self.spelt(array, index, rest)], "\(array) \(index) \(rest)")
    }
    #expect(origins.origin("files", 2) == Self.range(6))
    // A path that is not ASCII is kept whole, with no index past an array's end kept beside it.
    var plain = SpecOrigins()
    plain["root.path"] = Self.range(0)
    plain[Self.spelt("mounts", 0, "")] = Self.range(1)
    plain[Self.spelt("mounts", 0, ".é")] = Self.range(2)
    #expect(plain.origin("mounts", 0, ".é") == Self.range(2))
    #expect(plain.origin("mounts", 0) == Self.range(1))
  }

  @Test func decoderLookupsMatchTheSubscript() throws {
    let table = try TOMLParser.parse(Array("t = 1\ntype = 2\ntarget = 3\n\"\u{212A}ey\" = 4\n".utf8))
    for key in ["t", "type", "target", "ta", "targets", "key", "size"] {
      #expect(table.entry(named: key) == table[key], "\(key)")
    }
    #expect(table.entry(named: "target")?.node.value == .integer(3))
  }
}
