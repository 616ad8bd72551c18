import Testing

@testable import SpecParser

/// `[[files]]` modes: a file nsbuild creates as root with a set-user-ID or set-group-ID bit is a privilege path,
/// so check warns at the mode; a folder's sticky and setgid bits are ordinary.
@Suite struct SetIDModeTests {
  func codes(_ type: String, _ mode: String) -> [String] {
    let text =
      "version = 1\n[namespaces]\nunshare = [\"mount\"]\n[root]\ntype = \"tmpfs\"\n[[files]]\ntype = \"\(type)\"\npath = \"/x\"\nmode = \(mode)\n"
    return decode(text).diagnostics.map(\.code)
  }

  @Test func setUIDAndSetGIDFilesWarnAtTheirMode() throws {
    for mode in ["\"4755\"", "\"2755\"", "0o6711"] {
      let text =
        "version = 1\n[namespaces]\nunshare = [\"mount\"]\n[root]\ntype = \"tmpfs\"\n[[files]]\ntype = \"file\"\npath = \"/x\"\nmode = \(mode)\n"
      let check = decode(text)
      #expect(check.spec != nil)
      let warning = try #require(check.diagnostics.first { $0.code == "setid-file" }, "\(mode)")
      #expect(warning.severity == .warning)
      #expect(warning.range.start.line == 9)
    }
    let both = decode(
      "version = 1\n[namespaces]\nunshare = [\"mount\"]\n[root]\ntype = \"tmpfs\"\n[[files]]\ntype = \"file\"\npath = \"/x\"\nmode = \"6755\"\n"
    )
    let message = both.diagnostics.first { $0.code == "setid-file" }?.message ?? ""
    #expect(message.contains("set-user-ID and set-group-ID"), "\(message)")
  }

  @Test func plainModesAndStickyFoldersDoNotWarn() {
    #expect(!codes("file", "\"0755\"").contains("setid-file"))
    #expect(!codes("file", "\"1755\"").contains("setid-file"))
    #expect(!codes("dir", "\"1777\"").contains("setid-file"))
    #expect(!codes("dir", "\"2775\"").contains("setid-file"))
  }
}
