import Foundation
import Testing

/// `apply --replace` of a spec that joins the very sandbox it replaces: `--replace` would end the sandbox first and
/// the join would then fail, leaving nothing. Refused at plan time (`!`, with the reason), the sandbox left
/// running. Finding 10.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct LiveSelfJoinTests: ScratchFolderTests {
  typealias Live = LiveSandboxTests.Live

  @Test func replacingWithASpecJoiningItselfIsRefusedAtPlanTime() throws {
    try withFolder { folder in
      let live = Live(folder: folder)
      defer { live.cleanUp() }
      let own = "version = 1\n[namespaces]\nunshare = [\"mount\", \"uts\", \"ipc\", \"pid\", \"net\"]\n"
      let joining =
        "version = 1\n[namespaces]\nunshare = [\"mount\", \"uts\", \"ipc\", \"pid\"]\njoin = { net = \"me\" }\n"
      let spec = try write(own, to: folder)
      #expect(try live.run(["up", "--name", "me", spec]).status == 0)
      let before = try #require(try live.status("me")["pid"] as? Int)
      try Data(joining.utf8).write(to: URL(fileURLWithPath: spec))

      let plan = try live.run(["plan", spec, "--target", "me", "--detailed-exitcode"])
      #expect(plan.status == 1, "\(plan.stdout)\(plan.stderr)")
      #expect(plan.stdout.contains("!   sandbox  join net"), "\(plan.stdout)")
      #expect(plan.stdout.contains("apply refuses: the spec joins the net namespace of sandbox 'me' itself"))

      let apply = try live.run(["apply", "--replace", "--target", "me", spec])
      #expect(apply.status == 1, "\(apply.stderr)")
      #expect(apply.stderr.contains("joins the net namespace of sandbox 'me' itself"), "\(apply.stderr)")
      #expect(apply.stderr.contains("takes no step (sandbox 'me' is left as it is)"))
      let after = try live.status("me")
      #expect(after["status"] as? String == "running")
      #expect(after["pid"] as? Int == before)
    }
  }
}
