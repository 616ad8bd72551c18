import Foundation
import Testing

@testable import Builder

/// A signal to `nsbuild apply` while it replaces the main command of a live sandbox: the wait for the old command
/// (which ignores SIGTERM, so apply would wait its whole grace) is cut short, every step taken is taken back and
/// apply exits 128+N. Checked on a real sandbox from the host and from inside.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct ApplySignalEndToEndTests: ScratchFolderTests {
  let live = TargetPlanEndToEndTests()
  let apply = ApplyEndToEndTests()

  /// What a signal must leave as it was.
  struct Standing: Equatable {
    var hostname: String
    var mounts: [String]
    var links: String
    var children: [Int32]
    var record: [UInt8]
  }

  func standing(_ pid: Int32, _ folder: String) throws -> Standing {
    let nsenter = try #require(TargetPlanEndToEndTests.nsenter)
    let links = try NSBuildProcess.runCommand(nsenter, ["-t", "\(pid)", "--net", "--", "ip", "-o", "link"]).stdout
    return Standing(
      hostname: try apply.hostname(pid), mounts: try apply.mountPoints(pid), links: links,
      children: children(of: pid), record: try apply.record(folder))
  }

  @Test(
    .enabled(if: TargetPlanEndToEndTests.nsenter != nil, "needs nsenter(1) to look inside"),
    arguments: [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")])
  func aSignalDuringTheMainCommandsEndTakesEveryStepBack(signal: Int32, name: String) throws {
    try withFolder { folder in
      try NSBuildProcess.placeExecutable("/bin/sleep", at: folder + "/sleep")
      // The main command ignores SIGTERM (an ignored signal stays so across execve(2)): apply's wait for it to end
      // lasts the whole grace unless a signal cuts it short.
      let applied =
        live.spec(hostname: "livebox")
        + "[process]\nargs = [\"/bin/sh\", \"-c\", \"trap '' TERM; exec \(folder)/sleep 1000\"]\n"
      let specPath = try write(applied, to: folder)
      let environment = ["NSBUILD_STATE_DIR": folder + "/state"]
      let up = try NSBuildProcess.run(["up", specPath, "--name", "live"], environment: environment)
      defer {
        _ = try? NSBuildProcess.run(["down", "live"], environment: environment)
        try? waitFor("every process of the sandbox to end") { processes(mentioning: folder).isEmpty }
      }
      try #require(up.status == 0, "\(up.stdout)\(up.stderr)")
      let identity = try SandboxRecord.decode(try apply.record(folder)).initProcess
      try waitFor("the main command to run") { !processes(mentioning: folder + "/sleep 1000").isEmpty }
      let before = try standing(identity.pid, folder)
      let main = try #require(before.children.first)

      // In place: a new hostname and a new mount; then the main command replaced.
      let spec = try apply.edited(applied, folder) {
        $0.replacingOccurrences(of: "livebox", with: "newbox").replacingOccurrences(
          of: "sleep 1000", with: "sleep 2000")
          + "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/mnt\"\n"
      }
      let log = folder + "/apply.log"
      let process = try NSBuildProcess.start(
        ["apply", spec, "--target", "live", "--verbose"], log: log, environment: environment)
      // Sent once apply says it ends the old command: the in-place steps are taken by then.
      try waitFor("apply to end the main command") {
        !process.isRunning || ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("end main command")
      }
      kill(process.processIdentifier, signal)
      process.waitUntilExit()
      let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
      #expect(process.terminationReason == .exit && process.terminationStatus == 128 + signal, "\(name): \(output)")
      #expect(output.contains("set hostname"), "\(output)")
      #expect(output.contains("interrupted by signal \(signal)"), "\(output)")
      #expect(!output.contains("Applied"), "\(output)")
      #expect(try standing(identity.pid, folder) == before, "\(name): \(output)")
      #expect(try live.plan(spec, folder).status == 2)

      // The old command's keeper was told again that its end is the sandbox's: it ends the sandbox with it.
      kill(main, SIGKILL)
      try waitFor("the sandbox to end with its main command") { !identity.isAlive(reader: RealKernel()) }
    }
  }
}
