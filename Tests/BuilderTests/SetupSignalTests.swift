import Foundation
import Testing

/// Every signal whose default ends a process ends a run during setup only after init took back what it made: those
/// others send (passed down to init, which takes them between two steps), and those a process's own write causes
/// (SIGPIPE, SIGXFSZ), which end nothing halfway.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct SetupSignalTests: ScratchFolderTests {
  /// `mounts` tmpfs mounts on new mount points under `folder`/m, without a pid namespace (as PID 1 of one, init
  /// would be spared some signals by the kernel).
  func spec(in folder: String, mounts: Int) throws -> String {
    var spec = "version = 1\n[namespaces]\nunshare = [\"mount\"]\n"
    for index in 1...mounts { spec += "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"\(folder)/m/i\(index)\"\n" }
    return try write(spec, to: folder)
  }

  /// SIGALRM, SIGXCPU, SIGVTALRM, SIGPROF, SIGIO, SIGPWR, SIGSTKFLT and real-time signals, to nsbuild or to init
  /// itself (as the kernel sends SIGXCPU to the process over its CPU limit), in the middle of setup: the run ends as
  /// the signal would (128+N) and the host is as it was. Before, only HUP, INT, QUIT, USR1, USR2 and TERM were.
  @Test(arguments: [
    (14, false), (24, false), (26, false), (27, false), (29, false), (30, false), (16, false), (34, false), (50, false),
    (64, false), (24, true), (14, true),
  ])
  func anEndingSignalDuringSetupTakesBackWhatWasMade(signal: Int32, toInit: Bool) throws {
    try withFolder { folder in
      let spec = try spec(in: folder, mounts: 2000)
      let before = try HostSnapshot.take()
      let log = folder + "/log"
      let process = try NSBuildProcess.start(
        ["run", "--verbose", spec, "--", "/bin/sh", "-c", "touch \(folder)/started"], log: log)
      try waitFor("setup to be under way") {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("step 20/") || !process.isRunning
      }
      var target = process.processIdentifier
      if toInit { target = try #require(children(of: children(of: target).first ?? 0).first) }
      kill(target, signal)
      process.waitUntilExit()
      #expect(process.terminationStatus == 128 + signal, "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
      #expect(!FileManager.default.fileExists(atPath: folder + "/started"))
      #expect(!FileManager.default.fileExists(atPath: folder + "/m"))
      try HostSnapshot.expectUnchanged(since: before)
    }
  }

  /// `run --verbose 2>&1 | grep -m1 'step'` (as `head -1`, past check's warnings): the trace's reader goes away
  /// after one line. Before, the next trace line's
  /// SIGPIPE killed init halfway through setup (no pid namespace spares it) and left its mount points; now the lost
  /// lines end nothing, setup completes and the command runs.
  @Test func aTraceToAClosedPipeEndsNothingHalfway() throws {
    try withFolder { folder in
      let spec = try spec(in: folder, mounts: 300)
      let before = try HostSnapshot.take()
      let result = try NSBuildProcess.runCommand(
        "/bin/sh",
        [
          "-c",
          "\"$0\" run --verbose \"$1\" -- /bin/sh -c 'touch \"$0/started\"' \"$2\" 2>&1 | grep -m1 '^nsbuild: step'",
          NSBuildProcess.binary, spec, folder,
        ])
      #expect(result.stdout.hasPrefix("nsbuild: step 1/"), "\(result.stdout)")
      #expect(FileManager.default.fileExists(atPath: folder + "/started"))
      try HostSnapshot.expectUnchanged(since: before)
    }
  }

  /// A command step that fails (here a missing `cwd`) comes before init closes its setup fds, so what was made is
  /// taken back. Before, init closed them before forking the command, and such a run left its mount points. The
  /// `cwd` lies through a `[[files]]` symlink, which `plan` does not follow, so the run gets as far as the chdir(2).
  @Test func aFailedCommandStepTakesBackWhatWasMade() throws {
    try withFolder { folder in
      let spec = try write(
        "version = 1\n[namespaces]\nunshare = [\"mount\", \"pid\"]\n[[mounts]]\ntype = \"tmpfs\"\n"
          + "target = \"\(folder)/m/point\"\n[[files]]\ntype = \"symlink\"\npath = \"\(folder)/m/point/link\"\n"
          + "link = \"/no/such\"\n[process]\ncwd = \"\(folder)/m/point/link/folder\"\n", to: folder)
      let before = try HostSnapshot.take()
      let result = try NSBuildProcess.run(["run", spec, "--", "true"])
      #expect(result.status == 125)
      #expect(result.stderr.contains("chdir(2): ENOENT"), "\(result.stderr)")
      #expect(!FileManager.default.fileExists(atPath: folder + "/m"))
      try HostSnapshot.expectUnchanged(since: before)
    }
  }

  /// A program that is not there (127) or not executable (126) is found missing before init closes its setup fds,
  /// so what was made is taken back; only an execve(2) that fails otherwise (a bad interpreter) leaves what a
  /// successful run leaves.
  @Test(arguments: [("/no/such/program", 127), ("no-such-program-in-path", 127), ("/etc/passwd", 126)])
  func aProgramThatCannotRunIsFoundBeforeTheSetupFdsClose(program: String, status: Int32) throws {
    try withFolder { folder in
      let spec = try write(
        "version = 1\n[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"tmpfs\"\n"
          + "target = \"\(folder)/m/point\"\n", to: folder)
      let before = try HostSnapshot.take()
      let result = try NSBuildProcess.run(["run", spec, "--", program])
      #expect(result.status == status, "\(result.stderr)")
      #expect(result.stderr.contains("execve(2)"), "\(result.stderr)")
      #expect(!FileManager.default.fileExists(atPath: folder + "/m"))
      try HostSnapshot.expectUnchanged(since: before)
    }
  }
}
