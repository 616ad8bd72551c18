import Foundation
import Testing

/// sshd's StrictModes for the live state, and the processes a record names: a record that another user could write
/// (or that names a host process as the main command or its keeper) is never acted on. Real sandboxes and
/// processes, each test with its own state folder (NSBUILD_STATE_DIR).
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces and to chown; CI runs as root"))
struct LiveStateOwnerTests: ScratchFolderTests {
  typealias Live = LiveSandboxTests.Live

  static let sleeper = """
    version = 1
    [namespaces]
    unshare = ["mount", "pid"]
    [process]
    args = ["sleep", "1001"]
    """

  func withLive<T>(_ body: (Live) throws -> T) throws -> T {
    try withFolder { folder in
      let live = Live(folder: folder)
      defer { live.cleanUp() }
      return try body(live)
    }
  }

  func record(of name: String, in live: Live) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: live.state + "/\(name)/state.json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  func save(_ record: [String: Any], of name: String, in live: Live) throws {
    try JSONSerialization.data(withJSONObject: record).write(
      to: URL(fileURLWithPath: live.state + "/\(name)/state.json"))
  }

  /// Finding 08: a record folder another user made in the state folder, with a record naming a real sandbox and a
  /// spec text of that user's, is refused by root's `exec`; so is a state folder, a sandbox folder or a state.json
  /// that others may write, and a state folder reached through a symlink.
  @Test func stateAnotherUserCouldChangeIsRefused() throws {
    try withLive { live in
      let spec = try write(LiveSandboxTests.holder, to: live.folder)
      #expect(try live.run(["up", "--name", "victim", spec]).status == 0)
      var planted = try record(of: "victim", in: live)
      planted["name"] = "x"
      planted["specPath"] = "/nonexistent/evil.toml"
      planted["specSource"] = (planted["specSource"] as? String ?? "") + "\n[process]\nenv = { INJECTED = \"yes\" }\n"
      let folder = live.state + "/x"
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
      try save(planted, of: "x", in: live)
      chown(folder, 65534, 65534)
      chown(folder + "/state.json", 65534, 65534)
      let exec = try live.run(["exec", "x", "--", "/bin/sh", "-c", "echo INJECTED=$INJECTED"])
      #expect(exec.status == 125)
      #expect(!exec.stdout.contains("INJECTED=yes"))
      #expect(exec.stderr.contains("refusing the live state: folder \(folder) (owner uid 65534"), "\(exec.stderr)")
      #expect(exec.stderr.contains("belongs to another user"))
      // `ls` lists it as unreadable, and the others as they are.
      let ls = try live.run(["ls"])
      #expect(ls.stdout.contains("x       unreadable"), "\(ls.stdout)")
      #expect(ls.stdout.contains("victim  running"), "\(ls.stdout)")

      // The folder root's, the record another user's.
      chown(folder, 0, 0)
      chmod(folder, 0o700)
      let file = try live.run(["status", "x"])
      #expect(file.status == 1)
      #expect(file.stderr.contains("file \(folder)/state.json (owner uid 65534"), "\(file.stderr)")
      try FileManager.default.removeItem(atPath: folder)

      // The victim's own record, writable by its group.
      chmod(live.state + "/victim/state.json", 0o660)
      let group = try live.run(["exec", "victim", "--", "/bin/true"])
      #expect(group.status == 125)
      #expect(
        group.stderr.contains("state.json (owner uid 0 (root), mode 0660) is writable by its group"), "\(group.stderr)")
      chmod(live.state + "/victim/state.json", 0o600)

      // A shared, sticky state folder.
      chmod(live.state, 0o1777)
      let shared = try live.run(["ls"])
      #expect(shared.status == 1)
      #expect(shared.stderr.contains("folder \(live.state) (owner uid 0 (root), mode 01777) is writable by every user"))
      let down = try live.run(["down", "victim"])
      #expect(down.status == 1)
      chmod(live.state, 0o700)

      // A state folder reached through a symlink: never followed.
      let link = live.folder + "/linked-state"
      try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: live.state)
      let linked = try NSBuildProcess.run(
        ["status", "victim"], binary: live.folder + "/nsbuild", directory: live.folder,
        environment: ["NSBUILD_STATE_DIR": link])
      #expect(linked.status == 1)
      #expect(linked.stderr.contains("\(link)"), "\(linked.stderr)")
      #expect(linked.stderr.contains("ELOOP"), "\(linked.stderr)")
      #expect(try live.status("victim")["status"] as? String == "running")
    }
  }

  /// A host `sleep` and its start time (/proc/PID/stat field 22).
  func startSleep() throws -> (Process, UInt64) {
    let sleep = Process()
    sleep.executableURL = URL(fileURLWithPath: "/bin/sleep")
    sleep.arguments = ["1000"]
    try sleep.run()
    let stat = try String(contentsOfFile: "/proc/\(sleep.processIdentifier)/stat", encoding: .utf8)
    let fields = stat[stat.index(after: try #require(stat.lastIndex(of: ")")))...].split(separator: " ")
    return (sleep, try #require(UInt64(fields[19])))
  }

  /// Finding 22: a record whose main command (or keeper) is a host process: `status` calls it a stranger, `apply`
  /// refuses rather than signal it, `down` ends the real sandbox and leaves the host process alone.
  @Test func aMainCommandOrKeeperOutsideTheSandboxIsNeverSignalled() throws {
    try withLive { live in
      let spec = try write(Self.sleeper, to: live.folder)
      #expect(try live.run(["up", "--name", "m", spec]).status == 0)
      let (sleep, start) = try startSleep()
      defer { kill(sleep.processIdentifier, SIGKILL) }
      let host = ["pid": Int(sleep.processIdentifier), "startTime": start] as [String: Any]
      var forged = try record(of: "m", in: live)
      forged["mainCommand"] = host
      try save(forged, of: "m", in: live)

      let status = try live.status("m")
      #expect(status["status"] as? String == "stranger")
      #expect(
        (status["problem"] as? String)?.contains("main command pid \(sleep.processIdentifier) is not in the sandbox")
          == true, "\(status)")
      try Data(Self.sleeper.replacingOccurrences(of: "1001", with: "1002").utf8).write(
        to: URL(fileURLWithPath: spec))
      let apply = try live.run(["apply", "--target", "m", spec])
      #expect(apply.status == 1, "\(apply.stdout)\(apply.stderr)")
      #expect(apply.stderr.contains("is not in the sandbox"), "\(apply.stderr)")
      usleep(200_000)
      #expect(sleep.isRunning)

      // The keeper: `down` ends the sandbox by its init and leaves the host process alone.
      forged["mainCommand"] = nil
      forged["mainKeeper"] = host
      try save(forged, of: "m", in: live)
      let down = try live.run(["down", "--timeout", "1", "m"])
      #expect(down.status == 0, "\(down.stderr)")
      #expect(down.stderr.contains("main command's keeper pid \(sleep.processIdentifier) is not in the sandbox"))
      #expect(down.stderr.contains("not signalling it"))
      #expect(sleep.isRunning)
      #expect(!FileManager.default.fileExists(atPath: live.state + "/m"))
    }
  }
}
