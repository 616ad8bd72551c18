import Foundation
import Testing

/// The command's process as `[process]` describes it, and nsbuild's init: checked from inside and from the host.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct ProcessTests {
  static let base = """
    version = 1
    [namespaces]
    unshare = ["mount", "pid", "uts", "ipc", "net"]
    [[mounts]]
    type = "proc"
    target = "/proc"

    """

  /// Runs `script` with `/bin/sh -c` in a sandbox made from `spec`.
  func run(_ spec: String, _ script: String, environment: [String: String] = [:]) throws -> NSBuildProcess.Result {
    let folder = try NSBuildProcess.publicCopy(specs: ["s.toml": spec])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    return try NSBuildProcess.run(["run", folder + "/s.toml", "--", "/bin/sh", "-c", script], environment: environment)
  }

  @Test func defaultsDropEveryCapabilityAndSetNoNewPrivs() throws {
    let result = try run(
      Self.base, "grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):' /proc/self/status | awk '{print $2}'")
    #expect(result.stdout == String(repeating: "0000000000000000\n", count: 5) + "1\n", "\(result.stderr)")
  }

  /// The command holds exactly the listed capabilities that nsbuild's own bounding set has; plan says which not.
  @Test func capabilitiesAreKeptAsFarAsTheBoundingSetAllows() throws {
    let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
    let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("CapBnd:") })
    let bounding = try #require(UInt64(line.split(separator: "\t").last ?? "", radix: 16))
    // CAP_NET_ADMIN (12) and CAP_SYS_RESOURCE (24): some machines' bounding sets lack the latter.
    let wanted: UInt64 = 1 << 12 | 1 << 24
    let spec = Self.base + "[process]\ncapabilities = [\"CAP_NET_ADMIN\", \"CAP_SYS_RESOURCE\"]\n"
    let result = try run(spec, "grep '^CapEff:' /proc/self/status | awk '{print $2}'")
    #expect(result.stdout == String(format: "%016llx\n", bounding & wanted), "\(result.stderr)")
    let folder = try NSBuildProcess.publicCopy(specs: ["s.toml": spec])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let plan = try NSBuildProcess.run(["plan", folder + "/s.toml", "--", "true"])
    let output = plan.stdout + plan.stderr
    #expect(output.contains("runs without them: CAP_SYS_RESOURCE") == (bounding & 1 << 24 == 0), "\(output)")
  }

  @Test func keptCapabilitiesSurviveASwitchToANonRootUser() throws {
    let spec =
      Self.base + """
        [process]
        uid = 1000
        gid = 1000
        groups = [2000, 3000]
        capabilities = ["CAP_NET_BIND_SERVICE"]
        no_new_privs = false
        umask = "0027"
        """
    let script =
      "grep -E '^(Uid|Gid|Groups|CapEff|CapAmb|CapBnd|NoNewPrivs|Umask):' /proc/self/status | tr -s '\\t ' ' '"
    let result = try run(spec, script)
    #expect(
      result.stdout == """
        Umask: 0027
        Uid: 1000 1000 1000 1000
        Gid: 1000 1000 1000 1000
        Groups: 2000 3000 
        CapEff: 0000000000000400
        CapBnd: 0000000000000400
        CapAmb: 0000000000000400
        NoNewPrivs: 0

        """, "\(result.stderr)")
  }

  @Test func rlimitsApply() throws {
    let spec =
      Self.base + """
        [process]
        rlimits = { nofile = { soft = 512, hard = 512 }, nproc = { soft = 50, hard = 100 }, cpu = 3 }
        """
    let result = try run(spec, "grep -E '^Max (open files|processes|cpu time)' /proc/self/limits | tr -s ' ' ' '")
    #expect(
      result.stdout == "Max cpu time 3 3 seconds \nMax processes 50 100 processes \nMax open files 512 512 files \n",
      "\(result.stderr)")
  }

  @Test func clearedEnvironmentLeavesNoTraceAnywhere() throws {
    let spec =
      Self.base + """
        [process]
        clear_env = true
        env = { ONLY = "this" }
        """
    let script = "env | sort; tr '\\0' '\\n' < /proc/1/environ | grep -c NSBUILD_SECRET"
    let result = try run(spec, script, environment: ["NSBUILD_SECRET": "leak"])
    #expect(result.stdout.split(separator: "\n").contains("ONLY=this"))
    #expect(!result.stdout.contains("NSBUILD_SECRET=leak"))
    #expect(result.stdout.hasSuffix("0\n"), "\(result.stdout)")
  }

  @Test func environmentSetAndUnset() throws {
    let spec =
      Self.base + """
        [process]
        env = { FOO = "bar" }
        unset = ["BAR2"]
        """
    let result = try run(spec, "echo \"$FOO$BAR$BAR2\"", environment: ["FOO": "wrong", "BAR": "baz", "BAR2": "gone"])
    #expect(result.stdout == "barbaz\n")
  }

  @Test func onlyStandardStreamsReachTheCommand() throws {
    let result = try run(Self.base, "ls /proc/self/fd")
    // 0, 1, 2 and the descriptor ls opens to read the folder.
    #expect(result.stdout == "0\n1\n2\n3\n", "\(result.stderr)")
  }

  @Test func commandIsPID2InANewSessionUnderNSBuildsInit() throws {
    let result = try run(
      Self.base, "grep -E '^(Pid|PPid):' /proc/$$/status | awk '{print $2}'; ps -o sid= -p $$; cat /proc/1/comm")
    let lines = result.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    #expect(lines == ["2", "1", "2", "nsbuild-init"], "\(result.stderr)")
  }

  @Test func loopbackIsUpUnlessTheSpecSaysOtherwise() throws {
    // /sys would show the host's interfaces unless remounted; ip(8) asks the sandbox's own network namespace.
    let script = "ip -o link show | awk '{print $2, $3}'"
    let up = try run(Self.base, script)
    #expect(up.stdout == "lo: <LOOPBACK,UP,LOWER_UP>\n", "\(up.stderr)")
    let down = try run(Self.base + "[net]\nloopback = false\n", script)
    #expect(down.stdout == "lo: <LOOPBACK>\n")
  }

  @Test func initReapsEveryOrphan() throws {
    let script = """
      for i in $(seq 100); do (sleep 0.01 &) ; done
      n=100; tries=0
      while [ "$n" -gt 0 ] && [ "$tries" -lt 500 ]; do
        n=$(cat /proc/[0-9]*/stat 2>/dev/null | awk '$3=="Z"' | wc -l); tries=$((tries+1)); sleep 0.02
      done
      echo zombies=$n
      """
    let result = try run(Self.base, script)
    #expect(result.stdout == "zombies=0\n", "\(result.stderr)")
  }
}

/// Signals and lifetime: a signal to nsbuild reaches the command; the sandbox dies with nsbuild.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct SignalTests {
  static let spec = ProcessTests.base

  /// Starts nsbuild running `script`, and waits until the script has created /mnt/ready (a host folder).
  func start(_ script: String) throws -> (process: Process, folder: String) {
    let folder = try NSBuildProcess.publicCopy(specs: [:])
    let out = folder + "/out"
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    let spec = Self.spec + "[[mounts]]\ntype = \"bind\"\nsource = \"\(out)\"\ntarget = \"/mnt\"\n"
    try Data(spec.utf8).write(to: URL(fileURLWithPath: folder + "/s.toml"))
    let log = folder + "/log"
    let process = try NSBuildProcess.start(
      ["run", folder + "/s.toml", "--", "/bin/sh", "-c", script], log: log)
    do {
      try waitFor("sandbox start") { FileManager.default.fileExists(atPath: out + "/ready") || !process.isRunning }
      guard process.isRunning else { throw TestFailure("nsbuild ended early") }
    } catch {
      throw TestFailure("\(error): \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }
    return (process, folder)
  }

  @Test(arguments: [(15, "TERM"), (10, "USR1"), (12, "USR2"), (2, "INT"), (1, "HUP"), (3, "QUIT")])
  func signalReachesTheCommand(signal: Int32, name: String) throws {
    let (process, folder) = try start(
      "trap 'touch /mnt/got-\(name); exit 3' \(name); touch /mnt/ready; sleep 100 & wait $!")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    kill(process.processIdentifier, signal)
    process.waitUntilExit()
    #expect(FileManager.default.fileExists(atPath: folder + "/out/got-\(name)"))
    #expect(process.terminationStatus == 3)
  }

  @Test func interruptReachesTheCommandsWholeProcessGroup() throws {
    // sh traps SIGINT and waits for its `sleep`; only a signal to the whole group ends the sleep early, so that
    // `slept` is never written. Sent to sh alone, the trap would wait for the sleep to finish. `ready` is touched
    // by the foreground child that becomes the sleep, so the signal cannot arrive before that child exists.
    let script =
      "trap 'echo int >> /mnt/log' INT; (touch /mnt/ready; exec sleep 100) && touch /mnt/slept; touch /mnt/after"
    let (process, folder) = try start(script)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    kill(process.processIdentifier, SIGINT)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    #expect(FileManager.default.fileExists(atPath: folder + "/out/after"))
    #expect(!FileManager.default.fileExists(atPath: folder + "/out/slept"))
  }

  /// Under nohup(1), SIGHUP stays ignored all the way down: nsbuild neither ends on it nor unignores it.
  @Test func anIgnoredHangupStaysIgnoredDownToTheCommand() throws {
    let folder = try NSBuildProcess.publicCopy(specs: ["s.toml": Self.spec])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let result = try NSBuildProcess.runCommand(
      "/usr/bin/env",
      [
        "--ignore-signal=HUP", NSBuildProcess.binary, "run", folder + "/s.toml", "--", "/bin/sh", "-c",
        "kill -HUP $$; echo alive",
      ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == "alive\n")
  }

  @Test func sigtermEndsAnUntrappingCommandWith143() throws {
    let (process, folder) = try start("touch /mnt/ready; sleep 100")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    kill(process.processIdentifier, SIGTERM)
    process.waitUntilExit()
    #expect(process.terminationReason == .exit)
    #expect(process.terminationStatus == 143)
  }

  @Test func sigkillOfTheCommandGives137() throws {
    let (process, folder) = try start("touch /mnt/ready; exec sleep 100")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    // nsbuild → sandbox process → init → the command, seen from the host.
    let sandbox = try #require(children(of: process.processIdentifier).first)
    let initPID = try #require(children(of: sandbox).first)
    let command = try #require(children(of: initPID).first)
    kill(command, SIGKILL)
    process.waitUntilExit()
    #expect(process.terminationStatus == 137)
  }

  @Test func theSandboxDiesWithNSBuild() throws {
    let (process, folder) = try start("touch /mnt/ready; sleep 1000")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    #expect(!processes(mentioning: folder).isEmpty)
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    try waitFor("every sandbox process to end") { processes(mentioning: folder).isEmpty }
    #expect(processes(mentioning: folder).isEmpty)
  }
}

/// Polls `condition` every 20 ms for up to 20 s; throws when it never holds. Not a timing assertion: the bound only
/// stops a broken build from hanging the suite.
func waitFor(_ what: String, _ condition: () -> Bool) throws {
  for _ in 0..<1000 {
    if condition() { return }
    usleep(20_000)
  }
  throw TestFailure("timed out waiting for \(what)")
}

/// The children of `pid`, from the host's /proc.
func children(of pid: Int32) -> [Int32] {
  let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
  return text.split(separator: " ").compactMap { Int32($0) }
}
