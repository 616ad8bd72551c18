import Foundation
import Testing

/// `[process] env` and `unset` against the caller's environment, run for real: names are compared byte for byte, as
/// getenv(3) compares them, so an inherited variable whose value starts with a combining mark (one Character with
/// the `=` before it) is still replaced or removed.
@Suite struct EnvironmentEndToEndTests: ScratchFolderTests {
  @Test(.enabled(if: NSBuildProcess.isRoot, "runs a sandbox, which needs root"))
  func envAndUnsetReplaceInheritedVariablesByteForByte() throws {
    try withFolder { folder in
      let spec = """
        version = 1
        [namespaces]
        unshare = ["mount", "uts", "pid"]
        [process]
        args = ["/usr/bin/env"]
        env = { ZZ = "good", "X\\u00e9" = "composed", "Xe\\u0301" = "decomposed" }
        unset = ["YY"]
        """
      let path = try write(spec, to: folder)
      let result = try NSBuildProcess.run(
        ["run", path], environment: ["ZZ": "\u{301}evil", "YY": "\u{301}kept", "Xe\u{301}": "inherited"])
      #expect(result.status == 0, "\(result.stderr)")
      // Lines as bytes: String's own `==` would call the two spellings of Xé one name.
      let lines = result.stdout.split(separator: "\n").map { Array($0.utf8) }
      func values(_ name: String) -> [String] {
        let prefix = Array((name + "=").utf8)
        return lines.filter { $0.starts(with: prefix) }.map {
          String(decoding: $0.dropFirst(prefix.count), as: UTF8.self)
        }
      }
      #expect(values("ZZ") == ["good"])
      #expect(values("YY") == [])
      // Two names the spec keeps apart (TOML compares keys as written) stay two variables, as `plan` shows them.
      #expect(values("X\u{e9}") == ["composed"])
      #expect(values("Xe\u{301}") == ["decomposed"])
    }
  }
}
