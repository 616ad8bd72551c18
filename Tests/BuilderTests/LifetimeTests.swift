import Foundation
import Testing

/// The process chain nsbuild → sandbox process → init → command ends as a whole when any link above dies, at any
/// moment, setup included, and nsbuild dies with its own parent (`[process] die_with_parent`). Each test checks the
/// outcome from the host: no process of the run left, nothing of a half-built tree left.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct LifetimeTests: ScratchFolderTests {
  /// A spec with `mounts` tmpfs mounts on new mount points under `folder`/m: each is a step, so a kill can be aimed
  /// at any moment of setup by waiting for its trace line.
  func longSpec(in folder: String, pidNamespace: Bool, mounts: Int, extra: String = "") -> String {
    var spec = "version = 1\n[namespaces]\nunshare = [\"mount\"\(pidNamespace ? ", \"pid\"" : "")]\n" + extra
    for index in 1...mounts { spec += "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"\(folder)/m/i\(index)\"\n" }
    return spec
  }

  /// A copy of sleep(1) in `folder`, so the command's own command line names the folder too.
  func sleepCopy(in folder: String) throws -> String {
    try NSBuildProcess.placeExecutable("/bin/sleep", at: folder + "/sleep")
    return folder + "/sleep"
  }

  /// Spins until `log` holds `marker` or `process` ended; bounded, so a broken build cannot hang the suite.
  func waitForTrace(_ marker: String, in log: String, of process: Process) {
    for _ in 0..<200_000 {
      if !process.isRunning || ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains(marker) { return }
      usleep(100)
    }
  }

  /// SIGKILL to nsbuild (or to the shell that started it) at one step after another of a long setup, and just
  /// after: every process of the run ends, and when init had not finished setting up (its trace never reached
  /// "close the setup fds"), nothing it made is left on the host. Without the lifeline pipe, an init forked into a
  /// new pid namespace whose parent died before PR_SET_PDEATHSIG lived on with its command; without init's
  /// parent-death signal being one it takes between steps, a SIGKILL during setup left its mount points behind.
  @Test(arguments: [(true, false), (false, false), (true, true), (false, true)])
  func aSIGKILLAtAnyMomentLeavesNoProcessAndNoHalfBuiltTree(pidNamespace: Bool, killTheParent: Bool) throws {
    try withFolder { folder in
      let sleep = try sleepCopy(in: folder)
      let spec = try write(longSpec(in: folder, pidNamespace: pidNamespace, mounts: 150), to: folder)
      let before = try HostSnapshot.take()
      // The fork steps (1, 3 and the command's) first and most often: their windows are the narrowest.
      let targets = [1, 1, 2, 3, 3, 3, 4, 5, 6, 7, 10, 40, 80, 120, 150, 155, 156, 157, 158, 160]
      for (round, step) in targets.enumerated() {
        let log = folder + "/log"
        try? FileManager.default.removeItem(atPath: log)  // a trace left from the round before must not count
        let process: Process
        if killTheParent {
          // `; :` keeps sh from exec'ing nsbuild in its place: sh stays nsbuild's parent.
          process = try startShell(
            "\"$0\" run --verbose \"$1\" -- \"$2\" 1000 2>\"$3\"; :", NSBuildProcess.binary, spec, sleep, log)
        } else {
          process = try NSBuildProcess.start(["run", "--verbose", spec, "--", sleep, "1000"], log: log)
        }
        waitForTrace("step \(step)/", in: log, of: process)
        for _ in 0..<(round * 37 % 500) { _ = getpid() }  // a little further, differently each round
        kill(process.processIdentifier, SIGKILL)
        try waitForDeath(of: process)
        try waitFor("every process of round \(round) (step \(step)) to end") {
          processes(mentioning: folder).isEmpty
        }
        let trace = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        if !trace.contains("close the setup fds") {
          #expect(!FileManager.default.fileExists(atPath: folder + "/m"), "round \(round), step \(step): \(trace)")
        }
        try? FileManager.default.removeItem(atPath: folder + "/m")
      }
      try HostSnapshot.expectUnchanged(since: before)
    }
  }

  /// Waits until `process` is dead (a zombie or gone). Not `waitUntilExit()`: Foundation hands its child a socket
  /// to learn of its end, which nsbuild started by a killed shell inherits and keeps open while it lives.
  func waitForDeath(of process: Process) throws {
    let pid = process.processIdentifier
    try waitFor("process \(pid) to die") {
      let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
      return stat.isEmpty || stat.split(separator: ")").last?.split(separator: " ").first == "Z"
    }
  }

  /// Starts `/bin/sh -c script` with `arguments` as $0, $1…, its output to /dev/null.
  func startShell(_ script: String, _ arguments: String...) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", script] + arguments
    process.environment = NSBuildProcess.markedEnvironment(arguments)
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
  }

  /// When the shell that started nsbuild is killed, nsbuild and its whole sandbox end (the default); with
  /// `die_with_parent = false` the sandbox lives on, and a TERM to nsbuild still reaches the command.
  @Test(arguments: [true, false])
  func nsbuildDiesWithItsParentUnlessTheSpecSaysOtherwise(pidNamespace: Bool) throws {
    for dies in [true, false] {
      try withFolder { folder in
        let sleep = try sleepCopy(in: folder)
        let extra = dies ? "" : "[process]\ndie_with_parent = false\n"
        let spec = try write(longSpec(in: folder, pidNamespace: pidNamespace, mounts: 1, extra: extra), to: folder)
        // Without a pid namespace only the command itself dies with init (what it leaves running is not tracked),
        // so the command becomes the sleep; the other one traps TERM, which reaches its whole process group.
        let script =
          dies
          ? "touch \"$2/ready\"; exec \"$1\" 1000"
          : "trap 'touch \"$2/got-term\"; exit 0' TERM; \"$1\" 1000 & touch \"$2/ready\"; wait"
        let shell = try startShell(
          "\"$0\" run \"$1\" -- /bin/sh -c \"$2\" sh \"$3\" \"$4\"; :", NSBuildProcess.binary, spec, script, sleep,
          folder)
        try waitFor("the command to start") {
          FileManager.default.fileExists(atPath: folder + "/ready") || !shell.isRunning
        }
        kill(shell.processIdentifier, SIGKILL)
        try waitForDeath(of: shell)
        if dies {
          try waitFor("nsbuild and its sandbox to end") { processes(mentioning: folder).isEmpty }
        } else {
          // The sleep must have replaced its shell: a TERM to the child sh before its execve(2) is lost there.
          try waitFor("the sleep to run") {
            processes(mentioning: folder).contains { $0.hasSuffix(": \(sleep) 1000 ") }
          }
          let nsbuild = try #require(processes(mentioning: folder).compactMap(pid(ofRunIn: spec)).first)
          kill(nsbuild, SIGTERM)
          try waitFor("the command to take TERM") { FileManager.default.fileExists(atPath: folder + "/got-term") }
          try waitFor("the sandbox to end") { processes(mentioning: folder).isEmpty }
        }
      }
    }
  }

  /// The pid of nsbuild itself (not its sandbox process or init, which share its command line) from a
  /// ``processes(mentioning:)`` line: the one whose parent's command line is not nsbuild's.
  func pid(ofRunIn spec: String) -> (String) -> Int32? {
    { line in
      guard line.contains(" run \(spec) "), let pid = Int32(line.prefix { $0 != ":" }) else { return nil }
      let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
      let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
      guard fields.count > 1, let parent = Int32(fields[1]) else { return nil }
      let parentLine = FileManager.default.contents(atPath: "/proc/\(parent)/cmdline").map {
        String(decoding: $0.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
      }
      return parentLine?.contains(spec) == true ? nil : pid
    }
  }

  /// A change of uid or gid clears PR_SET_PDEATHSIG (prctl(2)); without a pid namespace to end it with init, the
  /// command switched to uid 1000 outlived a killed nsbuild until the command step set it again.
  @Test func theCommandDiesWithInitAfterChangingItsIDs() throws {
    try withFolder { folder in
      let sleep = try sleepCopy(in: folder)
      let spec = try write(
        "version = 1\n[namespaces]\nunshare = [\"mount\"]\n[process]\nuid = 1000\ngid = 1000\n", to: folder)
      let shared = folder + "/shared"
      try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: false)
      try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: shared)
      let process = try NSBuildProcess.start(
        ["run", spec, "--", "/bin/sh", "-c", "touch \"$1/ready\"; exec \"$0\" 1000", sleep, shared])
      try waitFor("the command to start") {
        FileManager.default.fileExists(atPath: shared + "/ready") || !process.isRunning
      }
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      try waitFor("every process of the run to end") { processes(mentioning: folder).isEmpty }
    }
  }
}
