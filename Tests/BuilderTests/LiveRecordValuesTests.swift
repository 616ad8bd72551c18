import Foundation
import Testing

/// Values in a sandbox's record that no nsbuild writes: refused as unreadable, naming the key, never a crash, and
/// never a reason to forget a running sandbox. Real sandboxes, each test with its own state folder.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct LiveRecordValuesTests: ScratchFolderTests {
  typealias Live = LiveSandboxTests.Live

  func withLive<T>(_ body: (Live) throws -> T) throws -> T {
    try withFolder { folder in
      let live = Live(folder: folder)
      defer { live.cleanUp() }
      return try body(live)
    }
  }

  func recordData(of name: String, in live: Live) throws -> Data {
    try Data(contentsOf: URL(fileURLWithPath: live.state + "/\(name)/state.json"))
  }

  /// Writes `original` with `change` made to it as sandbox `name`'s record.
  func save(_ original: Data, of name: String, in live: Live, _ change: (inout [String: Any]) -> Void) throws {
    var record = try #require(try JSONSerialization.jsonObject(with: original) as? [String: Any])
    change(&record)
    try JSONSerialization.data(withJSONObject: record).write(
      to: URL(fileURLWithPath: live.state + "/\(name)/state.json"))
  }

  func restore(_ original: Data, of name: String, in live: Live) throws {
    try original.write(to: URL(fileURLWithPath: live.state + "/\(name)/state.json"))
  }

  /// Finding 21: createdAt = Int64.min crashed `ls` and `status` (overflow printing the date).
  @Test func aTimeOutOfRangeIsRefusedAndLsListsTheOthers() throws {
    try withLive { live in
      let spec = try write(LiveStateOwnerTests.sleeper, to: live.folder)
      #expect(try live.run(["up", "--name", "a", spec]).status == 0)
      #expect(try live.run(["up", "--name", "b", spec]).status == 0)
      let original = try recordData(of: "a", in: live)
      try save(original, of: "a", in: live) { $0["createdAt"] = Int64.min }
      let ls = try live.run(["ls"])
      #expect(ls.status == 0, "\(ls.stderr)")
      #expect(ls.stdout.contains("a     unreadable"), "\(ls.stdout)")
      #expect(ls.stdout.contains("b     running"), "\(ls.stdout)")
      let status = try live.run(["status", "a"])
      #expect(status.status == 1)
      #expect(status.stderr.contains("`createdAt` is -9223372036854775808, not a time from 1970 to 9999"))
      try save(original, of: "a", in: live) { $0["appliedAt"] = 1_000_000_000_000_000 }
      let late = try live.run(["status", "a"])
      #expect(late.status == 1)
      #expect(late.stderr.contains("`appliedAt` is 1000000000000000"), "\(late.stderr)")
      try restore(original, of: "a", in: live)
      #expect(try live.status("a")["status"] as? String == "running")
    }
  }

  /// Finding 17: pid 0 or negative (kill(2)'s process groups) or beyond Int32, and a zombie init.
  @Test func badPidsAreRefusedByKeyAndAZombieInitIsDead() throws {
    try withLive { live in
      let spec = try write(LiveStateOwnerTests.sleeper, to: live.folder)
      #expect(try live.run(["up", "--name", "p", spec]).status == 0)
      let original = try recordData(of: "p", in: live)
      for pid in [0, -1] {
        try save(original, of: "p", in: live) { record in
          var process = record["initProcess"] as? [String: Any] ?? [:]
          process["pid"] = pid
          record["initProcess"] = process
        }
        let down = try live.run(["down", "p"])
        #expect(down.status == 1)
        #expect(down.stderr.contains("`initProcess.pid` is \(pid), not a process id"), "\(down.stderr)")
        #expect(FileManager.default.fileExists(atPath: live.state + "/p/state.json"))
      }
      try save(original, of: "p", in: live) { record in
        var process = record["initProcess"] as? [String: Any] ?? [:]
        process["pid"] = 2_147_483_648
        record["initProcess"] = process
      }
      let wide = try live.run(["status", "p"])
      #expect(wide.status == 1)
      #expect(
        wide.stderr.contains("`initProcess.pid` cannot be read: 2147483648 is not a process id"), "\(wide.stderr)")
      try restore(original, of: "p", in: live)
      let status = try live.status("p")
      #expect(status["status"] as? String == "running")

      // The sandbox process killed, init is left a zombie: the same process, ended, not "another process".
      let holder = try #require(status["sandbox_pid"] as? Int)
      kill(pid_t(holder), SIGKILL)
      #expect(try live.waitForStatus("p", "dead"))
      let problem = try live.status("p")["problem"] as? String ?? ""
      #expect(problem.contains("has ended"), "\(problem)")
      #expect(!problem.contains("another process"), "\(problem)")
    }
  }
}
