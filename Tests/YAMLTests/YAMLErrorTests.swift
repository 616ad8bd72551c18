import Glibc
import Testing
import YAML

/// Malformed input gives libyaml's problem at its line and column, never a crash.
@Suite struct YAMLErrorTests {
  func parseError(_ source: String) -> YAMLError? {
    parseError(Array(source.utf8))
  }

  func parseError(_ bytes: [UInt8]) -> YAMLError? {
    do {
      _ = try YAMLParser.parse(bytes)
      return nil
    } catch {
      return error
    }
  }

  @Test func mappingValueInAPlainScalarIsPlaced() throws {
    let error = try #require(parseError("kind: Pod\nspec: a: b\n"))
    #expect(error.mark == YAMLMark(line: 2, column: 8))
    #expect(error.problem == "mapping values are not allowed in this context")
    #expect(error.description.hasPrefix("2:8: mapping values"))
  }

  @Test func unclosedFlowSequenceNamesWhereItStarted() throws {
    let error = try #require(parseError("args: [a, b\nnext: 1\n"))
    #expect(error.mark?.line == 2)
    #expect(error.context == "while parsing a flow sequence")
    #expect(error.contextMark == YAMLMark(line: 1, column: 7))
  }

  @Test func badIndentationIsPlaced() throws {
    let error = try #require(parseError("spec:\n  a: 1\n b: 2\n"))
    #expect(error.mark == YAMLMark(line: 3, column: 2))
  }

  @Test func tabIndentationIsPlaced() throws {
    let error = try #require(parseError("spec:\n\ta: 1\n"))
    #expect(error.mark?.line == 2)
  }

  @Test func invalidUTF8IsPlacedByItsOffset() throws {
    let error = try #require(parseError(Array("a: b\nc: ".utf8) + [0xFF, 0xFE, 0x41]))
    #expect(error.mark == YAMLMark(line: 2, column: 4))
  }

  @Test func unknownAliasIsPlaced() throws {
    let error = try #require(parseError("a: 1\nb: *nowhere\n"))
    #expect(error.mark == YAMLMark(line: 2, column: 4))
    #expect(error.problem.contains("nowhere"))
  }

  @Test func deepNestingIsRefusedNotRecursed() throws {
    let depth = YAMLParser.maximumDepth + 10
    let error = try #require(parseError(String(repeating: "[", count: depth) + String(repeating: "]", count: depth)))
    #expect(error.mark == YAMLMark(line: 1, column: YAMLParser.maximumDepth + 1))
  }

  @Test func aliasBombIsRefused() throws {
    var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in 1..<9 {
      let previous = "*a\(level - 1)"
      lines.append("a\(level): &a\(level) [" + Array(repeating: previous, count: 10).joined(separator: ", ") + "]")
    }
    let error = try #require(parseError(lines.joined(separator: "\n") + "\n"))
    #expect(error.problem.contains("aliases are expanded"))
  }

  /// Every seed of fuzz/yaml-seeds: an error with a place, or a tree, never a crash.
  @Test func fuzzSeedsGiveATreeOrAPlacedError() throws {
    let folder = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
    let seeds = [
      "unclosed-quote.yaml", "bad-indent.yaml", "tab-indent.yaml", "duplicate-document-end.yaml",
      "anchor-loop.yaml", "control-bytes.yaml", "bad-escape.yaml", "directive-twice.yaml",
    ]
    for seed in seeds {
      let bytes = try #require(readFile("/" + folder + "/fuzz/yaml-seeds/" + seed), "\(seed)")
      if let error = parseError(bytes) { #expect(error.mark != nil, "\(seed): \(error)") }
    }
  }
}

/// The bytes of the file at `path`, nil when it cannot be read.
func readFile(_ path: String) -> [UInt8]? {
  guard let file = fopen(path, "rb") else { return nil }
  defer { fclose(file) }
  var bytes: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 4096)
  while true {
    let count = fread(&chunk, 1, chunk.count, file)
    bytes += chunk.prefix(count)
    if count < chunk.count { return ferror(file) == 0 ? bytes : nil }
  }
}
