import Foundation
import Testing

/// `up`, `ls`, `status` and `down` with real sandboxes, each test with its own state folder (NSBUILD_STATE_DIR), so
/// none touches /run/nsbuild or another test's sandboxes.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct LiveSandboxTests: ScratchFolderTests {
  static let holder = """
    version = 1
    [namespaces]
    unshare = ["mount", "uts", "ipc", "pid", "net"]
    [uts]
    hostname = "live-holder"
    [[mounts]]
    type = "tmpfs"
    target = "/tmp"
    [[mounts]]
    type = "dev"
    target = "/dev"
    [[mounts]]
    type = "tmpfs"
    target = "/run"
    """

  /// A scratch folder with its own state folder; `nsbuild ARGS` runs with NSBUILD_STATE_DIR pointing at it. Every
  /// sandbox left is ended afterwards, whatever the test found.
  struct Live {
    var folder: String
    var state: String { folder + "/state" }

    func run(_ arguments: [String]) throws -> NSBuildProcess.Result {
      try NSBuildProcess.run(
        arguments, binary: folder + "/nsbuild", directory: folder, environment: ["NSBUILD_STATE_DIR": state])
    }

    func start(_ arguments: [String]) throws -> Process {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: folder + "/nsbuild")
      process.arguments = arguments
      process.environment = ProcessInfo.processInfo.environment.merging(["NSBUILD_STATE_DIR": state]) { $1 }
      process.currentDirectoryURL = URL(fileURLWithPath: folder)
      process.standardInput = FileHandle.nullDevice
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
      return process
    }

    func status(_ name: String) throws -> [String: Any] {
      let result = try run(["status", "--format", "json", name])
      return (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    /// Polls `status` until it says `wanted` (a process ending is not instant): at most `tries` reads.
    func waitForStatus(_ name: String, _ wanted: String, tries: Int = 200) throws -> Bool {
      for _ in 0..<tries {
        if try status(name)["status"] as? String == wanted { return true }
        usleep(50_000)
      }
      return false
    }

    func cleanUp() {
      let names = (try? FileManager.default.contentsOfDirectory(atPath: state)) ?? []
      for name in names { _ = try? run(["down", "--timeout", "1", name]) }
    }
  }

  func withLive<T>(_ body: (Live) throws -> T) throws -> T {
    try withFolder { folder in
      let live = Live(folder: folder)
      defer { live.cleanUp() }
      return try body(live)
    }
  }

  /// The link texts of /proc/PID/ns/*, as the host reads them.
  static func namespaces(of pid: Int) -> [String: String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/ns")) ?? []
    var links: [String: String] = [:]
    for name in names {
      links[name] = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/\(name)")
    }
    return links
  }

  @Test func upListStatusDownLeavesNothing() throws {
    let before = try HostSnapshot.take()
    try withLive { live in
      let spec = try write(Self.holder, to: live.folder)
      let up = try live.run(["up", "--name", "box", spec])
      #expect(up.status == 0, "\(up.stderr)")
      #expect(up.stdout == "box\n")
      let listed = try live.run(["ls"])
      let row = listed.stdout.split(separator: "\n").dropFirst().first.map { $0.split(separator: " ").map(String.init) }
      #expect(row?.prefix(2) == ["box", "running"], "\(listed.stdout)")

      let status = try live.status("box")
      #expect(status["format_version"] as? Int == 1)
      #expect(status["status"] as? String == "running")
      #expect(status.keys.contains("drift"))
      #expect(status["main_pid"] == nil && status["keeper_pid"] == nil)  // init holds, with no main command
      let pid = try #require(status["pid"] as? Int)
      let recorded = try #require(status["namespaces"] as? [String: String])
      #expect(recorded == Self.namespaces(of: pid))
      #expect(recorded["uts"] != Self.namespaces(of: Int(getpid()))["uts"])
      let spec_ = status["spec"] as? [String: String]
      let digest = try NSBuildProcess.runCommand("/usr/bin/sha256sum", [spec]).stdout.split(separator: " ").first
      #expect(spec_?["sha256"] == digest.map(String.init))
      #expect(spec_?["path"] == spec)

      let hostname = try NSBuildProcess.runCommand("/usr/bin/nsenter", ["-t", "\(pid)", "-u", "hostname"])
      #expect(hostname.stdout == "live-holder\n")
      #expect(try HostSnapshot.take().hostname != "live-holder\n")
      let startTime = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)

      let down = try live.run(["down", "box"])
      #expect(down.status == 0, "\(down.stderr)")
      // Gone, or its pid already someone else's.
      #expect((try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) != startTime)
      #expect(!FileManager.default.fileExists(atPath: live.state + "/box"))
      #expect(try live.run(["ls"]).stdout.split(separator: "\n").count == 1)
      #expect(processes(mentioning: live.folder).isEmpty)
    }
    try HostSnapshot.expectUnchanged(since: before)
  }

  @Test func execEntersWhatUpHolds() throws {
    try withLive { live in
      let spec = try write(Self.holder, to: live.folder)
      #expect(try live.run(["up", "--name", "held", spec]).status == 0)
      let inside = try live.run(["exec", "held", "--", "/bin/sh", "-c", "hostname; readlink /proc/self/ns/pid"])
      #expect(inside.status == 0, "\(inside.stderr)")
      let pid = try #require(try live.status("held")["pid"] as? Int)
      #expect(inside.stdout == "live-holder\n\(Self.namespaces(of: pid)["pid"] ?? "?")\n")
      #expect(try live.status("held")["status"] as? String == "running")
    }
  }

  /// A hostname set by hand inside shows in `status` as drift; none before, and unknown (null) once dead.
  @Test func statusShowsDriftMadeByHand() throws {
    try withLive { live in
      let spec = try write(Self.holder, to: live.folder)
      #expect(try live.run(["up", "--name", "drifty", spec]).status == 0)
      #expect((try live.status("drifty")["drift"] as? [Any])?.isEmpty == true)
      let pid = try #require(try live.status("drifty")["pid"] as? Int)
      let set = try NSBuildProcess.runCommand("/usr/bin/nsenter", ["-t", "\(pid)", "-u", "hostname", "by-hand"])
      #expect(set.status == 0, "\(set.stderr)")
      let drift = try #require(try live.status("drifty")["drift"] as? [[String: Any]])
      #expect(drift.count == 1)
      #expect(drift.first?["applied"] as? String == "live-holder")
      #expect(drift.first?["live"] as? String == "by-hand")
      #expect(try live.run(["status", "drifty"]).stdout.contains("drift:    1 change(s)"))
      kill(pid_t(pid), SIGKILL)
      #expect(try live.waitForStatus("drifty", "dead"))
      #expect(try live.status("drifty")["drift"] is NSNull)
    }
  }

  @Test func planTargetComparesWithWhatUpApplied() throws {
    try withLive { live in
      let spec = try write(Self.holder, to: live.folder)
      #expect(try live.run(["up", "--name", "cmp", spec]).status == 0)
      let same = try live.run(["plan", spec, "--target", "cmp", "--detailed-exitcode"])
      #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
      #expect(same.stdout.contains("=   init     hold the namespaces until SIGTERM"))
      _ = try write(Self.holder.replacing("live-holder", with: "live-renamed"), to: live.folder)
      let changed = try live.run(["plan", spec, "--target", "cmp", "--detailed-exitcode"])
      #expect(changed.status == 2, "\(changed.stdout)\(changed.stderr)")
    }
  }

  @Test func theMainCommandsEndEndsTheSandbox() throws {
    try withLive { live in
      let flag = live.folder + "/flag"
      let spec = try write(
        """
        version = 1
        [namespaces]
        unshare = ["uts", "ipc", "pid"]
        [process]
        args = ["/bin/sh", "-c", "while [ ! -e \(flag) ]; do sleep 0.05; done; echo main-done"]
        """, to: live.folder)
      let up = try live.run(["up", spec])
      #expect(up.status == 0, "\(up.stderr)")
      #expect(up.stdout == "s\n")
      #expect(try live.status("s")["status"] as? String == "running")
      FileManager.default.createFile(atPath: flag, contents: nil)
      #expect(try live.waitForStatus("s", "dead"))
      let log = try String(contentsOfFile: live.state + "/s/output.log", encoding: .utf8)
      #expect(log == "main-done\n")
      let down = try live.run(["down", "s"])
      #expect(down.status == 0, "\(down.stderr)")
      #expect(!FileManager.default.fileExists(atPath: live.state + "/s"))
    }
  }

  @Test func downKillsAMainCommandThatIgnoresTerm() throws {
    try withLive { live in
      let spec = try write(
        """
        version = 1
        [namespaces]
        unshare = ["mount", "uts", "ipc", "pid"]
        [process]
        args = ["/bin/sh", "-c", "trap '' TERM; while true; do sleep 0.05; done"]
        """, to: live.folder)
      #expect(try live.run(["up", "--name", "stubborn", spec]).status == 0)
      let pid = try #require(try live.status("stubborn")["pid"] as? Int)
      let startTime = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
      let down = try live.run(["down", "--timeout", "0.2", "stubborn"])
      #expect(down.status == 0, "\(down.stderr)")
      #expect((try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) != startTime)
      #expect(processes(mentioning: "trap '' TERM").isEmpty)
      #expect(!FileManager.default.fileExists(atPath: live.state + "/stubborn"))
    }
  }

  @Test func aKilledInitShowsAsDeadAndDownCleansIt() throws {
    try withLive { live in
      let spec = try write(Self.holder, to: live.folder)
      #expect(try live.run(["up", "--name", "victim", spec]).status == 0)
      let pid = try #require(try live.status("victim")["pid"] as? Int)
      kill(Int32(pid), SIGKILL)
      #expect(try live.waitForStatus("victim", "dead"))
      #expect(try live.run(["ls"]).stdout.contains("victim  dead"))
      let down = try live.run(["down", "victim"])
      #expect(down.status == 0, "\(down.stderr)")
      #expect(!FileManager.default.fileExists(atPath: live.state + "/victim"))
      // And a dead sandbox's name can be taken again.
      #expect(try live.run(["up", "--name", "victim", spec]).status == 0)
      let replaced = try live.run(["up", "--name", "victim", spec])
      #expect(replaced.status == 125)
      #expect(replaced.stderr.contains("a sandbox named 'victim' is running"))
    }
  }

  @Test func aDeadSandboxIsReplacedByUp() throws {
    try withLive { live in
      let spec = try write(Self.holder, to: live.folder)
      #expect(try live.run(["up", "--name", "again", spec]).status == 0)
      let first = try #require(try live.status("again")["pid"] as? Int)
      kill(Int32(first), SIGKILL)
      #expect(try live.waitForStatus("again", "dead"))
      let up = try live.run(["up", "--name", "again", spec])
      #expect(up.status == 0, "\(up.stderr)")
      let status = try live.status("again")
      #expect(status["status"] as? String == "running")
      #expect(status["pid"] as? Int != first)
    }
  }

  @Test func badAndUnknownNamesAreRefusedWithTheReason() throws {
    try withLive { live in
      let spec = try write(Self.holder, to: live.folder)
      let bad = try live.run(["up", "--name", "Web", spec])
      #expect(bad.status == 125)
      #expect(bad.stderr.contains("sandbox name 'Web' has a character not allowed at position 1"))
      let long = try live.run(["up", "--name", String(repeating: "a", count: 64), spec])
      #expect(long.stderr.contains("is 64 characters long; at most 63 are allowed"))
      let unknown = try live.run(["down", "nothing-here"])
      #expect(unknown.status == 1)
      #expect(unknown.stderr == "nsbuild: error: no sandbox named 'nothing-here' (see `nsbuild ls`)\n")
      #expect(try live.run(["status", "nothing-here"]).status == 1)
      #expect(try live.run(["down", "../etc"]).status == 1)
      #expect(!FileManager.default.fileExists(atPath: live.state + "/nothing-here"))
    }
  }

  @Test func concurrentUpsAndDownsSerialize() throws {
    try withLive { live in
      let spec = try write(Self.holder, to: live.folder)
      let ups = try (0..<2).map { _ in try live.start(["up", "--name", "race", spec]) }
      for up in ups { up.waitUntilExit() }
      // One builds it; the other, waiting for the lock, then finds it running.
      #expect(ups.map(\.terminationStatus).sorted() == [0, 125])
      #expect(try live.status("race")["status"] as? String == "running")
      let downs = try (0..<2).map { _ in try live.start(["down", "race"]) }
      for down in downs { down.waitUntilExit() }
      // One ends it; the other, waiting for the lock, then finds no sandbox of that name.
      #expect(downs.map(\.terminationStatus).sorted() == [0, 1])
      #expect(!FileManager.default.fileExists(atPath: live.state + "/race"))
    }
  }

  @Test func planUpShowsTheStepsThatDetachTheSandbox() throws {
    try withLive { live in
      let spec = try write(Self.holder, to: live.folder)
      #expect(try live.run(["plan", spec]).status == 1)  // no command: only `up` holds
      let plan = try live.run(["plan", "--up", "--name", "p", spec])
      #expect(plan.status == 0, "\(plan.stderr)")
      #expect(plan.stdout.contains("leave nsbuild's session and streams"))
      #expect(plan.stdout.contains("\(live.state)/p/output.log"))
      #expect(plan.stdout.contains("hold the namespaces until SIGTERM"))
      #expect(plan.stdout.contains("outlive nsbuild"))
      let verbose = try live.run(["up", "-v", "--name", "p", spec])
      #expect(verbose.status == 0, "\(verbose.stderr)")
      // nsbuild's own steps trace on its stderr; the sandbox's go to its log.
      #expect(verbose.stderr.contains("nsbuild: step 1/"))
      let log = try String(contentsOfFile: live.state + "/p/output.log", encoding: .utf8)
      #expect(log.contains("hold the namespaces until SIGTERM"))
    }
  }

  @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/setpriv"), "needs setpriv(1)"))
  func rootlessRoundTrip() throws {
    let rootless = """
      version = 1
      [namespaces]
      unshare = ["user", "mount", "uts", "ipc", "pid"]
      [user]
      uid_map = [{ inside = 0, outside = "caller", count = 1 }]
      gid_map = [{ inside = 0, outside = "caller", count = 1 }]
      [uts]
      hostname = "rootless-live"
      [[mounts]]
      type = "tmpfs"
      target = "/tmp"
      """
    let folder = try NSBuildProcess.publicCopy(specs: ["r.toml": rootless])
    let runtime = folder + "/runtime"
    try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: false)
    #expect(chown(runtime, 65534, 65534) == 0)
    #expect(chmod(runtime, 0o700) == 0)
    func nobody(_ arguments: [String]) throws -> NSBuildProcess.Result {
      try NSBuildProcess.run(
        arguments, binary: folder + "/nsbuild", asUser: 65534, directory: folder,
        environment: ["XDG_RUNTIME_DIR": runtime, "NSBUILD_STATE_DIR": ""])
    }
    defer {
      _ = try? nobody(["down", "--timeout", "1", "r"])
      try? FileManager.default.removeItem(atPath: folder)
    }
    let up = try nobody(["up", "r.toml"])
    #expect(up.status == 0, "\(up.stderr)")
    var attributes = try FileManager.default.attributesOfItem(atPath: runtime + "/nsbuild/r")
    #expect(attributes[.ownerAccountID] as? Int == 65534)
    #expect(attributes[.posixPermissions] as? Int == 0o700)
    #expect(try nobody(["ls"]).stdout.contains("r     running"))
    let status = try nobody(["status", "--format", "json", "r"])
    let document = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
    let pid = try #require(document?["pid"] as? Int)
    let hostname = try NSBuildProcess.runCommand("/usr/bin/nsenter", ["-t", "\(pid)", "-U", "-u", "hostname"])
    #expect(hostname.stdout == "rootless-live\n")
    // exec by its owner, unprivileged: joined through the user namespace first, root inside is nobody outside, and
    // the command is inside the sandbox's pid namespace; its exit status is exec's.
    let script = "hostname; id -u; cat /proc/self/uid_map; readlink /proc/self/ns/pid; exit 7"
    let exec = try nobody(["exec", "r", "--", "/bin/sh", "-c", script])
    #expect(exec.status == 7, "\(exec.stdout)\(exec.stderr)")
    let lines = exec.stdout.split(separator: "\n").map { String($0) }
    let sandboxPID = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/pid")
    #expect(lines.count == 4, "\(exec.stdout)\(exec.stderr)")
    #expect(lines.first == "rootless-live" && lines.dropFirst().first == "0", "\(exec.stdout)")
    #expect(lines.dropFirst(2).first?.split(separator: " ") == ["0", "65534", "1"], "\(exec.stdout)")
    #expect(lines.last == sandboxPID, "\(exec.stdout)")
    let down = try nobody(["down", "r"])
    #expect(down.status == 0, "\(down.stderr)")
    #expect(!FileManager.default.fileExists(atPath: runtime + "/nsbuild/r"))
    attributes = try FileManager.default.attributesOfItem(atPath: runtime + "/nsbuild")
    #expect(attributes[.ownerAccountID] as? Int == 65534)
  }
}
