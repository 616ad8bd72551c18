import Testing

@testable import SpecParser

/// Inputs from fuzzing the parser, decoder and renderer (fuzz/run.sh, fuzz/SpecFuzzer.swift) and from probing the
/// hang class its `-timeout` covers. Each must give diagnostics with a position, never a crash, and in time linear
/// in the input. Sizes are kept small enough to run fast in a debug build while still failing clearly (by output
/// size or count, not by a timer) if the quadratic behaviour came back.
@Suite struct FuzzRegressionTests {
  /// Every diagnostic, without the limit `check` shows: these findings are about the cost of producing them all.
  private func check(_ bytes: [UInt8]) -> SpecCheck {
    SpecDecoder.decode(source: bytes, file: "fuzz.toml", directory: "/fuzz", maxDiagnostics: 0)
  }

  private func check(_ text: String) -> SpecCheck { check(Array(text.utf8)) }

  private func render(_ check: SpecCheck, _ text: String) -> String {
    DiagnosticRenderer(color: false).render(check.diagnostics, source: Array(text.utf8))
  }

  // MARK: - Findings

  /// Finding: a one-line file with thousands of errors rendered the whole line under every error, so the output
  /// grew with errors × line length (64 KB of `"x",` gave 1.5 GB and took minutes under the fuzzer). Long lines are
  /// now cut to a window around the caret.
  @Test func oneLineWithThousandsOfErrorsRendersInLinearSpace() {
    let count = 2000
    let text =
      "version = 1\n[namespaces]\nunshare = [" + Array(repeating: "\"x\"", count: count).joined(separator: ",")
      + "]\n"
    let result = check(text)
    let unknown = result.diagnostics.filter { $0.code == "unknown-value" }
    #expect(unknown.count == count)
    #expect(unknown.allSatisfy { $0.message == "unknown namespace 'x'" && $0.range.start.line == 3 })
    let rendered = DiagnosticRenderer(color: false).render(unknown, source: Array(text.utf8))
    // About 230 bytes per error; the whole 8 KB line under each would be 16 MB.
    #expect(rendered.utf8.count < count * 400)
    let sourceLines = rendered.split(separator: "\n").filter { $0.hasPrefix(" 3 | ") }
    #expect(sourceLines.count == count)
    #expect(sourceLines.allSatisfy { $0.unicodeScalars.count <= 5 + DiagnosticRenderer.maxShownColumns + 6 })
  }

  /// The excerpt of a long line keeps the caret under the right character, with "..." on the cut sides.
  @Test func longLineExcerptKeepsTheCaretInPlace() {
    let text = "version = 1\n[process]\nargs = [\"" + String(repeating: "a", count: 300) + "\", 1]\n"
    let result = check(text)
    let diagnostic = try! #require(result.diagnostics.first { $0.code == "type-mismatch" })
    #expect(diagnostic.message == "`args` must be an array of strings; element 2 is an integer")
    #expect(diagnostic.range.start.line == 3 && diagnostic.range.start.column == 313)
    let rendered = DiagnosticRenderer(color: false).render([diagnostic], source: Array(text.utf8))
    // The line is 314 scalars; the window is its last 160 (from column 155), after "...".
    let shown = "..." + String(repeating: "a", count: 155) + "\", 1]"
    #expect(
      rendered == """
        fuzz.toml:3:313: error: `args` must be an array of strings; element 2 is an integer
         3 | \(shown)
           | \(String(repeating: " ", count: 161))^

        """)
    // A range running past the window is clipped to it; the first 160 columns show without a leading "...".
    let key = "version = 1\n" + String(repeating: "k", count: 300) + " = 1\n"
    let keyResult = check(key)
    let unknown = try! #require(keyResult.diagnostics.first { $0.code == "unknown-key" })
    let keyRendered = DiagnosticRenderer(color: false).render([unknown], source: Array(key.utf8))
    #expect(keyRendered.contains(" 2 | " + String(repeating: "k", count: 160) + "...\n"))
    #expect(keyRendered.contains("   | ^" + String(repeating: "~", count: 159) + "\n"))
  }

  /// Finding: every pair of overlapping ID-map lines was an error, so n identical lines gave n² errors (340 lines of
  /// 29 bytes: 115,000 errors and 1.9 GB of output), and a map far over the kernel's 340-line limit was compared
  /// pair by pair (1,500 lines: 2.2 million errors, out of memory). Now each line is reported once per side, and
  /// an over-long map is reported as that alone.
  @Test func overlappingMapLinesAreReportedOncePerLine() {
    let line = "{ inside = 0, outside = 0, count = 1 }"
    func spec(_ lines: Int) -> String {
      "version = 1\n[namespaces]\nunshare = [\"user\"]\n[user]\nuid_map = ["
        + Array(repeating: line, count: lines).joined(separator: ",\n") + "]\n"
    }
    let three = check(spec(3))
    #expect(
      three.diagnostics.map(\.message) == [
        "uid_map entry 2 overlaps entry 1 (line 5, column 12) inside the namespace",
        "uid_map entry 2 overlaps entry 1 (line 5, column 12) outside the namespace",
        "uid_map entry 3 overlaps entry 1 (line 5, column 12) inside the namespace",
        "uid_map entry 3 overlaps entry 1 (line 5, column 12) outside the namespace",
      ])
    #expect(three.diagnostics.map(\.range.start.line) == [6, 6, 7, 7])

    let atLimit = check(spec(SpecSections.maximumMapLines))
    #expect(atLimit.diagnostics.count == 2 * (SpecSections.maximumMapLines - 1))

    let tooLong = check(spec(SpecSections.maximumMapLines + 100))
    #expect(tooLong.diagnostics.map(\.message) == ["uid_map has 440 entries; the kernel accepts at most 340 lines"])
    #expect(tooLong.diagnostics.map(\.range.start.line) == [5])
  }

  /// Finding: `groups` dropped duplicates with a linear search per entry, quadratic in the list (a 1.5 MB list took
  /// 6 s, a 10 MB one minutes; found by probing, as inputs that long are past the fuzzer's -max_len). This checks
  /// that the set-based version keeps the first-seen order and drops repeats, on a list long enough to be slow the
  /// old way without needing a timer.
  @Test func longGroupListDecodesInLinearTime() throws {
    let ids = (0..<5000).map { String($0 * 7 % 5000) }
    let text =
      "version = 1\n[namespaces]\nunshare = [\"pid\"]\n[process]\nargs = [\"x\"]\nuid = 1000\ngid = 1000\ngroups = ["
      + (ids + ids).joined(separator: ",") + "]\n"
    let result = check(text)
    #expect(result.diagnostics.isEmpty)
    let groups = try #require(result.spec?.process.groups)
    #expect(groups == (0..<5000).map { UInt32($0 * 7 % 5000) })
  }

  // MARK: - Hostile inputs that already failed cleanly

  @Test func nulBytesAreErrorsWithAPosition() {
    let inString = check([UInt8]("version = 1\nx = \"a".utf8) + [0] + [UInt8]("b\"\n".utf8))
    #expect(
      inString.diagnostics.map(\.message) == ["control character U+0000 is not allowed in a string; use an escape"])
    #expect(inString.diagnostics.first?.range.start == SourceLocation(line: 2, column: 7, offset: 18))

    let bare = check([0, 0x3D, 0x31])
    #expect(bare.diagnostics.count == 1)
    #expect(bare.diagnostics.first?.code == "toml-syntax")
    #expect(bare.diagnostics.first?.range.start == SourceLocation(line: 1, column: 1, offset: 0))
  }

  @Test func invalidUTF8IsAnErrorWithAPosition() {
    // A lone continuation byte, an overlong NUL, a surrogate and a truncated four-byte sequence.
    for bad: [UInt8] in [[0x80], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF0, 0x9F, 0x98]] {
      let source = [UInt8]("version = 1\nx = \"".utf8) + bad + [0x22, 0x0A]
      let result = check(source)
      #expect(result.diagnostics.map(\.message) == ["invalid UTF-8 at byte 17"])
      #expect(result.diagnostics.first?.range.start == SourceLocation(line: 2, column: 6, offset: 17))
      // The renderer shows the bad bytes' line with U+FFFD in their place.
      #expect(
        DiagnosticRenderer(color: false).render(result.diagnostics, source: source).contains(" 2 | x = \"\u{FFFD}"))
    }
  }

  @Test func hugeNumbersAreErrorsNotTraps() {
    let cases = [
      ("9223372036854775808", "integer 9223372036854775808 does not fit in 64 bits"),
      ("-9223372036854775809", "integer -9223372036854775809 does not fit in 64 bits"),
      ("0xFFFFFFFFFFFFFFFFF", "integer 0xFFFFFFFFFFFFFFFFF does not fit in 64 bits"),
      ("1e400", "float 1e400 does not fit in 64 bits"),
    ]
    for (literal, message) in cases {
      let result = check("version = 1\nx = \(literal)\n")
      #expect(result.diagnostics.map(\.message) == [message])
      #expect(result.diagnostics.first?.range.start == SourceLocation(line: 2, column: 5, offset: 16))
    }
    // In range for TOML but not for the spec: an ID, a clock offset, a size.
    let spec = check(
      """
      version = 1
      [namespaces]
      unshare = ["user", "time", "mount"]
      [user]
      uid_map = [{ inside = 0, outside = 9223372036854775807, count = 1 }]
      [time]
      monotonic = -9223372036854775808
      [[mounts]]
      type = "tmpfs"
      target = "/tmp"
      size = "18446744073709551615G"

      """)
    #expect(
      spec.diagnostics.map(\.code) == ["invalid-map", "invalid-duration", "invalid-size"])
  }

  @Test func deepNestingStopsAtTheLimit() {
    let limit = TOMLLimits.maxNestingDepth
    let deepest = "x = " + String(repeating: "[", count: limit) + String(repeating: "]", count: limit) + "\n"
    #expect(check(deepest).diagnostics.allSatisfy { $0.code != "toml-syntax" })
    let tooDeep = "x = " + String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1) + "\n"
    let arrays = check(tooDeep)
    #expect(arrays.diagnostics.map(\.message) == ["arrays and tables nested deeper than 512 levels"])
    #expect(arrays.diagnostics.first?.range.start == SourceLocation(line: 1, column: limit + 5, offset: limit + 4))
    let rendered = render(arrays, tooDeep)
    #expect(rendered.hasPrefix("fuzz.toml:1:517: error: arrays and tables nested deeper than 512 levels\n"))

    // A dotted key's last part is the value's, so limit + 1 parents make the first table past the limit.
    let dotted = Array(repeating: "a", count: limit + 2).joined(separator: ".") + " = 1\n"
    #expect(check(dotted).diagnostics.map(\.message) == ["tables nested deeper than 512 levels"])
  }

  @Test func longStringIsAnErrorWithAPosition() {
    let name = String(repeating: "a", count: 1 << 20)
    let text =
      "version = 1\n[namespaces]\nunshare = [\"uts\"]\n[uts]\nhostname = \"\(name)\"\n[process]\nuid = 1\ngid = 1\n"
    let result = check(text)
    #expect(result.diagnostics.map(\.code) == ["invalid-hostname"])
    #expect(result.diagnostics.first?.range.start == SourceLocation(line: 5, column: 12, offset: 60))
    #expect(result.diagnostics.first?.message.contains("is 1048576 bytes; the kernel allows at most 64") == true)
    // The message quotes the name, but the source line under it is cut to a window.
    let rendered = render(result, text)
    #expect(rendered.utf8.count < name.utf8.count + 1000)

    let unterminated = check("version = 1\nx = \"" + name + "\n")
    #expect(unterminated.diagnostics.map(\.message) == ["unterminated string: missing closing '\"'"])
    #expect(unterminated.diagnostics.first?.range.start == SourceLocation(line: 2, column: 5, offset: 16))
  }
}
