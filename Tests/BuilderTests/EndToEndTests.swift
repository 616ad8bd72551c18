import Foundation
import Testing

/// Real sandboxes from the example specs, built by the real binary, checked from inside and from the host.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct EndToEndTests {
  let dev = specsDirectory + "/dev.toml"

  @Test func devSandboxFromInside() throws {
    let before = try HostSnapshot.take()
    let script = """
      hostname; domainname; echo pid=$$; cat /proc/1/comm
      awk '$5=="/tmp"{split($0,p," - "); split(p[2],b," "); t=b[1]} END{print "tmp="t}' /proc/self/mountinfo
      stat -c 'tmpmode=%a' /tmp
      awk '$5=="/usr"{split($6,o,","); u=o[1]} END{print "usr="u}' /proc/self/mountinfo
      touch /usr/nsbuild-probe 2>/dev/null && echo usr-writable || echo usr-readonly
      ls /proc | grep -c '^[0-9]'
      """
    let result = try NSBuildProcess.run(["run", dev, "--", "/bin/sh", "-c", script])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(
      Array(lines.prefix(8)) == [
        "devbox", "example.internal", "pid=2", "nsbuild-init", "tmp=tmpfs", "tmpmode=1777", "usr=ro", "usr-readonly",
      ])
    // init, sh, ls and grep: the pid namespace holds only the sandbox's processes.
    #expect(Int(lines.last ?? "") ?? 99 <= 4)
    try HostSnapshot.expectUnchanged(since: before)
    #expect(!FileManager.default.fileExists(atPath: "/usr/nsbuild-probe"))
  }

  @Test func hostnameCommandPrintsTheSpecsHostname() throws {
    let before = try HostSnapshot.take()
    let result = try NSBuildProcess.run(["run", dev, "--", "hostname"])
    #expect(result.status == 0)
    #expect(result.stdout == "devbox\n")
    try HostSnapshot.expectUnchanged(since: before)
  }

  struct ExitCase: Sendable, CustomTestStringConvertible {
    var command: [String]
    var expected: Int32
    var testDescription: String { "\(command) → \(expected)" }
  }

  static let exitCases: [ExitCase] = [
    ExitCase(command: ["true"], expected: 0),
    ExitCase(command: ["/bin/sh", "-c", "exit 7"], expected: 7),
    ExitCase(command: ["/bin/sh", "-c", "kill -9 $$"], expected: 137),
    ExitCase(command: ["nsbuild-no-such-command"], expected: 127),
    ExitCase(command: ["/nonexistent/binary", "arg1"], expected: 127),
    ExitCase(command: ["/etc/hostname"], expected: 126),
    ExitCase(command: ["/"], expected: 126),
  ]

  @Test(arguments: exitCases)
  func exitStatusFollowsTheCommand(_ exitCase: ExitCase) throws {
    let result = try NSBuildProcess.run(["run", dev, "--"] + exitCase.command)
    #expect(result.status == exitCase.expected, "\(result.stderr)")
  }

  @Test func notFoundNamesTheCommandAndErrno() throws {
    let result = try NSBuildProcess.run(["run", dev, "--", "/nonexistent/binary"])
    #expect(result.status == 127)
    #expect(result.stderr.contains("/nonexistent/binary: execve(2): ENOENT (No such file or directory)"))
  }

  @Test func wordsAfterTheTerminatorBelongToTheCommand() throws {
    let result = try NSBuildProcess.run(["run", dev, "--", "--dev-bind", "/dev", "/dev", "sh", "-c", "echo x"])
    #expect(result.status == 127)
    #expect(result.stdout.isEmpty)
  }

  @Test func failedStepNamesItselfAndLeavesNothingBehind() throws {
    let folder = try NSBuildProcess.publicCopy(specs: [
      "broken.toml": """
      version = 1
      [namespaces]
      unshare = ["mount", "uts", "pid"]
      [uts]
      hostname = "broken"
      [[mounts]]
      type = "tmpfs"
      target = "/tmp"
      [[mounts]]
      type = "bind"
      source = "/nsbuild-missing-source"
      target = "/mnt"
      """
    ])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let before = try HostSnapshot.take()
    let result = try NSBuildProcess.run(["run", folder + "/broken.toml", "--", "true"])
    #expect(result.status == 125)
    #expect(
      result.stderr.contains(
        "error: step 6/17 open the host paths the sandbox uses: /nsbuild-missing-source: openat2(2): ENOENT"))
    #expect(!FileManager.default.fileExists(atPath: "/mnt/nsbuild-missing-source"))
    try HostSnapshot.expectUnchanged(since: before)
    #expect(processes(mentioning: folder).isEmpty)
  }

  @Test func badSpecExits125BeforeAnythingRuns() throws {
    let folder = try NSBuildProcess.publicCopy(specs: ["bad.toml": "version = 1\n[uts]\nhostname = \"x\"\n"])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let result = try NSBuildProcess.run(["run", folder + "/bad.toml", "--", "true"])
    #expect(result.status == 125)
    #expect(result.stderr.contains("bad.toml:3:12: error: hostname needs the uts namespace"))
  }

  @Test func rootlessSpecRunsAsAnUnprivilegedUser() throws {
    let text = try String(contentsOfFile: specsDirectory + "/rootless.toml", encoding: .utf8)
    let folder = try NSBuildProcess.publicCopy(specs: ["rootless.toml": text])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let before = try HostSnapshot.take()
    let script = """
      id -u; id -g; hostname; awk '{print $1,$2,$3}' /proc/self/uid_map; awk '{print $1,$2,$3}' /proc/self/gid_map
      cat /proc/self/setgroups; echo pid=$$; stat -c %a /tmp
      """
    let result = try NSBuildProcess.run(
      ["run", "rootless.toml", "--", "/bin/sh", "-c", script], binary: folder + "/nsbuild", asUser: 65534,
      directory: folder)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == "0\n0\nrootless\n0 65534 1\n0 65534 1\ndeny\npid=2\n1777\n")
    try HostSnapshot.expectUnchanged(since: before)
  }

  @Test func verboseRunNumbersEveryStepAsPlanDoes() throws {
    let plan = try NSBuildProcess.run(["plan", "--format", "json", dev, "--", "true"])
    let document = try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any]
    let steps = (document?["steps"] as? [[String: Any]]) ?? []
    let planned = steps.compactMap { step -> String? in
      guard let id = step["id"] as? Int, let title = step["title"] as? String else { return nil }
      return "nsbuild: step \(id)/\(steps.count) \(title)"
    }
    let run = try NSBuildProcess.run(["run", "--verbose", dev, "--", "true"])
    #expect(run.status == 0, "\(run.stderr)")
    let applied = run.stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("nsbuild: step ") }
    #expect(!planned.isEmpty)
    #expect(applied == planned)
  }

  @Test func checkAndPlanAcceptEveryExampleSpec() throws {
    for name in try exampleSpecNames() {
      let check = try NSBuildProcess.run(["check", specsDirectory + "/" + name])
      #expect(check.status == 0, "\(name): \(check.stderr)")
      let plan = try NSBuildProcess.run(["plan", specsDirectory + "/" + name, "--", "true"])
      #expect(plan.status == 0, "\(name): \(plan.stderr)")
      #expect(plan.stdout.contains("Plan: "), "\(name)")
    }
  }
}
