import Foundation
import Testing

/// What a command trusts in a sandbox's state folder: a record is a file, which can be linked, copied or written by
/// hand. Real sandboxes and real processes, each test with its own state folder (NSBUILD_STATE_DIR).
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct LiveTrustTests: ScratchFolderTests {
  typealias Live = LiveSandboxTests.Live

  func withLive<T>(_ body: (Live) throws -> T) throws -> T {
    try withFolder { folder in
      let live = Live(folder: folder)
      defer { live.cleanUp() }
      return try body(live)
    }
  }

  /// A folder `name` in the state folder holding `record` (JSON) as its state.json.
  func plant(_ record: [String: Any], as name: String, in live: Live) throws {
    let folder = live.state + "/" + name
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
    chmod(folder, 0o700)
    try JSONSerialization.data(withJSONObject: record).write(to: URL(fileURLWithPath: folder + "/state.json"))
  }

  func record(of name: String, in live: Live) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: live.state + "/\(name)/state.json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  /// A `sleep` of the host's, and its start time (/proc/PID/stat field 22).
  func startSleep() throws -> (Process, UInt64) {
    let sleep = Process()
    sleep.executableURL = URL(fileURLWithPath: "/bin/sleep")
    sleep.arguments = ["1000"]
    try sleep.run()
    let stat = try String(contentsOfFile: "/proc/\(sleep.processIdentifier)/stat", encoding: .utf8)
    let fields = stat[stat.index(after: try #require(stat.lastIndex(of: ")")))...].split(separator: " ")
    return (sleep, try #require(UInt64(fields[19])))
  }

  @Test func aSymlinkedOrCopiedRecordIsRefusedAndItsSandboxLeftAlone() throws {
    try withLive { live in
      let spec = try write(LiveSandboxTests.holder, to: live.folder)
      #expect(try live.run(["up", "--name", "member", spec]).status == 0)
      let folder = live.state + "/g4"
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
      chmod(folder, 0o700)
      defer { try? FileManager.default.removeItem(atPath: folder) }
      try FileManager.default.createSymbolicLink(
        atPath: folder + "/state.json", withDestinationPath: live.state + "/member/state.json")
      let status = try live.run(["status", "g4"])
      #expect(status.status == 1)
      #expect(status.stderr.contains("g4/state.json is a symlink or not a regular file"), "\(status.stderr)")
      #expect(!status.stdout.contains("member"))
      let down = try live.run(["down", "g4"])
      #expect(down.status == 1)
      #expect(try live.status("member")["status"] as? String == "running")

      // A copy is a regular file, but the record of another sandbox.
      try FileManager.default.removeItem(atPath: folder + "/state.json")
      try FileManager.default.copyItem(atPath: live.state + "/member/state.json", toPath: folder + "/state.json")
      let copied = try live.run(["down", "g4"])
      #expect(copied.status == 1)
      #expect(copied.stderr.contains("is the record of sandbox 'member', not of the folder it lies in"))
      let exec = try live.run(["exec", "g4", "--", "/bin/true"])
      #expect(exec.status == 125)
      #expect(try live.status("member")["status"] as? String == "running")
    }
  }

  /// A hand-written record whose pid and start time are a plain `sleep`, with another sandbox's namespace ids:
  /// not a sandbox. `status` says so, `exec` refuses, `down` removes the record and never signals the sleep.
  @Test func aRecordNamingAProcessOutsideItsNamespacesIsAStranger() throws {
    try withLive { live in
      let spec = try write(LiveSandboxTests.holder, to: live.folder)
      #expect(try live.run(["up", "--name", "real", spec]).status == 0)
      let (sleep, start) = try startSleep()
      defer { kill(sleep.processIdentifier, SIGKILL) }
      var forged = try record(of: "real", in: live)
      forged["name"] = "fake"
      forged["initProcess"] = ["pid": Int(sleep.processIdentifier), "startTime": start]
      forged["sandboxProcess"] = nil
      try plant(forged, as: "fake", in: live)

      let status = try live.status("fake")
      #expect(status["status"] as? String == "stranger")
      #expect((status["problem"] as? String)?.contains("its namespaces are not the recorded ones (") == true)
      #expect(try live.run(["ls"]).stdout.contains("fake  stranger"))
      let exec = try live.run(["exec", "fake", "--", "/bin/true"])
      #expect(exec.status == 125)
      #expect(exec.stderr.contains("is not its init"), "\(exec.stderr)")
      #expect(!exec.stderr.contains("setns"))
      let down = try live.run(["down", "fake"])
      #expect(down.status == 0, "\(down.stderr)")
      #expect(down.stderr.contains("signalling nothing, removing its state"))
      #expect(sleep.isRunning)
      #expect(!FileManager.default.fileExists(atPath: live.state + "/fake"))
      #expect(try live.status("real")["status"] as? String == "running")

      // With the sleep's own (the host's) namespace ids recorded, there is nothing to enter: refused too.
      forged["namespaceIDs"] = LiveSandboxTests.namespaces(of: Int(sleep.processIdentifier))
      try plant(forged, as: "fake", in: live)
      let own = try live.run(["exec", "fake", "--", "/bin/true"])
      #expect(own.status == 125)
      #expect(own.stderr.contains("the sandbox made its own, but the process is in nsbuild's"), "\(own.stderr)")
      #expect(try live.run(["down", "fake"]).status == 0)
      #expect(sleep.isRunning)
      #expect(!own.stderr.contains("join :"))
    }
  }

  /// A bind mount right after `up`: mountinfo shows the type of the filesystem it came from, which is no drift.
  @Test func aBindMountIsNoDriftRightAfterUp() throws {
    try withLive { live in
      let bind = "[[mounts]]\ntype = \"bind\"\nsource = \"/usr\"\ntarget = \"/usr\"\noptions = [\"ro\"]\n"
      let spec = try write(LiveSandboxTests.holder + "\n" + bind, to: live.folder)
      let up = try live.run(["up", "--name", "bound", spec])
      #expect(up.status == 0, "\(up.stderr)")
      #expect((try live.status("bound")["drift"] as? [Any])?.isEmpty == true)
      let plan = try live.run(["plan", spec, "--target", "bound", "--detailed-exitcode"])
      #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
      #expect(plan.stdout.contains("0 to add, 0 to change, 0 to remove"))
    }
  }

  @Test func badStateSaysWhatIsWrong() throws {
    try withLive { live in
      let spec = try write(LiveSandboxTests.holder, to: live.folder)
      let unknown = try live.run(["plan", spec, "--target", "nothing-here"])
      #expect(unknown.status == 1)
      #expect(unknown.stderr.contains("no sandbox named 'nothing-here' (see `nsbuild ls`)"), "\(unknown.stderr)")
      #expect(try live.run(["plan", spec, "--target", "../a"]).status == 1)
      let folder = live.state + "/garbled"
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      try Data("{\"formatVersion\": 1, \"na".utf8).write(to: URL(fileURLWithPath: folder + "/state.json"))
      let garbled = try live.run(["status", "garbled"])
      #expect(garbled.status == 1)
      #expect(garbled.stderr.contains("it is not valid JSON"), "\(garbled.stderr)")
      try FileManager.default.removeItem(atPath: folder)
    }
  }
}
