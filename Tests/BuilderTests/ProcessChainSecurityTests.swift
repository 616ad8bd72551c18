import Foundation
import Testing

/// What a security review found in nsbuild's own processes: init keeping the caller's supplementary groups, the
/// parent left in the sandbox's mount namespace, PR_SET_PDEATHSIG lost to an ID change. Each checked from the host.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces and switch users; CI runs as root"))
struct ProcessChainSecurityTests: ScratchFolderTests {
  /// A sleep nobody else runs: its duration is the marker looked for in /proc.
  static func marker() -> String { "9\(Int.random(in: 100_000...999_999)).5" }

  /// Waits, at most about `seconds`, until `done` holds; a bound, not a timing assertion.
  static func wait(seconds: Double = 15, until done: () -> Bool) -> Bool {
    let end = Date().addingTimeInterval(seconds)
    while Date() < end {
      if done() { return true }
      usleep(50_000)
    }
    return done()
  }

  /// Kills whatever still runs `marker`, so a failing test leaves nothing behind.
  static func killLeftovers(_ marker: String) {
    for line in processes(mentioning: marker) {
      if let pid = Int32(line.prefix { $0 != ":" }) { kill(pid, SIGKILL) }
    }
  }

  /// With `setpriv --groups 4` and a 0 → 100000 map, init must not create a file in a `root:4 0775` folder through
  /// group 4: it drops the caller's groups before it creates anything (setgroups is allowed for root).
  @Test func initDropsTheCallersSupplementaryGroups() throws {
    try withFolder { folder in
      let root = folder + "/root"
      try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
      #expect(chown(root, 0, 4) == 0)
      #expect(chmod(root, 0o775) == 0)
      let spec = try write(
        shiftedUserNamespace
          + "\n[root]\npath = \"root\"\n[[files]]\ntype = \"file\"\npath = \"/made\"\ncontent = \"x\"\n",
        to: folder)
      let words = ["--groups", "4", folder + "/nsbuild", "run", spec, "--", "/made"]
      let result = try NSBuildProcess.runCommand("/usr/bin/setpriv", words)
      #expect(!FileManager.default.fileExists(atPath: root + "/made"), "init wrote through group 4: \(result.stderr)")
      #expect(result.status != 0)
      #expect(result.stderr.contains("EACCES"), "\(result.stderr)")
      let plan = try NSBuildProcess.runCommand(
        "/usr/bin/setpriv", ["--groups", "4", folder + "/nsbuild", "plan", spec, "--", "true"])
      #expect(plan.stdout.contains("setgroups(0, [])"), "\(plan.stdout)")
      // Where setgroups is denied nothing can drop them, and plan says so.
      let denied = try write(shiftedUserNamespace + "\nsetgroups = \"deny\"\n", to: folder)
      let warned = try NSBuildProcess.runCommand(
        "/usr/bin/setpriv", ["--groups", "4", folder + "/nsbuild", "plan", denied, "--", "true"])
      #expect((warned.stdout + warned.stderr).contains("keeps your supplementary groups (4)"), "\(warned.stdout)")
    }
  }

  /// No fd of the chain reaches the command: neither its own (only 0, 1 and 2, and the one ls(1) opens to list)
  /// nor init's, which a command holding every capability could open through /proc/1/fd: init's setup fds (host
  /// folders), its lock fds and the failure-report pipe are all closed before the command's execve(2).
  @Test func noFDOfTheChainReachesTheCommandOrStaysInInit() throws {
    try withFolder { folder in
      let spec = try write(
        """
        version = 1
        [namespaces]
        unshare = ["mount", "pid"]
        [[mounts]]
        type = "tmpfs"
        target = "/mnt"
        [[mounts]]
        type = "proc"
        target = "/proc"
        [process]
        capabilities = "ALL"
        args = ["/bin/sh", "-c", "ls /proc/1/fd; echo -; ls /proc/self/fd"]

        """, to: folder)
      let result = try NSBuildProcess.runCommand(folder + "/nsbuild", ["run", spec])
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stdout == "0\n1\n2\n-\n0\n1\n2\n3\n", "\(result.stdout)")
    }
  }

  /// nsbuild opens host paths in the sandbox's mount namespace, then goes back to its own: once init has called
  /// pivot_root(2), nsbuild's root and working directory are still the host's.
  @Test func nsbuildKeepsTheHostsRootAndWorkingDirectoryDuringARun() throws {
    try withFolder { folder in
      let marker = Self.marker()
      let spec = try write(
        shiftedUserNamespace + "\n" + """
          [root]
          type = "tmpfs"
          \(usrFromHost)
          [process]
          args = ["/usr/bin/sleep", "\(marker)"]
          """, to: folder)
      let nsbuild = try NSBuildProcess.start(["run", spec], log: folder + "/log")
      defer {
        nsbuild.terminate()
        nsbuild.waitUntilExit()
        Self.killLeftovers(marker)
      }
      let started = Self.wait { !processes(mentioning: marker).filter { !$0.contains("nsbuild") }.isEmpty }
      let log = (try? String(contentsOfFile: folder + "/log", encoding: .utf8)) ?? ""
      try #require(started, "the command never started: \(log)")
      let pid = nsbuild.processIdentifier
      var host = stat()
      var seen = stat()
      #expect(stat("/", &host) == 0)
      #expect(stat("/proc/\(pid)/root", &seen) == 0)
      #expect((seen.st_dev, seen.st_ino) == (host.st_dev, host.st_ino), "nsbuild's root is not the host's /")
      var here = stat()
      #expect(stat(FileManager.default.currentDirectoryPath, &here) == 0)
      #expect(stat("/proc/\(pid)/cwd", &seen) == 0)
      #expect((seen.st_dev, seen.st_ino) == (here.st_dev, here.st_ino), "nsbuild's working directory moved")
      let ownNamespace = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/mnt")
      #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/mnt") == ownNamespace)
    }
  }

  /// `kill -9` of nsbuild while the command sleeps: every process of the sandbox ends, although an ID change
  /// (the command's setresuid(2), init's switch to the namespace's root) cleared their PR_SET_PDEATHSIG.
  @Test(arguments: [
    "version = 1\n[namespaces]\nunshare = [\"uts\"]\n[process]\nuid = 1000\ngid = 1000\n",
    shiftedUserNamespace + "\n",
  ])
  func killingNSBuildLeavesNoProcess(spec text: String) throws {
    try withFolder { folder in
      let marker = Self.marker()
      let spec = try write(text, to: folder)
      let nsbuild = try NSBuildProcess.start(["run", spec, "--", "/bin/sleep", marker], log: folder + "/log")
      defer { Self.killLeftovers(marker) }
      let started = Self.wait { !processes(mentioning: marker).filter { !$0.contains("nsbuild") }.isEmpty }
      let log = (try? String(contentsOfFile: folder + "/log", encoding: .utf8)) ?? ""
      if !started { nsbuild.terminate() }
      try #require(started, "the command never started: \(log)")
      #expect(kill(nsbuild.processIdentifier, SIGKILL) == 0)
      nsbuild.waitUntilExit()
      let gone = Self.wait { processes(mentioning: marker).isEmpty }
      #expect(gone, "left running: \(processes(mentioning: marker))")
    }
  }

  /// A relative spec path cannot resolve once the current folder was deleted: getcwd(3) fails, and nsbuild says so
  /// instead of reading it from `/`.
  @Test func aRelativeSpecInADeletedFolderIsAnError() throws {
    try withFolder { folder in
      try FileManager.default.createDirectory(atPath: folder + "/gone", withIntermediateDirectories: false)
      let script = "cd \(folder)/gone && rmdir \(folder)/gone && exec \(folder)/nsbuild check s.toml"
      let result = try NSBuildProcess.runCommand("/bin/sh", ["-c", script])
      #expect(result.status != 0)
      #expect(result.stderr.contains("getcwd") && result.stderr.contains("ENOENT"), "\(result.stderr)")
    }
  }
}
