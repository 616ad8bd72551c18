import Foundation
import Testing

/// Host paths follow no symlink `plan` did not show, and one run's undo never takes away what another live run
/// uses. Each case is an attack that worked before: checked end to end, from the host, where the writes landed.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct HostPathTests: ScratchFolderTests {
  static let header = "version = 1\n[namespaces]\nunshare = [\"mount\", \"pid\"]\n"
  /// A user other than root, who owns the folders an attacker controls (setpriv(1) needs no passwd entry).
  static let otherUser: UInt32 = 1000

  /// Everything beneath `folder`, relative, sorted.
  func tree(_ folder: String) -> [String] {
    (FileManager.default.subpaths(atPath: folder) ?? []).sorted()
  }

  @Test func aSymlinkInsideABindSourceLeadsNowhere() throws {
    try withFolder { folder in
      for name in ["src", "elsewhere"] {
        try FileManager.default.createDirectory(atPath: folder + "/" + name, withIntermediateDirectories: true)
      }
      // Whoever writes the bind's source plants a link out of it.
      try FileManager.default.createSymbolicLink(
        atPath: folder + "/src/evil", withDestinationPath: folder + "/elsewhere")
      let bind = "[[mounts]]\ntype = \"bind\"\nsource = \"\(folder)/src\"\ntarget = \"\(folder)/t\"\n"
      let entries = [
        "[[files]]\ntype = \"file\"\npath = \"\(folder)/t/evil/written\"\ncontent = \"x\"\n",
        "[[files]]\ntype = \"dir\"\npath = \"\(folder)/t/evil/d\"\n",
        "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"\(folder)/t/evil/mp\"\n",
      ]
      for entry in entries {
        let plan = try NSBuildProcess.run(["plan", try write(Self.header + bind + entry, to: folder), "--", "true"])
        #expect(plan.stdout.contains("\(folder)/src/evil -> \(folder)/elsewhere is a symlink inside the bind's source"))
        let before = try HostSnapshot.take()
        let result = try NSBuildProcess.run(["run", try write(Self.header + bind + entry, to: folder), "--", "true"])
        #expect(result.status == 125, "\(entry)")
        #expect(result.stderr.contains("ELOOP"), "\(result.stderr)")
        #expect(result.stderr.contains("nsbuild follows no symlink beneath a bind"), "\(result.stderr)")
        try HostSnapshot.expectUnchanged(since: before)
        #expect(tree(folder + "/elsewhere").isEmpty, "\(entry)")
        // The mount point made for the bind is taken back too.
        #expect(!FileManager.default.fileExists(atPath: folder + "/t"))
      }
    }
  }

  /// As the other user, renames the folder `name` in `folder` and the symlink `link` there into each other's place,
  /// over and over, until terminated.
  func startSwapping(_ name: String, in folder: String) throws -> Process {
    let swap = Process()
    swap.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
    swap.arguments = [
      "--reuid=\(Self.otherUser)", "--regid=\(Self.otherUser)", "--clear-groups", "/bin/sh", "-c",
      "cd \"$0\"; while :; do mv -T \"$1\" real; mv -T link \"$1\"; mv -T \"$1\" link; mv -T real \"$1\"; done 2>/dev/null",
      folder, name,
    ]
    try swap.run()
    return swap
  }

  /// The host's tree as the root: a `[[files]]` entry in a folder that its owner swaps for a link, over and over,
  /// while runs go. No run ever writes where the link points.
  @Test func aFolderOnTheHostTreeSwappedForASymlinkIsNeverFollowed() throws {
    try withFolder { folder in
      let owned = folder + "/owned"
      let victim = folder + "/victim"
      try FileManager.default.createDirectory(atPath: owned + "/t", withIntermediateDirectories: true)
      try FileManager.default.createDirectory(atPath: victim, withIntermediateDirectories: true)
      try FileManager.default.createSymbolicLink(atPath: owned + "/link", withDestinationPath: victim)
      for path in [owned, owned + "/t", owned + "/link"] {
        #expect(lchown(path, Self.otherUser, Self.otherUser) == 0)
      }
      let spec = try write(
        Self.header + "[[files]]\ntype = \"file\"\npath = \"\(owned)/t/planted\"\ncontent = \"x\"\n", to: folder)
      let swap = try startSwapping("t", in: owned)
      defer {
        swap.terminate()
        swap.waitUntilExit()
      }
      var landed = 0
      for _ in 0..<40 {
        _ = try NSBuildProcess.run(["run", spec, "--", "true"])
        if FileManager.default.fileExists(atPath: victim + "/planted") { landed += 1 }
        try? FileManager.default.removeItem(atPath: victim + "/planted")
        for name in ["t", "real"] { try? FileManager.default.removeItem(atPath: owned + "/" + name + "/planted") }
      }
      #expect(landed == 0)
    }
  }

  /// A folder and a symlink are renamed into place at the bind source, over and over, by a user who owns the
  /// source's folder, while runs go: no run ever gets the folder the link points to.
  @Test func aBindSourceSwappedForASymlinkIsNeverFollowed() throws {
    try withFolder { folder in
      let owned = folder + "/owned"
      let secret = folder + "/secret"
      try FileManager.default.createDirectory(atPath: owned + "/src", withIntermediateDirectories: true)
      try FileManager.default.createDirectory(atPath: secret, withIntermediateDirectories: true)
      try Data("secret".utf8).write(to: URL(fileURLWithPath: secret + "/s"))
      try Data("ok".utf8).write(to: URL(fileURLWithPath: owned + "/src/s"))
      try FileManager.default.createSymbolicLink(atPath: owned + "/link", withDestinationPath: secret)
      #expect(chown(owned, Self.otherUser, Self.otherUser) == 0)
      for name in ["src", "src/s", "link"] { #expect(lchown(owned + "/" + name, Self.otherUser, Self.otherUser) == 0) }
      let spec = try write(
        Self.header + "[[mounts]]\ntype = \"bind\"\nsource = \"\(owned)/src\"\ntarget = \"/mnt\"\n", to: folder)
      let swap = try startSwapping("src", in: owned)
      defer {
        swap.terminate()
        swap.waitUntilExit()
      }
      var outcomes: [String: Int] = [:]
      for _ in 0..<40 {
        let result = try NSBuildProcess.run(["run", spec, "--", "/bin/cat", "/mnt/s"])
        let outcome =
          result.stdout == "secret" ? "followed" : result.stdout == "ok" ? "source" : "refused"
        outcomes[outcome, default: 0] += 1
      }
      #expect(outcomes["followed"] == nil, "\(outcomes)")
    }
  }

  /// A symlink only root (or the caller) can change is followed, shown by plan and pinned; one another user could
  /// change is named by plan and refused by run, for a bind source and for a path on the host's tree alike.
  @Test func planShowsTheSymlinksItFollowsAndRunRefusesTheOthers() throws {
    try withFolder { top in
      // The link and its folder apart from the spec's: a spec in a folder another user owns is refused as such
      // (StrictModes), before any link is looked at.
      let folder = top + "/in"
      try FileManager.default.createDirectory(atPath: folder + "/real", withIntermediateDirectories: true)
      try Data("here".utf8).write(to: URL(fileURLWithPath: folder + "/real/f"))
      try FileManager.default.createSymbolicLink(atPath: folder + "/link", withDestinationPath: "real")
      let spec = try write(
        Self.header + """
          [[mounts]]
          type = "bind"
          source = "\(folder)/link"
          target = "/mnt"
          [[files]]
          type = "file"
          path = "\(folder)/link/made"
          content = "x"
          """, to: top)
      let plan = try NSBuildProcess.run(["plan", spec, "--", "true"])
      #expect(
        plan.stdout.contains("\"\(folder)/real\", O_PATH, RESOLVE_NO_SYMLINKS) = fd[1] (via \(folder)/link -> real)"))
      #expect(plan.stdout.contains("\"\(folder)/real/made\""), "\(plan.stdout)")
      #expect(plan.stdout.contains("why: via \(folder)/link -> real, which plan followed"), "\(plan.stdout)")
      #expect(plan.stdout.contains("left on the host: \(folder)/real/made"), "\(plan.stdout)")
      let run = try NSBuildProcess.run(["run", spec, "--", "/bin/cat", "/mnt/f"])
      #expect(run.stdout == "here", "\(run.stderr)")
      #expect(try String(contentsOfFile: folder + "/real/made", encoding: .utf8) == "x")
      try FileManager.default.removeItem(atPath: folder + "/real/made")
      // The same link in a folder another user owns: that user could swap it at any time.
      #expect(chown(folder, Self.otherUser, Self.otherUser) == 0)
      let warned = try NSBuildProcess.run(["plan", spec, "--", "true"])
      #expect(warned.stdout.contains("\(folder)/link -> real is a symlink another user could change"), "\(warned)")
      let refused = try NSBuildProcess.run(["run", spec, "--", "/bin/cat", "/mnt/f"])
      #expect(refused.status == 125)
      #expect(refused.stderr.contains("ELOOP"), "\(refused.stderr)")
      #expect(!FileManager.default.fileExists(atPath: folder + "/real/made"))
      #expect(chown(folder, 0, 0) == 0)
    }
  }

  /// A `[[files]]` entry and a mount point on the host's tree, through a link in a folder another user owns: plan
  /// names the link, run refuses it, and nothing lands where it points.
  @Test func aPathOnTheHostTreeThroughALinkAnotherUserControlsIsRefused() throws {
    try withFolder { folder in
      let owned = folder + "/owned"
      try FileManager.default.createDirectory(atPath: folder + "/target", withIntermediateDirectories: true)
      try FileManager.default.createDirectory(atPath: owned, withIntermediateDirectories: true)
      try FileManager.default.createSymbolicLink(atPath: owned + "/link", withDestinationPath: folder + "/target")
      #expect(chown(owned, Self.otherUser, Self.otherUser) == 0)
      #expect(lchown(owned + "/link", Self.otherUser, Self.otherUser) == 0)
      for entry in [
        "[[files]]\ntype = \"file\"\npath = \"\(owned)/link/f\"\ncontent = \"x\"\n",
        "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"\(owned)/link/mp\"\n",
      ] {
        let spec = try write(Self.header + entry, to: folder)
        let plan = try NSBuildProcess.run(["plan", spec, "--", "true"])
        #expect(plan.stdout.contains("\(owned)/link -> \(folder)/target is a symlink another user could change"))
        let run = try NSBuildProcess.run(["run", spec, "--", "true"])
        #expect(run.status == 125, "\(entry)")
        #expect(run.stderr.contains("ELOOP"), "\(run.stderr)")
        #expect(tree(folder + "/target").isEmpty, "\(entry)")
      }
    }
  }

  /// On a merged-/usr system, `/bin` is a link only root can change: binding it, and making a mount point beneath
  /// it, keep working.
  @Test(.enabled(if: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/bin")) != nil, "/bin is no link"))
  func mergedUsrLinksKeepWorking() throws {
    try withFolder { folder in
      let spec = try write(
        Self.header + """
          [[mounts]]
          type = "bind"
          source = "/bin"
          target = "\(folder)/bin"
          """, to: folder)
      let plan = try NSBuildProcess.run(["plan", spec, "--", "true"])
      #expect(plan.stdout.contains("(via /bin -> "), "\(plan.stdout)")
      let run = try NSBuildProcess.run(["run", spec, "--", "/bin/sh", "-c", "test -x \(folder)/bin/sh && echo ok"])
      #expect(run.stdout == "ok\n", "\(run.stderr)")
    }
  }

  /// The errno of flock(2) LOCK_EX|LOCK_NB on the folder `path` from this process, 0 when the lock was taken (it is
  /// let go at once), -1 when the folder could not be opened.
  func exclusiveLockRefusal(on path: String) -> Int32 {
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard fd >= 0 else { return -1 }
    defer { close(fd) }
    return flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : errno
  }

  /// While the command runs, the sandbox process (nsbuild's child, outside every new namespace) holds a shared lock
  /// on the host mount point; once the run ends, no lock and nothing else of it is left.
  @Test func theSandboxProcessHoldsTheLockForTheSandboxsLife() throws {
    try withFolder { folder in
      let point = folder + "/mp"
      let spec = try write(Self.header + "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"\(point)\"\n", to: folder)
      let script = "echo ready; i=0; while [ ! -e \(folder)/go ] && [ $i -lt 1000 ]; do sleep 0.02; i=$((i+1)); done"
      let run = try NSBuildProcess.start(["run", spec, "--", "/bin/sh", "-c", script], log: folder + "/log")
      try waitFor("the command to start") {
        ((try? String(contentsOfFile: folder + "/log", encoding: .utf8)) ?? "").contains("ready") || !run.isRunning
      }
      // A conflicting lock from here is refused while the sandbox lives: tried on the very folder, not read from
      // /proc/locks, which hides a lock whose taker's pid this reader cannot see and names overlayfs inodes its own way.
      #expect(exclusiveLockRefusal(on: point) == EWOULDBLOCK)
      let sandbox = children(of: run.processIdentifier).first
      // The lock's open file is the sandbox process's (init, which took it, closed every setup fd).
      let sandboxFiles = sandbox.map { openFiles(of: $0) } ?? []
      let initFiles = sandbox.flatMap { children(of: $0).first }.map { openFiles(of: $0) } ?? []
      #expect(sandboxFiles.contains(point), "\(sandboxFiles)")
      #expect(!initFiles.contains(point), "\(initFiles)")
      // Nor the command's: init forks it before it closes its setup fds and hands the lock over.
      let initPID = sandbox.flatMap { children(of: $0).first }
      let commandFiles = initPID.flatMap { children(of: $0).first }.map { openFiles(of: $0) } ?? []
      #expect(!commandFiles.isEmpty, "the command's fds were not found")
      #expect(!commandFiles.contains(point), "\(commandFiles)")
      FileManager.default.createFile(atPath: folder + "/go", contents: nil)
      run.waitUntilExit()
      #expect(run.terminationStatus == 0)
      #expect(exclusiveLockRefusal(on: point) == 0)
      #expect(
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == [
          "go", "log", "mp", "nsbuild", "s.toml",
        ])
    }
  }

  /// What the fds of process `pid` lead to, from the host's /proc.
  func openFiles(of pid: Int32) -> [String] {
    let folder = "/proc/\(pid)/fd"
    return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).compactMap {
      try? FileManager.default.destinationOfSymbolicLink(atPath: folder + "/" + $0)
    }
  }

  /// The pids of `pid` and every process below it.
  func descendants(of pid: Int32) -> [Int32] {
    [pid] + children(of: pid).flatMap { descendants(of: $0) }
  }

  /// Run B makes a mount point; run A mounts a tmpfs on the same folder and keeps running; B then fails, and its
  /// undo must leave the folder (removing it would detach A's tmpfs, and A's writes would land on the host).
  @Test func aFailedRunLeavesTheMountPointAnotherLiveRunUses() throws {
    try withFolder { folder in
      let point = folder + "/shared/mnt"
      try FileManager.default.createDirectory(atPath: folder + "/dir", withIntermediateDirectories: true)
      var failing = Self.header + "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"\(point)\"\n"
      for index in 1...2000 { failing += "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"\(folder)/m/i\(index)\"\n" }
      // Last, a file bound onto a folder: ENOTDIR.
      failing += "[[mounts]]\ntype = \"bind\"\nsource = \"\(folder)/b.toml\"\ntarget = \"\(folder)/dir\"\n"
      try Data(failing.utf8).write(to: URL(fileURLWithPath: folder + "/b.toml"))
      let log = folder + "/b.log"
      let runB = try NSBuildProcess.start(["run", "--verbose", folder + "/b.toml", "--", "true"], log: log)
      try waitFor("B to make the mount point") {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("step 9/") || !runB.isRunning
      }
      // B stops mid-setup (SIGSTOP cannot be caught), its mount point made; A starts on it and mounts.
      let stopped = descendants(of: runB.processIdentifier)
      for pid in stopped { kill(pid, SIGSTOP) }
      try #require(runB.isRunning && FileManager.default.fileExists(atPath: point), "B ended before it was stopped")
      let specA = try write(Self.header + "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"\(point)\"\n", to: folder)
      let script = """
        touch \(point)/a-mounted; echo ready; i=0; while [ ! -e \(folder)/b-ended ] && [ $i -lt 1000 ]; do sleep 0.02; i=$((i+1)); done
        echo a > \(point)/written && ls \(point)
        """
      let runA = try NSBuildProcess.start(["run", specA, "--", "/bin/sh", "-c", script], log: folder + "/a.log")
      try waitFor("A's command to start on its tmpfs") {
        ((try? String(contentsOfFile: folder + "/a.log", encoding: .utf8)) ?? "").contains("ready") || !runA.isRunning
      }
      for pid in stopped { kill(pid, SIGCONT) }
      runB.waitUntilExit()
      #expect(runB.terminationStatus == 125)
      #expect(((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("ENOTDIR"))
      FileManager.default.createFile(atPath: folder + "/b-ended", contents: nil)
      runA.waitUntilExit()
      let outputA = (try? String(contentsOfFile: folder + "/a.log", encoding: .utf8)) ?? ""
      #expect(runA.terminationStatus == 0, "\(outputA)")
      // The command's output ends the log, after check's warnings about the spec (host root, the host's /dev).
      let written = "ready\na-mounted\nwritten\n"
      #expect(outputA == written || outputA.hasSuffix("\n" + written), "\(outputA)")
      #expect(!outputA.contains("error") && outputA.components(separatedBy: "ready\n").count == 2, "\(outputA)")
      // A wrote into its tmpfs, never into the host's folder, which B left because A held it.
      #expect(FileManager.default.fileExists(atPath: point))
      #expect(tree(point).isEmpty)
      // B's other mount points went; nothing of A's stays.
      #expect(!FileManager.default.fileExists(atPath: folder + "/m"))
    }
  }
}
