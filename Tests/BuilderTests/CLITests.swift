import Foundation
import Testing

/// The command line's contract: colour only on a terminal and never with NO_COLOR; exit statuses of plan.
@Suite struct CLITests {
  static let broken = "version = 1\n[namespaces]\nunshare = [\"uts\", \"user\"]\n[uts]\nhostnme = \"x\"\n"

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

  @Test(.enabled(if: NSBuildProcess.isRoot, "runs a sandbox, which needs root"))
  func detailedExitcodeSaysWhetherRunWouldChangeTheHost() throws {
    // minimal.toml leaves nothing behind on the host: 0.
    #expect(try NSBuildProcess.run(["plan", "--detailed-exitcode", specsDirectory + "/minimal.toml"]).status == 0)
    let folder = try NSBuildProcess.publicCopy(specs: [:])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let spec = """
      version = 1
      [namespaces]
      unshare = ["mount"]
      [[files]]
      type = "file"
      path = "\(folder)/note"
      content = "hello"
      """
    try Data(spec.utf8).write(to: URL(fileURLWithPath: folder + "/s.toml"))
    // A file to create on the host: 2, and the plan says which.
    let before = try NSBuildProcess.run(["plan", "--detailed-exitcode", folder + "/s.toml", "--", "true"])
    #expect(before.status == 2)
    #expect(before.stdout.contains("left on the host: \(folder)/note"))
    #expect(try NSBuildProcess.run(["run", folder + "/s.toml", "--", "true"]).status == 0)
    // Once it is there with these contents the step is `=` and skipped: 0.
    let after = try NSBuildProcess.run(["plan", "--detailed-exitcode", folder + "/s.toml", "--", "true"])
    #expect(after.status == 0)
    #expect(after.stdout.contains("= init     create file \(folder)/note  (already these contents)"))
    let broken = try NSBuildProcess.publicCopy(specs: ["bad.toml": Self.broken])
    defer { try? FileManager.default.removeItem(atPath: broken) }
    #expect(try NSBuildProcess.run(["plan", "--detailed-exitcode", broken + "/bad.toml"]).status == 1)
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
        "order.toml:7:1: warning: this mount on /srv is mounted before /srv/data, written earlier (line 4): parents go first"
      ))
  }

  @Test func checkJSONListsEveryDiagnostic() throws {
    let folder = try NSBuildProcess.publicCopy(specs: ["bad.toml": Self.broken + "[process]\nargs = []\n"])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let result = try NSBuildProcess.run(["check", "--format", "json", folder + "/bad.toml"])
    #expect(result.status == 1)
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    #expect(object?["format_version"] as? Int == 2)
    let specs = object?["specs"] as? [[String: Any]]
    #expect(specs?.count == 1)
    #expect(specs?.first?["spec"] as? String == folder + "/bad.toml")
    #expect(specs?.first?["ok"] as? Bool == false)
    let list = specs?.first?["diagnostics"] as? [[String: Any]]
    #expect(list?.count == 2)
    #expect(list?.first?["code"] as? String == "unknown-key")
    #expect(list?.first?["hint"] as? String == "did you mean 'hostname'?")
    #expect(list?.first?["line"] as? Int == 5)
    #expect(list?.last?["code"] as? String == "empty-args")
  }

  /// Whatever stops a plan, `plan --format json` still prints JSON: the spec cannot be read, or has no command.
  @Test func planJSONCarriesEveryKindOfFailure() throws {
    let folder = try NSBuildProcess.publicCopy(specs: ["nocmd.toml": "version = 1\n[namespaces]\nunshare = [\"uts\"]\n"]
    )
    defer { try? FileManager.default.removeItem(atPath: folder) }
    for (spec, code, message) in [
      ("nocmd.toml", "no-command", "no command to run"),
      ("missing.toml", "unreadable", "missing.toml: openat(2): ENOENT"),
    ] {
      let result = try NSBuildProcess.run(["plan", "--format", "json", folder + "/" + spec])
      #expect(result.status == 1)
      let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
      let diagnostics = object?["diagnostics"] as? [[String: Any]]
      #expect(object?["format_version"] as? Int == 2)
      #expect(diagnostics?.first?["code"] as? String == code)
      #expect((diagnostics?.first?["message"] as? String)?.contains(message) == true, "\(result.stdout)")
    }
  }
}
