import Foundation
import Testing

/// `exec` and `status` when the spec file a live sandbox was made from changes, breaks or goes after `up`.
extension LiveSandboxTests {
  static func holder(marker: String) -> String {
    holder + "\n[process]\nenv = { PATH = \"/usr/bin:/bin\", MARK = \"\(marker)\" }\n"
  }

  /// What `status` says of the spec file: the JSON `spec.file`, and the text form's spec line.
  func specFile(_ live: Live, _ name: String) throws -> (json: String?, text: String) {
    let json = (try live.status(name)["spec"] as? [String: Any])?["file"] as? String
    let text = try live.run(["status", name]).stdout.split(separator: "\n").first { $0.hasPrefix("spec:") }
    return (json, text.map(String.init) ?? "")
  }

  @Test func execFallsBackToTheRecordedSpecWhenTheFileIsGoneOrBroken() throws {
    try withLive { live in
      let spec = try write(Self.holder(marker: "first"), to: live.folder)
      #expect(try live.run(["up", "--name", "kept", spec]).status == 0)
      let mark = ["exec", "kept", "--", "/bin/sh", "-c", "echo $MARK"]
      #expect(try specFile(live, "kept").json == "unchanged")

      try FileManager.default.removeItem(atPath: spec)
      let gone = try live.run(mark)
      #expect(gone.status == 0, "\(gone.stderr)")
      #expect(gone.stdout == "first\n")
      #expect(
        gone.stderr.contains("warning: spec '\(spec)' is gone: exec uses the spec as the last up or apply read it"))
      let goneState = try specFile(live, "kept")
      #expect(goneState.json == "gone")
      #expect(goneState.text.contains("gone since the last up or apply"), "\(goneState.text)")

      try "version = 1\n[process\n".write(toFile: spec, atomically: false, encoding: .utf8)
      let broken = try live.run(mark)
      #expect(broken.status == 0, "\(broken.stderr)")
      #expect(broken.stdout == "first\n")
      #expect(broken.stderr.contains("is no longer a valid spec: exec uses the spec as the last up or apply read it"))
      #expect(try specFile(live, "kept").json == "changed")

      // A valid spec is the one used, as it is now: its [process] reaches the next exec.
      try Self.holder(marker: "second").write(toFile: spec, atomically: false, encoding: .utf8)
      let edited = try live.run(mark)
      #expect(edited.status == 0, "\(edited.stderr)")
      #expect(edited.stdout == "second\n")
      #expect(!edited.stderr.contains("exec uses the spec as"), "\(edited.stderr)")
      let changed = try specFile(live, "kept")
      #expect(changed.json == "changed")
      #expect(changed.text.contains("changed since the last up or apply"), "\(changed.text)")

      let apply = try live.run(["apply", spec, "--target", "kept"])
      #expect(apply.status == 0, "\(apply.stderr)")
      #expect(try specFile(live, "kept").json == "unchanged")
    }
  }
}
