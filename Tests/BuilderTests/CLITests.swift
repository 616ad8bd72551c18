import Foundation
import Testing

/// The command line's contract: colour only on a terminal and never with NO_COLOR; exit statuses of plan.
@Suite struct CLITests {
  static let broken = "version = 1\n[namespaces]\nunshare = [\"uts\"]\n[uts]\nhostnme = \"x\"\n"

  /// Runs `nsbuild ARGS` under script(1), which gives it a terminal.
  func onTerminal(_ arguments: [String], environment: String = "") throws -> String {
    // env(1) clears a NO_COLOR the test runner itself may carry, then sets what the test asks for.
    let command = (["env", "-u", "NO_COLOR", environment, NSBuildProcess.binary] + arguments).filter { !$0.isEmpty }
      .joined(separator: " ")
    return try NSBuildProcess.runCommand("/usr/bin/script", ["-qec", command, "/dev/null"]).stdout
  }

  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a terminal"))
  func colourOnlyOnATerminalAndNeverWithNOCOLOR() throws {
    let folder = try NSBuildProcess.publicCopy(specs: ["bad.toml": Self.broken])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let spec = folder + "/bad.toml"
    let coloured = try onTerminal(["check", spec])
    #expect(coloured.contains("\u{1B}["), "\(coloured.debugDescription)")
    #expect(!(try onTerminal(["check", spec], environment: "NO_COLOR=1")).contains("\u{1B}["))
    let piped = try NSBuildProcess.run(["check", spec])
    #expect(piped.status == 1)
    #expect(!piped.stderr.contains("\u{1B}["))
    #expect(piped.stderr.contains("bad.toml:5:1: error: unknown key 'hostnme' in [uts]"))
  }

  @Test func detailedExitcodeSaysWhetherAnythingWouldChange() throws {
    // Setting the hostname nsbuild already has is the one plan with nothing to change but the namespace itself;
    // a spec with no namespaces and a hostname-free plan still forks and execs, so it reports changes (2).
    let plan = try NSBuildProcess.run(["plan", "--detailed-exitcode", specsDirectory + "/minimal.toml"])
    #expect(plan.status == 2)
    let plain = try NSBuildProcess.run(["plan", specsDirectory + "/minimal.toml"])
    #expect(plain.status == 0)
    #expect(
      plain.stdout.contains("Plan: ")
        && plain.stdout.contains("Legend: + create  ~ change in place  = already as wanted (skipped)"))
    let folder = try NSBuildProcess.publicCopy(specs: ["bad.toml": Self.broken])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    #expect(try NSBuildProcess.run(["plan", "--detailed-exitcode", folder + "/bad.toml"]).status == 1)
  }

  @Test func checkWarnsAboutMountOrderWithoutFailing() throws {
    let spec = """
      version = 1
      [namespaces]
      unshare = ["mount"]
      [[mounts]]
      type = "tmpfs"
      target = "/srv/data"
      [[mounts]]
      type = "tmpfs"
      target = "/srv"
      """
    let folder = try NSBuildProcess.publicCopy(specs: ["order.toml": spec])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let result = try NSBuildProcess.run(["check", folder + "/order.toml"])
    #expect(result.status == 0)
    #expect(
      result.stderr.contains(
        "order.toml:7:1: warning: mounts[1] on /srv is mounted before /srv/data, written earlier: parents go first"))
  }

  @Test func checkJSONListsEveryDiagnostic() throws {
    let folder = try NSBuildProcess.publicCopy(specs: ["bad.toml": Self.broken + "[process]\nargs = []\n"])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let result = try NSBuildProcess.run(["check", "--format", "json", folder + "/bad.toml"])
    #expect(result.status == 1)
    let list = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
    #expect(list?.count == 2)
    #expect(list?.first?["code"] as? String == "unknown-key")
    #expect(list?.first?["hint"] as? String == "did you mean 'hostname'?")
    #expect(list?.first?["line"] as? Int == 5)
    #expect(list?.last?["code"] as? String == "empty-args")
  }
}
