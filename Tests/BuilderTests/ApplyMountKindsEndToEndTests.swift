import Foundation
import Testing

/// Mounts `apply` adds to a live sandbox as `up` makes them: an overlay whose target folder is missing, a proc at
/// /proc in place of the host's; and a failed apply that added a proc leaves the mount table exactly as it stood.
/// Checked from the host in the init's /proc/PID/mountinfo.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces"))
struct ApplyMountKindsEndToEndTests: ScratchFolderTests {
  let live = ApplySymlinkEndToEndTests()
  static let base = "version = 1\n[namespaces]\nunshare = [\"mount\", \"pid\"]\n"

  /// The sandbox's init, from its record.
  func initPID(_ folder: String) throws -> Int32 {
    let status = try live.nsbuild(["status", "live", "--format", "json"], folder)
    let json = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
    return try #require(json?["pid"] as? Int32, "\(status.stdout)")
  }

  /// The init's mounts at or beneath `path`, without their ids (which a mount attached again keeps not).
  func mounts(_ pid: Int32, at path: String) throws -> [String] {
    try String(contentsOfFile: "/proc/\(pid)/mountinfo", encoding: .utf8).split(separator: "\n").compactMap { line in
      let fields = line.split(separator: " ")
      guard fields.count > 4, fields[4] == path || fields[4].hasPrefix(path + "/") else { return nil }
      return fields.dropFirst(2).joined(separator: " ")
    }
  }

  /// `spec` (the base, then `extra` and the sandbox's [process]) written beside the applied one, and applied.
  func apply(_ extra: String, _ folder: String) throws -> NSBuildProcess.Result {
    let applied = try String(contentsOfFile: folder + "/s.toml", encoding: .utf8)
    let spec = folder + "/new.toml"
    try Data(applied.replacingOccurrences(of: "[process]", with: extra + "[process]").utf8).write(
      to: URL(fileURLWithPath: spec))
    return try live.nsbuild(["apply", spec, "--target", "live"], folder)
  }

  @Test func anOverlayIsAddedWhereItsTargetFolderIsMissing() throws {
    try withFolder { folder in
      try FileManager.default.createDirectory(atPath: folder + "/lower", withIntermediateDirectories: false)
      try live.withSandbox(folder, Self.base) {
        let overlay =
          "[[mounts]]\ntype = \"overlay\"\ntarget = \"\(folder)/ov\"\nlower = [\"\(folder)/lower\"]\n"
          + "upper = \"tmpfs\"\n"
        let result = try apply(overlay, folder)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(try mounts(try initPID(folder), at: folder + "/ov").contains { $0.contains(" - overlay ") })
      }
    }
  }

  @Test func aProcIsAddedOnTheHostsAndAFailedApplyPutsTheHostsBack() throws {
    try withFolder { folder in
      try Data("other".utf8).write(to: URL(fileURLWithPath: folder + "/exists"))
      try live.withSandbox(folder, Self.base) {
        let pid = try initPID(folder)
        let before = try mounts(pid, at: "/proc")
        let proc = "[[mounts]]\ntype = \"proc\"\ntarget = \"/proc\"\n"
        // A later step fails (nsbuild never overwrites a file): the proc attached is taken off, the host's back.
        let failing = proc + "[[files]]\ntype = \"file\"\npath = \"\(folder)/exists\"\ncontent = \"mine\"\n"
        let failed = try apply(failing, folder)
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("exists with other contents"), "\(failed.stderr)")
        #expect(try mounts(pid, at: "/proc") == before)

        let result = try apply(proc, folder)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let after = try mounts(pid, at: "/proc")
        #expect(after.first.map { $0.contains(" / /proc ") && $0.contains(" - proc ") } == true, "\(after)")
        #expect(after != before, "\(after)")
        // The proc is the sandbox's: its init is pid 1 there.
        let nsenter = try #require(TargetPlanEndToEndTests.nsenter)
        let inside = try NSBuildProcess.runCommand(nsenter, ["-t", "\(pid)", "-m", "--", "cat", "/proc/1/cmdline"])
        #expect(!inside.stdout.contains("systemd") && !inside.stdout.hasPrefix("/sbin/init"), "\(inside.stdout)")
      }
    }
  }

  @Test(.enabled(if: TargetPlanEndToEndTests.nsenter != nil, "needs nsenter(1) to mount by hand"))
  func aMountMadeByHandOnTopOfTheSpecsIsTheOnlyOneTakenOff() throws {
    try withFolder { folder in
      try FileManager.default.createDirectory(atPath: folder + "/top", withIntermediateDirectories: false)
      let tmpfs = "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"\(folder)/top\"\n"
      try live.withSandbox(folder, Self.base + tmpfs) {
        let pid = try initPID(folder)
        let nsenter = try #require(TargetPlanEndToEndTests.nsenter)
        let byHand = try NSBuildProcess.runCommand(
          nsenter,
          [
            "-t", "\(pid)", "-m", "--", "/bin/sh", "-c",
            "echo precious > \(folder)/top/data && mount --bind /etc \(folder)/top",
          ])
        try #require(byHand.status == 0, "\(byHand.stderr)")
        let result = try live.nsbuild(["apply", folder + "/s.toml", "--target", "live"], folder)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let stacked = try mounts(pid, at: folder + "/top").filter { $0.contains(" \(folder)/top ") }
        #expect(stacked.count == 1 && stacked.first?.contains(" - tmpfs ") == true, "\(stacked)")
        let data = try NSBuildProcess.runCommand(nsenter, ["-t", "\(pid)", "-m", "--", "cat", folder + "/top/data"])
        #expect(data.stdout == "precious\n", "\(data.stderr)")
      }
    }
  }
}
