import Testing

@testable import SpecParser

/// `[process] terminal`: decoded, off by default, refused beside `new_session = false` (TIOCSCTTY needs a session
/// leader), and misspelt like any key.
@Suite struct TerminalSpecTests {
  static let header = "version = 1\n[namespaces]\nunshare = [\"user\"]\n[process]\n"

  @Test func terminalDecodesAndDefaultsToFalse() throws {
    let on = try #require(decode(Self.header + "terminal = true\n").spec)
    #expect(on.process.terminal && on.process.newSession)
    #expect(on.origins["process.terminal"]?.start.line == 5)
    let off = try #require(decode(Self.header + "args = [\"/bin/sh\"]\n").spec)
    #expect(!off.process.terminal)
  }

  @Test func aTerminalWithoutASessionIsAnErrorAtNewSession() throws {
    let check = decode(Self.header + "terminal = true\nnew_session = false\n")
    #expect(check.spec == nil)
    let error = try #require(check.diagnostics.first { $0.code == "terminal-needs-session" })
    #expect(error.range.start.line == 6 && error.range.start.column == 15)
    #expect(error.hint?.contains("leave `new_session` out") == true)
  }

  @Test func aMisspeltTerminalKeyIsNamed() throws {
    let check = decode(Self.header + "terminl = true\n")
    #expect(check.diagnostics.contains { $0.hint == "did you mean 'terminal'?" }, "\(check.diagnostics)")
  }
}
