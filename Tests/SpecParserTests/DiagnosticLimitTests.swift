import Testing

@testable import SpecParser

/// The number of diagnostics is bounded, and so is the work spent on those not shown.
@Suite struct DiagnosticLimitTests {
  static let header = "version = 1\n[namespaces]\nunshare = [\"user\", \"mount\"]\n"

  func spec(unknownOptions count: Int) -> String {
    Self.header + "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/t\"\noptions = ["
      + Array(repeating: "\"rox\"", count: count).joined(separator: ", ") + "]\n"
  }

  @Test func manyErrorsAreCutToTheLimitWithOneLineSayingHowManyMore() throws {
    let check = SpecDecoder.decode(source: Array(spec(unknownOptions: 10_000).utf8), file: "t.toml", directory: "/")
    #expect(check.spec == nil)
    #expect(check.hasErrors)
    #expect(check.diagnostics.count == SpecDecoder.defaultDiagnosticLimit + 1)
    let summary = try #require(check.diagnostics.last)
    #expect(summary.code == "too-many-diagnostics")
    #expect(summary.severity == .error)
    #expect(summary.message == "9900 more errors from here on not shown (only the first 100 are)")
    #expect(check.omitted.errors == 9900)
    // The first ones in the file are the ones shown, in order.
    let offsets = check.diagnostics.dropLast().map(\.range.start.offset)
    #expect(offsets == offsets.sorted())
    #expect(summary.range.start.offset > offsets.last ?? 0)
  }

  @Test func limitZeroShowsEveryOne() {
    let check = SpecDecoder.decode(
      source: Array(spec(unknownOptions: 500).utf8), file: "t.toml", directory: "/", maxDiagnostics: 0)
    #expect(check.diagnostics.count == 500)
    #expect(check.omitted.isEmpty)
  }

  @Test func droppedDiagnosticsBuildNoMessage() {
    // Each message here would run a "did you mean" search; past the limit none is built.
    let sink = DiagnosticSink(file: "t.toml", limit: 10)
    var built = 0
    for offset in 0..<100_000 {
      let range = SourceRange(at: SourceLocation(line: 1, column: offset + 1, offset: offset))
      sink.error(
        "x",
        {
          built += 1; return "message \(offset)"
        }(), at: range)
    }
    #expect(built == 10)
    #expect(sink.builtMessages == 10)
    #expect(sink.finish().count == 11)
  }

  @Test func outOfOrderDiagnosticsKeepTheFirstInTheFile() {
    // Rules checked after decoding report earlier lines late: the kept ones are still the first in the file.
    let sink = DiagnosticSink(file: "t.toml", limit: 3)
    for offset in [50, 40, 30, 20, 10, 60, 5, 70, 1] {
      sink.warning("x", "at \(offset)", at: SourceRange(at: SourceLocation(line: 1, column: 1, offset: offset)))
    }
    let result = sink.finish()
    #expect(result.map(\.range.start.offset) == [1, 5, 10, 20])
    #expect(result.last?.message == "6 more warnings from here on not shown (only the first 3 are)")
    #expect(result.last?.severity == .warning)
    // Every diagnostic added costs O(log limit) amortised: far fewer messages built than added once past it.
    #expect(sink.builtMessages <= 9)
  }

  @Test func addingMoreKeepsTheLimitAndTheCount() {
    let check = SpecDecoder.decode(
      source: Array(spec(unknownOptions: 20).utf8), file: "t.toml", directory: "/", maxDiagnostics: 5)
    let extra = Diagnostic(
      .warning, code: "mount-order", message: "late", file: "t.toml",
      range: SourceRange(at: SourceLocation(line: 1, column: 1, offset: 0)))
    let merged = check.adding([extra])
    // Errors first: the five errors fill the limit, and the warning, first in the file, makes room for them.
    #expect(merged.diagnostics.count == 6)
    #expect(merged.diagnostics.dropLast().allSatisfy { $0.severity == .error })
    #expect(merged.omitted.errors == 15)
    #expect(merged.omitted.warnings == 1)
    #expect(
      merged.diagnostics.last?.message
        == "15 more errors and 1 more warning not shown (only 5 are: errors first, then the first warnings)")
  }

  @Test func repeatedCapabilitiesCheckInLinearTime() throws {
    // Each repeated name used to test the whole list again: 20,000 names took 50 s. At 200,000 the quadratic
    // version would not finish in any test run; now it is one pass, and the warnings are capped.
    let names = Array(repeating: "\"CAP_CHOWN\"", count: 200_000).joined(separator: ",")
    let text = Self.header + "[process]\nargs = [\"true\"]\ncapabilities = [\(names)]\n"
    let check = SpecDecoder.decode(source: Array(text.utf8), file: "t.toml", directory: "/")
    #expect(check.spec?.process.capabilities == [Capability(name: "CAP_CHOWN")].compactMap { $0 })
    #expect(check.diagnostics.count == SpecDecoder.defaultDiagnosticLimit + 1)
    #expect(check.omitted.warnings == 199_999 - SpecDecoder.defaultDiagnosticLimit)
    #expect(!check.hasErrors)
  }

  /// The finding's spec: 120 set-user-ID files (a warning each, and one for files on the host) and one unknown key
  /// at the end. The cap counts errors, as clang's -ferror-limit does: warnings make room, and the error is shown.
  @Test func warningsNeverHideAnError() throws {
    var text = "version = 1\n[namespaces]\nunshare = [\"user\", \"mount\"]\n"
    for index in 0..<120 {
      text += "[[files]]\ntype = \"file\"\npath = \"/tmp/f\(index)\"\nmode = \"4755\"\ncontent = \"x\"\n"
    }
    text += "[process]\nargs = [\"true\"]\nbogus = 1\n"
    let check = SpecDecoder.decode(source: Array(text.utf8), file: "t.toml", directory: "/")
    #expect(check.hasErrors)
    #expect(check.diagnostics.count == SpecDecoder.defaultDiagnosticLimit + 1)
    #expect(check.diagnostics.contains { $0.severity == .error && $0.message.contains("bogus") })
    let summary = try #require(check.diagnostics.last)
    #expect(summary.code == "too-many-diagnostics")
    #expect(summary.severity == .warning)
    #expect(summary.message == "22 more warnings not shown (only 100 are: errors first, then the first warnings)")
    // In text, the summary stays last although it points at the first warning left out.
    let text2 = DiagnosticRenderer(color: false).render(check.diagnostics, source: Array(text.utf8))
    let headers = text2.split(separator: "\n").filter { $0.hasPrefix("t.toml:") }
    #expect(headers.last?.contains("22 more warnings not shown") == true)
    #expect(headers.dropLast().last?.contains("error: unknown key 'bogus'") == true)
  }

  /// Past the limit in errors, the first `limit` errors are shown and every warning makes room for them.
  @Test func errorsBeyondTheLimitLeaveNoRoomForWarnings() {
    let sink = DiagnosticSink(file: "t.toml", limit: 3)
    for offset in 0..<10 {
      let range = SourceRange(at: SourceLocation(line: 1, column: 1, offset: offset))
      if offset % 2 == 0 {
        sink.warning("w", "w\(offset)", at: range)
      } else {
        sink.error("e", "e\(offset)", at: range)
      }
    }
    let result = sink.finish()
    #expect(result.map(\.message).dropLast() == ["e1", "e3", "e5"])
    #expect(result.last?.severity == .error)
    #expect(
      result.last?.message
        == "2 more errors and 5 more warnings not shown (only 3 are: errors first, then the first warnings)")
  }
}
