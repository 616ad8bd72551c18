import Foundation
import Testing

/// `up` killed at any moment, and `up` refused where `down` could not end every process.
extension LiveSandboxTests {
  /// The names (`--name kN`) of the processes of this test's sandboxes still running.
  private static func runningNames(_ live: Live) -> Set<String> {
    Set(
      processes(mentioning: live.folder).compactMap { line in
        let words = line.split(separator: " ").map(String.init)
        return words.firstIndex(of: "--name").flatMap { $0 + 1 < words.count ? words[$0 + 1] : nil }
      })
  }

  /// `ls`'s rows as (name, status).
  private static func listed(_ live: Live) throws -> [(name: String, status: String)] {
    try live.run(["ls"]).stdout.split(separator: "\n").dropFirst().map { row in
      let cells = row.split(separator: " ").map(String.init)
      return (cells.first ?? "", cells.dropFirst().first ?? "")
    }
  }

  @Test func upKilledAtAnyMomentLeavesNoUnrecordedSandbox() throws {
    try withLive { live in
      let spec = try write(Self.holder, to: live.folder)
      for round in 0..<30 {
        let up = try live.start(["up", "--name", "k\(round)", spec])
        usleep(UInt32.random(in: 0...80_000))
        kill(up.processIdentifier, SIGKILL)
        up.waitUntilExit()
      }
      // A sandbox killed with nsbuild ends as its parent-death signal arrives, not at once: wait (bounded) until
      // every process left belongs to a sandbox `ls` shows running.
      var unrecorded: Set<String> = []
      for _ in 0..<200 {
        let running = Set(try Self.listed(live).filter { $0.status == "running" }.map(\.name))
        unrecorded = Self.runningNames(live).subtracting(running)
        if unrecorded.isEmpty { break }
        usleep(50_000)
      }
      #expect(unrecorded.isEmpty, "running but not recorded: \(unrecorded.sorted())")
      let rows = try Self.listed(live)
      // Every folder is listed: running, dead (killed between its record and its release) or incomplete.
      let folders = (try? FileManager.default.contentsOfDirectory(atPath: live.state)) ?? []
      #expect(Set(rows.map(\.name)) == Set(folders))
      #expect(rows.allSatisfy { ["running", "dead", "incomplete"].contains($0.status) }, "\(rows)")
      for row in rows {
        let down = try live.run(["down", "--timeout", "1", row.name])
        #expect(down.status == 0, "\(row.name): \(down.stderr)")
      }
      #expect(processes(mentioning: live.folder).isEmpty)
      #expect(((try? FileManager.default.contentsOfDirectory(atPath: live.state)) ?? []).isEmpty)
    }
  }

  @Test func aFolderWithoutARecordIsListedAsIncompleteAndDownRemovesIt() throws {
    try withLive { live in
      // What an `up` killed before its record leaves once its processes died with it.
      let folder = live.state + "/ghost"
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      #expect(FileManager.default.createFile(atPath: folder + "/lock", contents: nil))
      #expect(FileManager.default.createFile(atPath: folder + "/output.log", contents: nil))
      #expect(try Self.listed(live).map { "\($0.name) \($0.status)" } == ["ghost incomplete"])
      let down = try live.run(["down", "--timeout", "0.2", "ghost"])
      #expect(down.status == 0, "\(down.stderr)")
      #expect(!FileManager.default.fileExists(atPath: folder))
    }
  }

  @Test func upWithoutAPIDNamespaceIsRefusedNamingTheLine() throws {
    try withLive { live in
      let spec = try write(
        """
        version = 1
        [namespaces]
        unshare = ["mount", "uts"]
        """, to: live.folder)
      let up = try live.run(["up", "--name", "nopid", spec])
      #expect(up.status == 125)
      #expect(up.stderr.contains("\(spec):3:11: error: `up` needs \"pid\" in [namespaces] unshare"), "\(up.stderr)")
      #expect(up.stderr.contains("would outlive `down`"))
      #expect(processes(mentioning: live.folder).isEmpty)
      #expect(!FileManager.default.fileExists(atPath: live.state + "/nopid"))
      // `run` ends with its command: it needs none.
      #expect(try live.run(["run", spec, "--", "/bin/true"]).status == 0)
    }
  }

  @Test func planUpShowsTheRecordedHandoff() throws {
    try withLive { live in
      let spec = try write(Self.holder, to: live.folder)
      let plan = try live.run(["plan", "--up", "--name", "p", spec])
      #expect(plan.status == 0, "\(plan.stderr)")
      #expect(plan.stdout.contains("recorded (parent → sandbox)"), "\(plan.stdout)")
      let run = try live.run(["plan", spec, "--", "/bin/true"])
      #expect(!run.stdout.contains("recorded ("))
    }
  }
}
