import Testing

@testable import SpecParser

/// ID maps over the whole 32-bit range, and what a left-out `gid` means.
@Suite struct IDRangeTests {
  func decode(_ text: String) -> SpecCheck {
    SpecDecoder.decode(source: Array(text.utf8), file: "t.toml", directory: "/work")
  }

  func spec(map line: String) -> String {
    "version = 1\n[namespaces]\nunshare = [\"user\"]\n[user]\nuid_map = [\(line)]\n"
  }

  /// user_namespaces(7): a line is valid while start + count stays at or below 4294967295; the kernel takes
  /// `0 0 4294967295` (checked by the end-to-end test), which maps every ID there is.
  @Test func theWholeRangeIsOneValidLine() throws {
    let check = decode(spec(map: "{ inside = 0, outside = 0, count = 4294967295 }"))
    #expect(check.diagnostics.map(\.message) == [])
    let map = try #require(check.spec?.user.uidMap)
    #expect(map == [IDMapping(inside: 0, outside: .id(0), count: 4_294_967_295)])
  }

  @Test func theLastIDAloneIsValid() {
    let check = decode(spec(map: "{ inside = 4294967294, outside = 4294967294, count = 1 }"))
    #expect(check.diagnostics.map(\.message) == [])
  }

  @Test(arguments: [
    ("{ inside = 1, outside = 0, count = 4294967295 }", "uid_map entry reaches past ID 4294967294"),
    ("{ inside = 0, outside = 1, count = 4294967295 }", "uid_map entry reaches past ID 4294967294"),
    ("{ inside = 0, outside = 0, count = 4294967296 }", "`count` must be from 1 to 4294967295, not 4294967296"),
  ])
  func aLineReachingPastTheLastIDIsRefused(_ line: String, _ message: String) {
    let messages = decode(spec(map: line)).diagnostics.map(\.message)
    #expect(messages.count == 1)
    #expect(messages.first?.hasPrefix(message) == true, "\(messages)")
  }

  @Test func aUIDWithoutGIDWarnsThatTheGroupIsRoot() throws {
    let check = decode("version = 1\n[namespaces]\nunshare = [\"pid\"]\n[process]\nuid = 1000\n")
    #expect(check.spec != nil)
    let warning = try #require(check.diagnostics.first)
    #expect(warning.severity == .warning)
    #expect(warning.code == "gid-defaults-to-root")
    #expect(warning.range.start.line == 5)
    let both = decode("version = 1\n[namespaces]\nunshare = [\"pid\"]\n[process]\nuid = 1000\ngid = 1000\n")
    #expect(both.diagnostics.isEmpty)
  }
}
