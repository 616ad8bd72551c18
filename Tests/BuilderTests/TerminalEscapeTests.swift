import Foundation
import Testing

/// Escape sequences a spec holds (ESC ] 0; … BEL retitles a terminal, ESC [31m recolours it, C1 U+009D and U+009B
/// are the same in one character) never reach the terminal raw from `plan` or `run`; JSON keeps them exactly.
struct TerminalEscapeTests: ScratchFolderTests {
  static let spec = """
    version = 1
    [namespaces]
    unshare = ["mount", "uts"]
    [root]
    type = "tmpfs"
    [[mounts]]
    type = "bind"
    source = "/nonexistent\\u001B]0;owned\\u0007/x"
    target = "/mnt/\\u001B[31mred"
    [[files]]
    type = "file"
    path = "/etc/\\u009D0;t\\u0007\\u009B2J"
    content = "x\\u001B[2J"

    """

  /// Whether `text` holds a control character other than newline and tab (no colour: the output is not a terminal).
  static func hasControls(_ text: String) -> Bool {
    text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || (0x7F...0x9F).contains($0.value) }
  }

  @Test func planShowsNoControlCharacterButJSONKeepsThemExactly() throws {
    try withFolder { folder in
      let spec = try write(Self.spec, to: folder)
      let plan = try NSBuildProcess.run(["plan", spec, "--", "true"])
      #expect(
        plan.stdout.contains("bind /nonexistent\u{FFFD}]0;owned\u{FFFD}/x on /mnt/\u{FFFD}[31mred"), "\(plan.stdout)")
      #expect(!Self.hasControls(plan.stdout), "\(plan.stdout)")
      #expect(!Self.hasControls(plan.stderr), "\(plan.stderr)")
      let json = try NSBuildProcess.run(["plan", "--format", "json", spec, "--", "true"])
      let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
      let steps = try #require(object["steps"] as? [[String: Any]])
      let titles = steps.compactMap { $0["title"] as? String }
      #expect(titles.contains("bind /nonexistent\u{1B}]0;owned\u{07}/x on /mnt/\u{1B}[31mred"), "\(titles)")
    }
  }

  @Test(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
  func runShowsNoControlCharacterInTitlesOrNotes() throws {
    try withFolder { folder in
      let spec = try write(Self.spec, to: folder)
      let run = try NSBuildProcess.run(["run", "--verbose", spec, "--", "true"])
      #expect(run.status == 125)
      #expect(run.stderr.contains("nsbuild: step"), "\(run.stderr)")
      #expect(run.stderr.contains("plan warned"), "\(run.stderr)")
      #expect(!Self.hasControls(run.stderr), "\(run.stderr)")
    }
  }
}
