import Testing

@testable import SpecParser

/// The one function every human-readable output of spec text goes through.
@Suite struct TerminalTextTests {
  @Test func controlsBecomeReplacementCharacters() {
    #expect(TerminalText.printable("a\u{1B}]0;t\u{07}b") == "a\u{FFFD}]0;t\u{FFFD}b")
    #expect(TerminalText.printable("\u{9B}31m\u{9D}x\u{7F}") == "\u{FFFD}31m\u{FFFD}x\u{FFFD}")
    #expect(TerminalText.printable("two\nlines") == "two\u{FFFD}lines")
    #expect(TerminalText.printable("tab\tstays, é and → too") == "tab\tstays, é and → too")
  }
}
