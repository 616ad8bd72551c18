import Foundation
import Testing

/// How the command line reads what it is given: no arguments, several specs for `check`, ./sandbox.toml when the
/// spec is left out, and a `run` command given without `--`.
@Suite struct CommandLineUsageTests {
  static let good = "version = 1\n[namespaces]\nunshare = [\"uts\"]\n[process]\nargs = [\"/bin/true\"]\n"

  @Test func noArgumentsIsAUsageError() throws {
    let result = try NSBuildProcess.run([])
    #expect(result.status == 64)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.contains("USAGE: nsbuild <subcommand>"), "\(result.stderr)")
  }

  @Test func checkReadsEverySpecAndFailsWhenAnyFails() throws {
    let folder = try NSBuildProcess.publicCopy(specs: ["good.toml": Self.good, "bad.toml": CLITests.broken])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let both = try NSBuildProcess.run(["check", folder + "/good.toml", folder + "/bad.toml"])
    #expect(both.status == 1)
    #expect(both.stderr.contains("\(folder)/good.toml: ok"))
    #expect(both.stderr.contains("bad.toml:5:1: error: unknown key 'hostnme' in [uts]"))
    #expect(try NSBuildProcess.run(["check", folder + "/good.toml", folder + "/good.toml"]).status == 0)
    let json = try NSBuildProcess.run(["check", "--format", "json", folder + "/bad.toml", folder + "/good.toml"])
    #expect(json.status == 1)
    let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
    let specs = object?["specs"] as? [[String: Any]] ?? []
    #expect(specs.map { $0["spec"] as? String } == [folder + "/bad.toml", folder + "/good.toml"])
    #expect(specs.map { $0["ok"] as? Bool } == [false, true])
    let firstCodes = (specs.first?["diagnostics"] as? [[String: Any]])?.compactMap { $0["code"] as? String }
    #expect(firstCodes?.contains("unknown-key") == true)
  }

  @Test func aMissingSpecIsSandboxTomlWhenItExists() throws {
    let folder = try NSBuildProcess.publicCopy(specs: [:])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    // None there: a usage error naming the file it looked for.
    let none = try NSBuildProcess.run(["check"], directory: folder)
    #expect(none.status == 64)
    #expect(none.stderr.contains("no ./sandbox.toml"), "\(none.stderr)")
    #expect(try NSBuildProcess.run(["plan"], directory: folder).status == 64)
    #expect(try NSBuildProcess.run(["run", "--", "true"], directory: folder).status == 125)
    try Data(Self.good.utf8).write(to: URL(fileURLWithPath: folder + "/sandbox.toml"))
    let check = try NSBuildProcess.run(["check"], directory: folder)
    #expect(check.status == 0, "\(check.stderr)")
    #expect(check.stderr.contains("sandbox.toml: ok"))
    let plan = try NSBuildProcess.run(["plan", "--format", "json"], directory: folder)
    #expect(plan.status == 0, "\(plan.stderr)")
    #expect(plan.stdout.contains(#""spec" : "sandbox.toml""#))
    // diff OLD alone compares with ./sandbox.toml.
    let diff = try NSBuildProcess.run(["diff", folder + "/sandbox.toml"], directory: folder)
    #expect(diff.status == 0, "\(diff.stderr)")
    for command in ["check", "plan", "run", "up", "apply", "diff"] {
      let help = try NSBuildProcess.run([command, "--help"])
      let words = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
      #expect(words.contains("default: ./sandbox.toml, when it exists"), "\(command) --help")
    }
  }

  @Test func runWithoutDashDashSuggestsIt() throws {
    let folder = try NSBuildProcess.publicCopy(specs: ["s.toml": Self.good])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let result = try NSBuildProcess.run(["run", "-v", folder + "/s.toml", "ls", "-l"])
    #expect(result.status == 125)
    #expect(
      result.stderr.contains("hint: the command to run goes after `--`: nsbuild run -v \(folder)/s.toml -- ls -l"),
      "\(result.stderr)")
    // A mistake `--` would not mend gets no such hint.
    let other = try NSBuildProcess.run(["run", "--no-such-flag"])
    #expect(other.status == 125)
    #expect(!other.stderr.contains("hint:"))
  }
}
