import Foundation
import SpecParser
import Testing

@testable import Builder
@testable import nsbuild

/// `plan` keeps the whole review in one place: the spec's warnings (with their source lines and help) and the
/// plan's, on stdout, each once; a caller without root is spared warnings about a host root it cannot be.
@Suite struct ReviewWarningsCLITests: ScratchFolderTests {
  /// A mount written before its parent, `uid` without `gid`, and slave propagation: spec and plan warnings.
  static func spec(in folder: String) -> String {
    """
    version = 1
    [namespaces]
    unshare = ["mount", "pid"]
    [root]
    propagation = "slave"
    [[mounts]]
    type = "tmpfs"
    target = "\(folder)/a/b"
    [[mounts]]
    type = "tmpfs"
    target = "\(folder)/a"
    [process]
    args = ["true"]
    uid = 1000
    """
  }

  @Test func textPlanPrintsEveryWarningOnStdoutOnce() throws {
    try withFolder { folder in
      let path = try write(Self.spec(in: folder), to: folder)
      let result = try NSBuildProcess.run(["plan", path])
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stderr.isEmpty, "plan > review.txt must keep every warning: \(result.stderr)")
      // The spec's own warning, as `check` shows it: with its source line, caret and help.
      #expect(result.stdout.contains("\(path):14:7: warning: `uid` is set without `gid`"))
      #expect(result.stdout.contains("14 | uid = 1000"))
      #expect(result.stdout.contains("= help: set `gid` too"))
      // The planner's order warning (which `check` shows too) once, and the plan's own warnings as well.
      #expect(result.stdout.components(separatedBy: "parents go first").count == 2, "\(result.stdout)")
      #expect(result.stdout.contains("propagation = \"slave\""))
    }
  }

  @Test func jsonPlanWarningsKeepTheirHint() throws {
    try withFolder { folder in
      let path = try write(Self.spec(in: folder), to: folder)
      let result = try NSBuildProcess.run(["plan", "--format", "json", path])
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stderr.isEmpty, "\(result.stderr)")
      let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
      let warnings = try #require(document?["warnings"] as? [[String: Any]])
      let uid = try #require(warnings.first { ($0["message"] as? String)?.contains("`uid` is set") == true })
      #expect((uid["hint"] as? String)?.contains("set `gid` too") == true)
      #expect(warnings.filter { ($0["message"] as? String)?.contains("parents go first") == true }.count == 1)
    }
  }

  /// A plan warning that says what a spec warning at the same place says is shown once, as the spec's.
  @Test func planWarningRepeatingASpecWarningIsShownOnce() {
    let range = SourceRange(at: SourceLocation(line: 3, column: 1, offset: 20))
    let spec = Diagnostic(.warning, code: "mount-order", message: "moved", file: "s.toml", range: range)
    let plan = Plan(
      steps: [], warnings: [PlanWarning("moved", origin: range), PlanWarning("other", origin: range)])
    let text = PlanTextRenderer(color: false, file: "s.toml").render(
      plan, specWarnings: [spec], source: Array("version = 1\n\n[[mounts]]\n".utf8))
    #expect(text.components(separatedBy: "warning: moved").count == 2, "\(text)")
    #expect(text.contains("s.toml:3:1: warning: other"))
  }

  /// Without root, a spec without a user namespace cannot run at all: `plan` and `run` say that it needs root and
  /// not what host root could do; `check`, which describes the spec for whoever runs it, keeps those warnings.
  @Test(.enabled(if: NSBuildProcess.isRoot, "needs root to run nsbuild as another user"))
  func callerWithoutRootGetsNoHostRootWarnings() throws {
    let dev = try String(contentsOfFile: packageRoot + "/specs/dev.toml", encoding: .utf8)
    let folder = try NSBuildProcess.publicCopy(specs: ["dev.toml": dev])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let binary = folder + "/nsbuild"
    let hostRoot = ["as host root", "runs as host root"]
    let plan = try NSBuildProcess.run(["plan", folder + "/dev.toml"], binary: binary, asUser: 65534)
    #expect(plan.status == 0, "\(plan.stderr)")
    #expect(plan.stdout.contains("this spec needs root"), "\(plan.stdout)")
    #expect(!hostRoot.contains { plan.stdout.contains($0) || plan.stderr.contains($0) }, "\(plan.stdout)")
    let run = try NSBuildProcess.run(["run", folder + "/dev.toml", "--", "true"], binary: binary, asUser: 65534)
    #expect(run.status == 125)
    #expect(!hostRoot.contains { run.stderr.contains($0) }, "\(run.stderr)")
    let check = try NSBuildProcess.run(["check", folder + "/dev.toml"], binary: binary, asUser: 65534)
    #expect(check.stderr.contains("runs as host root"), "\(check.stderr)")
  }

  /// A caller without root that holds CAP_SYS_ADMIN (here ambient, through capsh) can run such a spec, and its
  /// command is then host root: `plan` keeps the host-root warnings for it.
  @Test(
    .enabled(if: NSBuildProcess.isRoot, "needs root to hand capabilities to another user"),
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/capsh"), "needs capsh (libcap2-bin)"))
  func callerWithCapSysAdminKeepsTheHostRootWarnings() throws {
    let dev = try String(contentsOfFile: packageRoot + "/specs/dev.toml", encoding: .utf8)
    let folder = try NSBuildProcess.publicCopy(specs: ["dev.toml": dev])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let caps = "cap_sys_admin,cap_setuid,cap_setgid,cap_setpcap"
    let plan = try NSBuildProcess.runCommand(
      "/usr/sbin/capsh",
      [
        "--caps=\(caps)+eip", "--keep=1", "--user=nobody", "--addamb=\(caps)", "--",
        "-c", "\"$0\" plan \"$1\" -- true", folder + "/nsbuild", folder + "/dev.toml",
      ])
    #expect(plan.stdout.contains("runs as host root"), "\(plan.stdout)\(plan.stderr)")
  }

  /// A link that is the path itself is named once (`/x/evil -> ../real`), not as `/x/evil: /x/evil -> ../real`.
  @Test func aSymlinkWarningNamesItsPathOnce() {
    #expect(Planner.naming("/x/evil", HostLink(path: "/x/evil", destination: "../real")) == "/x/evil -> ../real")
    #expect(
      Planner.naming("/x/evil/f", HostLink(path: "/x/evil", destination: "../real")) == "/x/evil/f: /x/evil -> ../real")
  }

  /// The help never suggests handing a folder to nobody, the overflow ID every unmapped file shows as.
  @Test func writeAccessHelpNeverSuggestsGivingAFolderToNobody() {
    #expect(Planner.fix("/r", uid: 100000, gid: 100000) == "chown 100000:100000 /r, or map its owner in")
    let nobody = Planner.fix("/tmp/f2", uid: 65534, gid: 65534)
    #expect(!nobody.contains("chown 65534"))
    #expect(nobody.contains("run nsbuild as the folder's owner"))
  }

  /// The summary line names ten host changes and counts the rest; JSON keeps every one.
  @Test func summaryLineNamesTenHostChangesAndCountsTheRest() {
    let changes = (1...25).map { "file /f\($0)" }
    let plan = Plan(steps: [], hostChanges: changes)
    let text = PlanTextRenderer(color: false, file: "s.toml").render(plan)
    #expect(text.contains("left on the host: file /f1, file /f2, "))
    #expect(text.contains("file /f10 and 15 more\n"), "\(text)")
    #expect(!text.contains("file /f11"))
    #expect(PlanJSON(plan, file: "s.toml").summary.host_changes == changes)
  }

  /// The host-root help's combination for a project folder you own works: `"user"` unshared and nsbuild run as the
  /// folder's owner, not as root (specs/build.toml copied into the project, as its comment says).
  @Test(.enabled(if: NSBuildProcess.isRoot, "needs root to run nsbuild as another user"))
  func hostRootHelpLeadsToAWorkingRootlessBuild() throws {
    let build = try String(contentsOfFile: packageRoot + "/specs/build.toml", encoding: .utf8)
    let check = decodeSpecCheck(build)
    let help = try #require(check.diagnostics.first { $0.code == "host-root" }?.hint)
    #expect(help.contains("add \"user\" to [namespaces] unshare and run nsbuild as yourself, not as root"))
    let rootless = build.replacingOccurrences(of: "unshare = [\"mount\"", with: "unshare = [\"user\", \"mount\"")
    #expect(rootless != build)
    let folder = try NSBuildProcess.publicCopy(specs: [:])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let project = folder + "/proj"
    let owner: UInt32 = 1000
    try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: false)
    try Data(rootless.utf8).write(to: URL(fileURLWithPath: project + "/sandbox.toml"))
    #expect(chown(project, owner, owner) == 0 && chown(project + "/sandbox.toml", owner, owner) == 0)
    let run = try NSBuildProcess.run(
      ["run", "sandbox.toml", "--", "/bin/sh", "-c", "touch built"], binary: folder + "/nsbuild", asUser: owner,
      directory: project)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(!run.stderr.contains("host root"), "\(run.stderr)")
    let made = try FileManager.default.attributesOfItem(atPath: project + "/built")
    #expect((made[.ownerAccountID] as? NSNumber)?.uint32Value == owner)
  }
}

private func decodeSpecCheck(_ text: String) -> SpecCheck {
  SpecDecoder.decode(source: Array(text.utf8), file: "sandbox.toml", directory: "/work/project")
}
