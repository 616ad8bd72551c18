import Testing

@testable import SpecParser

/// Modes as specs write them and as nsbuild shows them, in one place (``FileMode``).
@Suite struct FileModeTests {
  @Test func shownAsDigitsOrAsC() {
    #expect(FileMode.digits(0o1777) == "1777")
    #expect(FileMode.octal(0o755) == "0755")
    #expect(FileMode.octal(0) == "00")
    #expect(FileMode.permissions(of: 0o100_644) == 0o644)
  }

  @Test(arguments: [
    ("1777", 0o1777 as UInt32?), ("0755", 0o755), ("0o755", 0o755), ("7777", 0o7777), ("07777", 0o7777),
    ("10000", nil), ("8", nil), ("", nil), ("0o", nil), ("000000", nil), ("-1", nil), ("0x1f", nil),
  ])
  func parsedFromAString(_ text: String, _ mode: UInt32?) {
    #expect(FileMode.parse(text) == mode)
  }

  /// A umask stops at 0777.
  @Test func aSmallerMaximum() {
    #expect(FileMode.parse("022", maximum: 0o777) == 0o22)
    #expect(FileMode.parse("1022", maximum: 0o777) == nil)
    #expect(FileMode.parse(0o1000, literal: "0o1000", maximum: 0o777) == nil)
  }

  /// Only a 0o literal is octal: TOML has turned `755` into seven hundred and fifty-five by then.
  @Test func parsedFromAnInteger() {
    #expect(FileMode.parse(0o755, literal: "0o755") == 0o755)
    #expect(FileMode.parse(755, literal: "755") == nil)
    #expect(FileMode.parse(0o10000, literal: "0o10000") == nil)
    #expect(FileMode.parse(-1, literal: "0o-1") == nil)
  }
}
