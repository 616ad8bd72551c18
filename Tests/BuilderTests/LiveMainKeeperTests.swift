import Foundation
import Testing

/// After `apply` replaced the main command, its keeper killed by hand: the sandbox runs on, and the command's end
/// no longer ends it. `status` says so, rather than showing a sandbox running as usual. Finding 07.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct LiveMainKeeperTests: ScratchFolderTests {
  typealias Live = LiveSandboxTests.Live

  static func spec(_ seconds: Int) -> String {
    """
    version = 1
    [namespaces]
    unshare = ["mount", "pid"]
    [[mounts]]
    type = "proc"
    target = "/proc"
    [process]
    args = ["sleep", "\(seconds)"]
    """
  }

  @Test func aKilledKeeperIsShownByStatus() throws {
    try withFolder { folder in
      let live = Live(folder: folder)
      defer { live.cleanUp() }
      let spec = try write(Self.spec(1001), to: folder)
      #expect(try live.run(["up", "--name", "k", spec]).status == 0)
      try Data(Self.spec(1002).utf8).write(to: URL(fileURLWithPath: spec))
      let apply = try live.run(["apply", "--target", "k", spec])
      #expect(apply.status == 0, "\(apply.stderr)")
      let status = try live.status("k")
      #expect(status["problem"] == nil)
      let keeper = try #require(status["keeper_pid"] as? Int)
      let command = try #require(status["main_pid"] as? Int)

      kill(pid_t(keeper), SIGKILL)
      var problem = ""
      for _ in 0..<200 where problem.isEmpty {
        problem = try live.status("k")["problem"] as? String ?? ""
        usleep(50_000)
      }
      // The command may run on (its end no longer ends the sandbox) or have ended with its keeper.
      #expect(problem.contains("keeper (pid \(keeper))"), "\(problem)")
      #expect(problem.contains("main command (pid \(command))"), "\(problem)")

      kill(pid_t(command), SIGTERM)
      for _ in 0..<200 where !problem.contains("without a main command") {
        problem = try live.status("k")["problem"] as? String ?? ""
        usleep(50_000)
      }
      #expect(problem.contains("have ended, but the sandbox runs on without a main command"), "\(problem)")
      #expect(try live.status("k")["status"] as? String == "running")
    }
  }
}
