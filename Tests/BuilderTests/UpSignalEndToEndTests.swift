import Foundation
import Testing

@testable import Builder

/// A signal to `nsbuild up` at several moments of its start (every 3 ms through its first 60, then later): each run either exits 0 with the sandbox running, or
/// exits non-zero with nothing of the sandbox left (no state, process or mount). Never 0 for a sandbox that died.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct UpSignalEndToEndTests: ScratchFolderTests {
  let live = TargetPlanEndToEndTests()

  @Test(arguments: [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")])
  func aSignalDuringUpLeavesARunningSandboxOrNothing(signal: Int32, name: String) throws {
    try withFolder { folder in
      try NSBuildProcess.placeExecutable("/bin/sleep", at: folder + "/sleep")
      let spec = try write(
        live.spec(hostname: "upbox") + "[process]\nargs = [\"\(folder)/sleep\", \"1000\"]\n", to: folder)
      let environment = ["NSBUILD_STATE_DIR": folder + "/state"]
      for delay: UInt32 in Array(stride(from: 0, through: 60, by: 3)) + [100, 300] {
        let log = folder + "/up.log"
        let process = try NSBuildProcess.start(["up", spec, "--name", "live"], log: log, environment: environment)
        usleep(delay * 1000)
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let status = process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
        if status == 0 {
          let state = try NSBuildProcess.run(["status", "live"], environment: environment)
          #expect(state.status == 0 && state.stdout.contains("running"), "\(name) at \(delay) ms: \(state.stdout)")
          _ = try NSBuildProcess.run(["down", "live"], environment: environment)
        } else {
          #expect(!FileManager.default.fileExists(atPath: folder + "/state/live/state.json"), "\(delay) ms: \(output)")
          #expect(processes(mentioning: folder + "/sleep").isEmpty, "\(name) at \(delay) ms: \(output)")
        }
        try waitFor("every process of the sandbox to end") { processes(mentioning: folder + "/sleep").isEmpty }
        #expect(!(try HostSnapshot.take().mountinfo.contains { $0.contains(folder) }), "\(name) at \(delay) ms")
      }
    }
  }
}
