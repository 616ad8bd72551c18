import Foundation
import Testing

@testable import Builder

/// `up` (and `exec`) with a main command that cannot be executed: nsbuild exits as `run` does (127 for ENOENT, 126
/// for EACCES or ENOEXEC), naming the command and the errno, and leaves nothing of the sandbox behind. Before the fix,
/// `up` waited for the sandbox process while that process waited for nsbuild's "record saved" (each holding the
/// pipe the other read), and a SIGTERM, passed on to an init that had already ended, changed nothing.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct UpUnexecutableEndToEndTests: ScratchFolderTests {
  let live = TargetPlanEndToEndTests()

  /// A program that is not there (caught before init is released), a file without the execute bit (the same), and
  /// one with it that the kernel cannot run (its execve(2) fails only after init said the sandbox is ready).
  @Test(arguments: [("missing", 127, "ENOENT"), ("unexecutable", 126, "EACCES"), ("garbage", 126, "ENOEXEC")])
  func upFailsAndLeavesNothing(kind: String, expected: Int32, errno: String) throws {
    try withFolder { folder in
      let program = try place(kind, in: folder)
      let spec = try write(live.spec(hostname: "upbox"), to: folder)
      let environment = ["NSBUILD_STATE_DIR": folder + "/state"]
      let log = folder + "/up.log"
      let process = try NSBuildProcess.start(
        ["up", spec, "--name", "box", "--", program], log: log, environment: environment)
      let status = try exitStatus(of: process)
      let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
      #expect(status == expected, "\(output)")
      #expect(output.contains("\(program): execve(2): \(errno)"), "\(output)")
      try expectNothingLeft(in: folder, output)
    }
  }

  /// A SIGTERM at several moments of an `up` whose command fails at execve(2) after init said it is ready: each run
  /// ends (with the command's failure or the signal's status) and leaves nothing.
  @Test func aSignalDuringAFailingUpEndsIt() throws {
    try withFolder { folder in
      let program = try place("garbage", in: folder)
      let spec = try write(live.spec(hostname: "upbox"), to: folder)
      let environment = ["NSBUILD_STATE_DIR": folder + "/state"]
      for delay: UInt32 in [0, 5, 10, 20, 40, 80] {
        let log = folder + "/up.log"
        let process = try NSBuildProcess.start(
          ["up", spec, "--name", "box", "--", program], log: log, environment: environment)
        usleep(delay * 1000)
        kill(process.processIdentifier, SIGTERM)
        let status = try exitStatus(of: process)
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect([126, 128 + SIGTERM].contains(status), "at \(delay) ms: \(output)")
        // A signal before nsbuild handles any (it then dies as SIGTERM's default action ends it) may leave the
        // sandbox's lock and log, as ``UpSignalEndToEndTests`` allows: never a record.
        try expectNothingLeft(in: folder, "at \(delay) ms: \(output)", lockAllowed: true)
      }
    }
  }

  /// `exec` of a command that cannot be executed, in a running sandbox: it fails as `run` would, and the sandbox
  /// runs on.
  @Test(arguments: [("missing", 127), ("unexecutable", 126), ("garbage", 126)])
  func execFailsAndTheSandboxRunsOn(kind: String, expected: Int32) throws {
    try withFolder { folder in
      try NSBuildProcess.placeExecutable("/bin/sleep", at: folder + "/sleep")
      let program = try place(kind, in: folder)
      let spec = try write(
        live.spec(hostname: "upbox") + "[process]\nargs = [\"\(folder)/sleep\", \"1000\"]\n", to: folder)
      let environment = ["NSBUILD_STATE_DIR": folder + "/state"]
      defer { _ = try? NSBuildProcess.run(["down", "box"], environment: environment) }
      let up = try NSBuildProcess.run(["up", spec, "--name", "box"], environment: environment)
      try #require(up.status == 0, "\(up.stderr)")
      let process = try NSBuildProcess.start(["exec", "box", "--", program], environment: environment)
      #expect(try exitStatus(of: process) == expected)
      let state = try NSBuildProcess.run(["status", "box"], environment: environment)
      #expect(state.stdout.contains("running"), "\(state.stdout)")
    }
  }

  /// Puts a program of `kind` in `folder` (seen at the same path in the sandbox): its path.
  private func place(_ kind: String, in folder: String) throws -> String {
    let path = folder + "/" + kind
    guard kind != "missing" else { return path }
    try Data("\u{1}\u{2} not a program\n".utf8).write(to: URL(fileURLWithPath: path))
    try FileManager.default.setAttributes(
      [.posixPermissions: kind == "garbage" ? 0o755 : 0o644], ofItemAtPath: path)
    return path
  }

  /// Waits for `process` to exit: its status (128+N after signal N). One still running after the wait is killed
  /// (SIGKILL, which its sandbox dies with) and fails the test rather than hanging the suite.
  private func exitStatus(of process: Foundation.Process) throws -> Int32 {
    do { try waitFor("nsbuild \(process.arguments ?? []) to exit") { !process.isRunning } } catch {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      throw error
    }
    return process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
  }

  /// No state folder, process or mount of the sandbox once `up` exited.
  private func expectNothingLeft(in folder: String, _ context: String, lockAllowed: Bool = false) throws {
    let states = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/state")) ?? []
    if lockAllowed {
      #expect(!FileManager.default.fileExists(atPath: folder + "/state/box/state.json"), "\(context)")
    } else {
      #expect(states.isEmpty, "state left: \(states); \(context)")
    }
    try waitFor("every process of the sandbox to end") { processes(mentioning: folder).isEmpty }
    #expect(!(try HostSnapshot.take().mountinfo.contains { $0.contains(folder) }), "\(context)")
  }
}
