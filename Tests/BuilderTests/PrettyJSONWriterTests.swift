import Foundation
import Testing

@testable import nsbuild

/// ``PrettyJSONWriter`` and ``JSONNodeEncoder`` against Foundation's `JSONEncoder`, whose bytes `plan --format json`
/// keeps: every escape, number, empty container and key order.
@Suite struct PrettyJSONWriterTests {
  static var awkward: JSONNode {
    .object([
      (
        "zeta",
        .string("quote \" backslash \\ slash / tab \t newline \n cr \r bell \u{7} esc \u{1b} nul \u{0} del \u{7f}")
      ),
      ("Upper", .string("é ü 漢字 🙂 \u{2028} \u{8} \u{c} \u{1f}")),
      ("_under", .array([])),
      ("a_b", .object([])),
      ("ab", .array([.integer(Int64.min), .integer(-1), .integer(0), .integer(9), .integer(10), .integer(Int64.max)])),
      ("a", .array([.unsigned(UInt64.max), .bool(true), .bool(false), .null, .array([.object([("k", .null)])])])),
      ("a2", .elements(count: 3) { .integer(Int64($0) * 1000) }),
      ("", .string("")),
    ])
  }

  static func written(_ node: JSONNode) throws -> String {
    try GoldenPlanTests.written { emit in
      var writer = PrettyJSONWriter(emit: emit)
      try writer.write(node)
      writer.flush()
    }
  }

  @Test func writesWhatFoundationWrites() throws {
    #expect(try Self.written(Self.awkward) == JSONText.encode(Self.awkward))
  }

  /// A document much larger than a piece arrives whole and in order.
  @Test func handsOnLargeDocumentsInPieces() throws {
    let large = JSONNode.elements(count: 20_000) {
      .object([("id", .integer(Int64($0))), ("name", .string("m\($0)"))])
    }
    var pieces = 0
    let text = try GoldenPlanTests.written { emit in
      var writer = PrettyJSONWriter(emit: {
        pieces += 1
        emit($0)
      })
      try writer.write(large)
      writer.flush()
    }
    #expect(pieces > 1)
    #expect(text == (try JSONText.encode(large)))
  }

  struct Sample: Encodable {
    enum Shape: Encodable {
      case mountAt(target: Int32, fstypeName: String?, useURLPath: Bool, sizeMB: UInt64)
      case nothing
    }
    var shapes: [Shape]
    var table: [String: Int]
    var maybe: String?
  }

  /// Keys converted as `convertToSnakeCase` converts them (a dictionary's kept as they are), nil left out.
  @Test func encodesAsFoundationReadsBack() throws {
    let sample = Sample(
      shapes: [.mountAt(target: -3, fstypeName: nil, useURLPath: true, sizeMB: UInt64.max), .nothing],
      table: ["camelCase": 1, "x": 2], maybe: nil)
    let foundation = JSONEncoder()
    foundation.keyEncodingStrategy = .convertToSnakeCase
    foundation.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let expected = String(decoding: try foundation.encode(sample), as: UTF8.self)
    #expect(try Self.written(JSONNodeEncoder(snakeCaseKeys: true).encode(sample)) == expected)
  }
}
