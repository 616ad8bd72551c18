import Foundation
import Testing

/// A sandbox whose spec came through a pipe (`nsbuild up /dev/stdin`): its record says so and keeps the text, and
/// `exec` plans with that text, never reading its own stdin (the command's input) for a spec. Finding 18.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct LivePipeSpecTests: ScratchFolderTests {
  typealias Live = LiveSandboxTests.Live

  static func spec(_ value: String) -> String {
    "version = 1\n[namespaces]\nunshare = [\"mount\", \"pid\"]\n[process]\nenv = { V = \"\(value)\" }\n"
  }

  /// A pipe holding `text`, its writing end closed.
  func pipe(_ text: String) throws -> FileHandle {
    let pipe = Pipe()
    try pipe.fileHandleForWriting.write(contentsOf: Data(text.utf8))
    try pipe.fileHandleForWriting.close()
    return pipe.fileHandleForReading
  }

  func run(_ live: Live, _ arguments: [String], input: String) throws -> NSBuildProcess.Result {
    try NSBuildProcess.run(
      arguments, binary: live.folder + "/nsbuild", directory: live.folder,
      environment: ["NSBUILD_STATE_DIR": live.state],
      input: try pipe(input))
  }

  @Test func execNeverReadsItsStdinForTheSpec() throws {
    try withFolder { folder in
      let live = Live(folder: folder)
      defer { live.cleanUp() }
      let up = try run(live, ["up", "--name", "pi", "/dev/stdin"], input: Self.spec("from-up"))
      #expect(up.status == 0, "\(up.stderr)")
      let status = try live.status("pi")
      #expect((status["spec"] as? [String: Any])?["file"] as? String == "pipe", "\(status)")
      let text = try live.run(["status", "pi"])
      #expect(text.stdout.contains("/dev/stdin (came through a pipe: the record keeps its text)"), "\(text.stdout)")

      let cat = try run(live, ["exec", "pi", "--", "/bin/cat"], input: "hello-input\n")
      #expect(cat.status == 0, "\(cat.stderr)")
      #expect(cat.stdout == "hello-input\n")
      let env = try run(live, ["exec", "pi", "--", "/bin/sh", "-c", "echo V=$V"], input: Self.spec("from-exec-stdin"))
      #expect(env.stdout == "V=from-up\n", "\(env.stdout)\(env.stderr)")
      #expect(!env.stderr.contains("exec uses the spec as the last up or apply read it"), "\(env.stderr)")
    }
  }
}
