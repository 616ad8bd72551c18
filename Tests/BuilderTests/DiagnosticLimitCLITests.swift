import Foundation
import Testing

/// `check` shows the first diagnostics in the file and one line for the rest, in text and in JSON.
@Suite struct DiagnosticLimitCLITests: ScratchFolderTests {
  static let spec =
    "version = 1\n[namespaces]\nunshare = [\"user\", \"mount\"]\n[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/t\"\noptions = [\n"
    + String(repeating: "  \"rox\",\n", count: 5000) + "]\n"

  @Test func textEndsWithOneLineSayingHowManyMore() throws {
    try withFolder { folder in
      let path = try write(Self.spec, to: folder)
      let result = try NSBuildProcess.run(["check", "--max-diagnostics", "5", path])
      #expect(result.status == 1)
      let headers = result.stderr.split(separator: "\n").filter { $0.hasPrefix(path + ":") }
      #expect(headers.count == 6)
      #expect(headers.prefix(5).allSatisfy { $0.hasSuffix("error: unknown mount option 'rox'") })
      #expect(headers.last == "\(path):13:3: error: 4995 more errors from here on not shown (only the first 5 are)")
      let all = try NSBuildProcess.run(["check", "--max-diagnostics", "0", path])
      #expect(all.stderr.split(separator: "\n").filter { $0.hasPrefix(path + ":") }.count == 5000)
    }
  }

  @Test func jsonEndsWithOneDiagnosticSayingHowManyMore() throws {
    try withFolder { folder in
      let path = try write(Self.spec, to: folder)
      let result = try NSBuildProcess.run(["check", "--format", "json", path])
      #expect(result.status == 1)
      let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
      let list = (document?["specs"] as? [[String: Any]])?.first?["diagnostics"] as? [[String: Any]] ?? []
      #expect(list.count == 101)
      #expect(list.last?["code"] as? String == "too-many-diagnostics")
      #expect(list.last?["severity"] as? String == "error")
      #expect(list.last?["line"] as? Int == 108)
      #expect(list.last?["message"] as? String == "4900 more errors from here on not shown (only the first 100 are)")
      let plan = try NSBuildProcess.run(["plan", "--format", "json", path])
      let object = try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any]
      #expect((object?["diagnostics"] as? [[String: Any]])?.count == 101)
    }
  }
}
