import Foundation
import Testing

/// Mounts, files and new roots: each checked from inside the sandbox and, where it matters, from the host.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct FilesystemTests: ScratchFolderTests {
  static let header = """
    version = 1
    [namespaces]
    unshare = ["mount", "pid", "uts", "ipc", "net"]

    """

  /// /bin, /lib and /lib64 as links into a bound /usr, as on a merged-/usr system: enough to run /bin/sh in a new root.
  static let usrMergedLinks = ["bin", "lib", "lib64"].map {
    "[[files]]\ntype = \"symlink\"\npath = \"/\($0)\"\nlink = \"usr/\($0)\""
  }
  .joined(separator: "\n")

  func run(_ spec: String, in folder: String, _ script: String) throws -> NSBuildProcess.Result {
    try NSBuildProcess.run(["run", try write(spec, to: folder), "--", "/bin/sh", "-c", script])
  }

  /// Prints the file system type (and with `options`, the super options) of the topmost mount at each target.
  static func topmost(_ targets: [String], options: Bool = false) -> String {
    targets.map { target in
      "awk -v t=\(target) '{split($0,p,\" - \"); split(p[1],a,\" \"); split(p[2],b,\" \")} a[5]==t{fs=b[1]; so=b[3]; vo=a[6]} "
        + "END{print t, fs\(options ? ", so" : ""), vo}' /proc/self/mountinfo"
    }.joined(separator: "\n")
  }

  @Test func minimalDevProcAndSysfs() throws {
    let spec =
      Self.header + """
        [[mounts]]
        type = "proc"
        target = "/proc"
        [[mounts]]
        type = "sysfs"
        target = "/sys"
        options = ["ro"]
        [[mounts]]
        type = "dev"
        target = "/dev"
        """
    let script =
      Self.topmost(["/proc", "/sys", "/dev/pts", "/dev"]) + """

        readlink /dev/fd /dev/ptmx /dev/stdin /dev/stdout /dev/stderr
        for n in null zero full random urandom tty; do stat -c "$n %F %t:%T" /dev/$n; done
        ls /sys/class/net; echo x > /dev/null && echo null-ok
        """
    let result = try withFolder { try run(spec, in: $0, script) }
    #expect(
      result.stdout == """
        /proc proc rw,nosuid,nodev,noexec,relatime
        /sys sysfs ro,nosuid,nodev,noexec,relatime
        /dev/pts devpts rw,nosuid,noexec,relatime
        /dev tmpfs rw,nosuid,relatime
        /proc/self/fd
        pts/ptmx
        /proc/self/fd/0
        /proc/self/fd/1
        /proc/self/fd/2
        null character special file 1:3
        zero character special file 1:5
        full character special file 1:7
        random character special file 1:8
        urandom character special file 1:9
        tty character special file 5:0
        lo
        null-ok

        """, "\(result.stderr)")
  }

  @Test func tmpfsSizeModeAndOwner() throws {
    let spec =
      Self.header + """
        [[mounts]]
        type = "tmpfs"
        target = "/mnt/t"
        size = "1M"
        mode = "0750"
        uid = 12
        gid = 34
        """
    let result = try withFolder {
      try run(spec, in: $0, "df --output=size --block-size=1K /mnt/t | tail -1 | tr -d ' '; stat -c '%a %u %g' /mnt/t")
    }
    #expect(result.stdout == "1024\n750 12 34\n", "\(result.stderr)")
  }

  @Test func readOnlyBindIsRecursiveAndKeepsTheSourceVisible() throws {
    // /sys has submounts (e.g. /sys/fs/cgroup): a recursive bind carries them, and ro covers them too.
    let spec =
      Self.header + """
        [[mounts]]
        type = "bind"
        source = "/sys"
        target = "/mnt/sys"
        options = ["ro", "noatime"]
        """
    let script = """
      awk '$5 ~ "^/mnt/sys/" {n++} END {print (n > 0) ? "submounts" : "none"}' /proc/self/mountinfo
      awk '$5 ~ "^/mnt/sys" {split($6,o,","); if (o[1] != "ro") bad++} END {print bad ? "writable" : "all-ro"}' /proc/self/mountinfo
      awk '$5=="/mnt/sys" {print ($6 ~ /noatime/) ? "noatime" : "atime"}' /proc/self/mountinfo
      """
    let result = try withFolder { try run(spec, in: $0, script) }
    #expect(result.stdout == "submounts\nall-ro\nnoatime\n", "\(result.stderr)")
  }

  @Test func filesAreCreatedInSpecOrderWithTheirModes() throws {
    try withFolder { folder in
      let spec =
        Self.header + """
          [[mounts]]
          type = "tmpfs"
          target = "/tmp"
          [[files]]
          type = "dir"
          path = "/tmp/dir"
          [[files]]
          type = "dir"
          path = "/tmp/a/b/c"
          mode = "1741"
          [[files]]
          type = "symlink"
          path = "/tmp/link"
          link = "dir"
          [[mounts]]
          type = "bind"
          source = "/etc"
          target = "/tmp/link"
          [[files]]
          type = "file"
          path = "/tmp/file"
          content = "hello\\n"
          mode = "0640"
          """
      let script = """
        stat -c '%a' /tmp/dir /tmp/a /tmp/a/b/c /tmp/file; cat /tmp/file; test -f /tmp/dir/passwd && echo bound-through-link
        """
      let result = try run(spec, in: folder, script)
      #expect(result.stdout == "755\n755\n1741\n640\nhello\nbound-through-link\n", "\(result.stderr)")
    }
  }

  @Test func anExistingFileIsNeverOverwritten() throws {
    try withFolder { folder in
      try Data("orig".utf8).write(to: URL(fileURLWithPath: folder + "/f"))
      try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: folder + "/f")
      let spec = { (text: String) in
        Self.header + "[[files]]\ntype = \"file\"\npath = \"\(folder)/f\"\ncontent = \"\(text)\"\n"
      }
      let refused = try run(spec("overwritten"), in: folder, "true")
      #expect(refused.status == 125)
      #expect(refused.stderr.contains("exists with other contents; nsbuild does not overwrite files"))
      #expect(try String(contentsOfFile: folder + "/f", encoding: .utf8) == "orig")
      #expect(try run(spec("orig"), in: folder, "true").status == 0)
      let mode = try FileManager.default.attributesOfItem(atPath: folder + "/f")[.posixPermissions] as? Int
      #expect(mode == 0o600)
    }
  }

  @Test func aReadOnlyHostTreeStillTakesNewMountPointsAndFiles() throws {
    try withFolder { folder in
      let spec =
        Self.header + """
          [root]
          readonly = true
          [[files]]
          type = "file"
          path = "\(folder)/made/note"
          content = "hello"
          [[mounts]]
          type = "tmpfs"
          target = "\(folder)/new/point"
          """
      let plan = try NSBuildProcess.run(["plan", try write(spec, to: folder), "--", "true"])
      // The folders made on the way are left too, and listed.
      #expect(
        plan.stdout.contains(
          "left on the host: folder \(folder)/made, \(folder)/made/note, folder \(folder)/new, mount point \(folder)/new/point"
        ))
      let before = try HostSnapshot.take()
      let script = """
        cat \(folder)/made/note; echo; touch \(folder)/new/point/x && echo tmpfs-writable
        touch \(folder)/elsewhere 2>/dev/null || echo host-read-only
        """
      let result = try run(spec, in: folder, script)
      #expect(result.stdout == "hello\ntmpfs-writable\nhost-read-only\n", "\(result.stderr)")
      try HostSnapshot.expectUnchanged(since: before)
      // What the plan said stays on the host does, and nothing else.
      #expect(try String(contentsOfFile: folder + "/made/note", encoding: .utf8) == "hello")
      #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/new/point").isEmpty)
      #expect(!FileManager.default.fileExists(atPath: folder + "/elsewhere"))
    }
  }

  /// Runs `spec`, whose last mount fails (a file bound onto a folder: ENOTDIR), and expects the host's mounts as
  /// before and `folder` to hold exactly `names`.
  func expectFailedRun(
    _ spec: String, in folder: String, toLeave names: [String], sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let before = try HostSnapshot.take()
    let result = try run(spec, in: folder, "true")
    #expect(result.status == 125, sourceLocation: sourceLocation)
    #expect(result.stderr.contains("ENOTDIR"), "\(result.stderr)", sourceLocation: sourceLocation)
    try HostSnapshot.expectUnchanged(since: before, sourceLocation: sourceLocation)
    let left = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    #expect(left == names, sourceLocation: sourceLocation)
  }

  /// A step that fails after files and mount points were made on the host takes them back: mounts detached, then
  /// what was made removed, newest first. A host file hidden under one of the sandbox's tmpfs mounts, with the name
  /// of a file made on that tmpfs, stays.
  @Test func aFailedSetupTakesBackWhatItMadeOnTheHost() throws {
    try withFolder { folder in
      try FileManager.default.createDirectory(atPath: folder + "/t", withIntermediateDirectories: true)
      try Data("host".utf8).write(to: URL(fileURLWithPath: folder + "/t/keep.txt"))
      try FileManager.default.createDirectory(atPath: folder + "/existing-dir", withIntermediateDirectories: true)
      try Data("f".utf8).write(to: URL(fileURLWithPath: folder + "/a-file"))
      let spec =
        Self.header + """
          [[files]]
          type = "file"
          path = "\(folder)/made/deeper/new.txt"
          content = "x"
          [[mounts]]
          type = "tmpfs"
          target = "\(folder)/new-point"
          [[mounts]]
          type = "tmpfs"
          target = "\(folder)/t"
          [[files]]
          type = "file"
          path = "\(folder)/t/keep.txt"
          content = "sandbox"
          [[mounts]]
          type = "bind"
          source = "\(folder)/a-file"
          target = "\(folder)/file-point"
          [[mounts]]
          type = "dev"
          target = "\(folder)/dev"
          [[mounts]]
          type = "bind"
          source = "\(folder)/a-file"
          target = "\(folder)/existing-dir"
          """
      try expectFailedRun(spec, in: folder, toLeave: ["a-file", "existing-dir", "nsbuild", "s.toml", "t"])
      #expect(try String(contentsOfFile: folder + "/t/keep.txt", encoding: .utf8) == "host")
    }
  }

  /// Starts `run --verbose` of a spec with `mountPoints` tmpfs mounts on new mount points under `folder`, and returns
  /// once the trace (in `folder`/log) shows setup under way: a long setup, for signals that must land in its middle.
  func startLongSetup(in folder: String, mountPoints: Int, command: [String]) throws -> Process {
    var spec = Self.header
    for index in 1...mountPoints { spec += "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"\(folder)/m/i\(index)\"\n" }
    try Data(spec.utf8).write(to: URL(fileURLWithPath: folder + "/s.toml"))
    let log = folder + "/log"
    let process = try NSBuildProcess.start(["run", "--verbose", folder + "/s.toml", "--"] + command, log: log)
    try waitFor("setup to be under way") {
      ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("step 20/") || !process.isRunning
    }
    return process
  }

  /// A TERM to nsbuild while init is still building the tree (4,000 mount points on the host: long enough that the
  /// signal lands in the middle) ends the run as TERM does, after init takes back what it made so far.
  @Test func aSignalDuringSetupTakesBackWhatWasMade() throws {
    try withFolder { folder in
      let before = try HostSnapshot.take()
      let process = try startLongSetup(
        in: folder, mountPoints: 4000, command: ["/bin/sh", "-c", "touch \(folder)/started"])
      kill(process.processIdentifier, SIGTERM)
      process.waitUntilExit()
      #expect(process.terminationStatus == 143)
      #expect(!FileManager.default.fileExists(atPath: folder + "/started"))
      #expect(!FileManager.default.fileExists(atPath: folder + "/m"))
      try HostSnapshot.expectUnchanged(since: before)
    }
  }

  /// Under a small RLIMIT_FSIZE, a [[files]] entry too big to write fails as a step (EFBIG) and is taken back with
  /// the rest, while the command still gets SIGXFSZ's default when it writes past the limit.
  @Test func aFileTooBigForTheCallersLimitFailsAsAStep() throws {
    try withFolder { folder in
      let big = String(repeating: "x", count: 100_000)
      // No pid namespace: as PID 1 of one, init would ignore SIGXFSZ anyway.
      let header = "version = 1\n[namespaces]\nunshare = [\"mount\"]\n"
      let failing =
        header + """
          [[mounts]]
          type = "tmpfs"
          target = "\(folder)/point"
          [[files]]
          type = "file"
          path = "\(folder)/made/big.txt"
          content = "\(big)"
          """
      let spec = try write(failing, to: folder)
      // SIGXFSZ back to its default first: a test runner may start its children with it ignored.
      let limited = { (arguments: String) in
        try NSBuildProcess.runCommand(
          "/usr/bin/env",
          [
            "--default-signal=XFSZ", "/bin/sh", "-c", "ulimit -f 10; exec \"$0\" run \(arguments)",
            NSBuildProcess.binary,
          ])
      }
      let before = try HostSnapshot.take()
      let result = try limited("'\(spec)' -- true")
      #expect(result.status == 125)
      #expect(result.stderr.contains("EFBIG"), "\(result.stderr)")
      try HostSnapshot.expectUnchanged(since: before)
      #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["nsbuild", "s.toml"])
      // The command writes past the same limit on a tmpfs: SIGXFSZ ends it as it would anywhere (128 + 25).
      let command = try write(header + "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"\(folder)/point\"\n", to: folder)
      let killed = try limited("'\(command)' -- /bin/sh -c 'head -c 100000 /dev/zero > \(folder)/point/big'")
      #expect(killed.status == 153, "\(killed.stderr)")
    }
  }

  /// A terminal resize (SIGWINCH) while init sets up is ignored, as its default action says, not taken for an end.
  @Test func aTerminalResizeDuringSetupIsIgnored() throws {
    try withFolder { folder in
      let process = try startLongSetup(in: folder, mountPoints: 3000, command: ["/bin/true"])
      kill(process.processIdentifier, SIGWINCH)
      process.waitUntilExit()
      #expect(
        process.terminationStatus == 0, "\((try? String(contentsOfFile: folder + "/log", encoding: .utf8)) ?? "")")
    }
  }

  /// Mount points are made 0755 whatever the caller's umask, as documented.
  @Test func mountPointsAreMadeWithMode755UnderAnyUmask() throws {
    try withFolder { folder in
      let spec = try write(Self.header + "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"\(folder)/new/point\"\n", to: folder)
      let result = try NSBuildProcess.runCommand(
        "/bin/sh", ["-c", "umask 077; exec \"$0\" run \"$1\" -- true", NSBuildProcess.binary, spec])
      #expect(result.status == 0, "\(result.stderr)")
      for path in [folder + "/new", folder + "/new/point"] {
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o755, "\(path)")
      }
    }
  }

  /// The same on a host tree made read-only, and inside a read-only bind: what was made before the tree (or the
  /// bind) turned read-only still goes, since its mount was writable then.
  @Test func aFailedSetupTakesBackWhatItMadeBeforeTheTreeTurnedReadOnly() throws {
    try withFolder { folder in
      for name in ["host-dir", "existing-dir"] {
        try FileManager.default.createDirectory(atPath: folder + "/" + name, withIntermediateDirectories: true)
      }
      try Data("f".utf8).write(to: URL(fileURLWithPath: folder + "/a-file"))
      let spec =
        Self.header + """
          [root]
          readonly = true
          [[files]]
          type = "file"
          path = "\(folder)/made/new.txt"
          content = "x"
          [[mounts]]
          type = "tmpfs"
          target = "\(folder)/new-point/a"
          [[mounts]]
          type = "bind"
          source = "\(folder)/host-dir"
          target = "\(folder)/existing-dir"
          options = ["ro"]
          [[mounts]]
          type = "tmpfs"
          target = "\(folder)/existing-dir/inner"
          [[mounts]]
          type = "bind"
          source = "\(folder)/a-file"
          target = "\(folder)/new-point"
          """
      try expectFailedRun(spec, in: folder, toLeave: ["a-file", "existing-dir", "host-dir", "nsbuild", "s.toml"])
      #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/host-dir").isEmpty)
    }
  }

  @Test func aReadOnlyHostTreeKeepsReadOnlySourcesReadOnly() throws {
    try withFolder { folder in
      for name in ["ro", "rw"] {
        try FileManager.default.createDirectory(atPath: folder + "/" + name, withIntermediateDirectories: true)
      }
      let spec =
        Self.header + """
          [root]
          readonly = true
          [[mounts]]
          type = "bind"
          source = "\(folder)/ro"
          target = "\(folder)/ro"
          [[mounts]]
          type = "bind"
          source = "\(folder)/rw"
          target = "\(folder)/rw"
          """
      try Data(spec.utf8).write(to: URL(fileURLWithPath: folder + "/s.toml"))
      // The host's copy of `ro` is itself a read-only mount, in a throwaway mount namespace.
      let script = """
        mount --bind "$1/ro" "$1/ro" && mount -o remount,bind,ro "$1/ro" && \
        "$2" run "$1/s.toml" -- /bin/sh -c "touch $1/ro/x 2>/dev/null || echo ro-stays; touch $1/rw/x && echo rw-writable"
        """
      let result = try NSBuildProcess.runCommand(
        "/usr/bin/unshare", ["-m", "sh", "-c", script, "sh", folder, NSBuildProcess.binary])
      #expect(result.stdout == "ro-stays\nrw-writable\n", "\(result.stderr)")
    }
  }

  @Test func symlinkIsIdempotentAndAConflictNamesTheExistingTarget() throws {
    try withFolder { folder in
      let spec = { (link: String) in
        Self.header + "[[files]]\ntype = \"symlink\"\npath = \"\(folder)/link\"\nlink = \"\(link)\"\n"
      }
      #expect(try run(spec("/dev/null"), in: folder, "true").status == 0)
      #expect(try FileManager.default.destinationOfSymbolicLink(atPath: folder + "/link") == "/dev/null")
      #expect(try run(spec("/dev/null"), in: folder, "true").status == 0)
      let conflict = try run(spec("/dev/full"), in: folder, "true")
      #expect(conflict.status == 125)
      #expect(conflict.stderr.contains("a link to /dev/null exists"), "\(conflict.stderr)")
    }
  }

  @Test func newRootFromADirectoryIsPivotedAndReadOnly() throws {
    try withFolder { folder in
      let root = folder + "/root"
      try FileManager.default.createDirectory(atPath: root + "/data", withIntermediateDirectories: true)
      let spec =
        Self.header + """
          [root]
          path = "\(root)"
          readonly = true
          [[mounts]]
          type = "bind"
          source = "/usr"
          target = "/usr"
          options = ["ro"]
          \(Self.usrMergedLinks)
          [[mounts]]
          type = "tmpfs"
          target = "/tmp"
          """
      let before = try HostSnapshot.take()
      let result = try run(
        spec, in: folder, "stat -c %i /; ls /; touch /x 2>&1 | grep -c Read-only; touch /tmp/y && echo tmp-writable")
      let inode = try FileManager.default.attributesOfItem(atPath: root)[.systemFileNumber] as? Int
      #expect(result.stdout == "\(inode ?? -1)\nbin\ndata\nlib\nlib64\ntmp\nusr\n1\ntmp-writable\n", "\(result.stderr)")
      try HostSnapshot.expectUnchanged(since: before)
    }
  }

  @Test func symlinkedTargetCannotLeaveTheRoot() throws {
    try withFolder { folder in
      let root = folder + "/root"
      let outside = folder + "/outside"
      try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
      try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
      // Both links point outside the root if followed on the host: one absolute, one climbing with "..".
      try FileManager.default.createSymbolicLink(atPath: root + "/absolute", withDestinationPath: outside)
      try FileManager.default.createSymbolicLink(
        atPath: root + "/climbing", withDestinationPath: "../../../../../../" + outside)
      let spec =
        Self.header + """
          [root]
          path = "\(root)"
          [[mounts]]
          type = "bind"
          source = "/usr"
          target = "/usr"
          \(Self.usrMergedLinks)
          [[mounts]]
          type = "tmpfs"
          target = "/absolute"
          [[mounts]]
          type = "tmpfs"
          target = "/climbing"
          [[mounts]]
          type = "proc"
          target = "/proc"
          """
      let before = try HostSnapshot.take()
      // The root itself is left out: it is a tmpfs too when the host's temporary folder is one. (No awk in this root:
      // Debian's /usr/bin/awk links to /etc/alternatives.)
      // The proc's masked folders (tmpfs too) are left out as well.
      let result = try run(
        spec, in: folder, "grep ' - tmpfs ' /proc/self/mountinfo | cut -d' ' -f5 | grep -vx / | grep -v '^/proc/'")
      #expect(result.status == 0, "\(result.stderr)")
      // Both mounts land on the links' destinations inside the root, made there; never on the host's folder.
      #expect(result.stdout == "\(outside)\n\(outside)\n")
      try HostSnapshot.expectUnchanged(since: before)
      #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
      var isFolder: ObjCBool = false
      #expect(FileManager.default.fileExists(atPath: root + outside, isDirectory: &isFolder) && isFolder.boolValue)
    }
  }

  /// A dangling symlink in a root folder, absolute or climbing with "..", on the way to a mount target, a [[files]]
  /// entry or its parents, is followed inside the root and what is missing is made at its destination there, as
  /// runc does; seen from the host, everything made lies inside the root folder.
  @Test func danglingSymlinksInARootFolderAreMadeInsideIt() throws {
    try withFolder { folder in
      let root = folder + "/root"
      let outside = folder + "/outside"
      for path in [root, outside] {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
      }
      let links = ["mnt": "/does/not/exist", "rel": "../../x", "up": "../../../../..", "loop": "loop"]
      for (name, destination) in links {
        try FileManager.default.createSymbolicLink(atPath: root + "/" + name, withDestinationPath: destination)
      }
      let hostHadThem = ["/does", "/x"].filter { FileManager.default.fileExists(atPath: $0) }
      // More missing folders than links may be followed: each is made, however many.
      let deep = (1...45).map { "d\($0)" }.joined(separator: "/")
      let spec =
        Self.header + """
          [root]
          path = "\(root)"
          [[mounts]]
          type = "bind"
          source = "/usr"
          target = "/usr"
          \(Self.usrMergedLinks)
          [[mounts]]
          type = "tmpfs"
          target = "/mnt"
          [[mounts]]
          type = "tmpfs"
          target = "/rel/deeper"
          [[files]]
          type = "file"
          path = "/up\(outside)/f"
          content = "made"
          [[files]]
          type = "dir"
          path = "/rel/d"
          [[files]]
          type = "dir"
          path = "/rel/\(deep)"
          [[files]]
          type = "symlink"
          path = "/mnt2"
          link = "/up/made-by-link"
          [[mounts]]
          type = "bind"
          source = "/etc/hostname"
          target = "/mnt2/hostname"
          [[mounts]]
          type = "proc"
          target = "/proc"
          """
      // plan names where run will make them: at the links' destinations inside the root (JSON lists every one; the
      // text summary line names the first ten).
      let plan = try NSBuildProcess.run(["plan", "--format", "json", try write(spec, to: folder), "--", "true"])
      let document = try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any]
      let changes = (document?["summary"] as? [String: Any])?["host_changes"] as? [String] ?? []
      for made in [
        "\(root)\(outside)/f", "\(root)/x/d", "mount point \(root)/does/not/exist", "mount point \(root)/x/deeper",
      ] {
        #expect(changes.contains { $0 == made || $0.hasSuffix(" " + made) }, "\(made): \(changes)")
      }
      // (/proc's own masked folders are tmpfs mounts too, and not what this test is about.)
      let script =
        "grep ' - tmpfs ' /proc/self/mountinfo | cut -d' ' -f5 | grep -vx / | grep -v '^/proc/'; cat /up\(outside)/f"
      let result = try run(spec, in: folder, script)
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stdout == "/does/not/exist\n/x/deeper\nmade", "\(result.stderr)")
      // Seen from the host: all of it inside the root, nothing outside it.
      let fileManager = FileManager.default
      for path in ["/does/not/exist", "/x/deeper", "/x/d", outside + "/f", "/made-by-link/hostname", "/x/" + deep] {
        #expect(fileManager.fileExists(atPath: root + path), "\(path)")
      }
      #expect(try fileManager.contentsOfDirectory(atPath: outside).isEmpty)
      #expect(["/does", "/x", "/made-by-link"].filter { fileManager.fileExists(atPath: $0) } == hostHadThem)
      // A link that never ends is ELOOP, named; nothing is made for it.
      let loop = Self.header + "[root]\npath = \"\(root)\"\n[[files]]\ntype = \"dir\"\npath = \"/loop/a\"\n"
      let looping = try run(loop, in: folder, "true")
      #expect(looping.status == 125)
      #expect(looping.stderr.contains("ELOOP"), "\(looping.stderr)")
      // A failed setup takes back what it made through a link, found where it was made.
      try FileManager.default.createSymbolicLink(atPath: root + "/fresh", withDestinationPath: "/made/for/undo")
      let failing =
        Self.header + """
          [root]
          path = "\(root)"
          [[mounts]]
          type = "tmpfs"
          target = "/fresh/point"
          [[mounts]]
          type = "bind"
          source = "/etc/hostname"
          target = "/x/d"
          """
      let failed = try run(failing, in: folder, "true")
      #expect(failed.status == 125 && failed.stderr.contains("ENOTDIR"), "\(failed.stderr)")
      #expect(!fileManager.fileExists(atPath: root + "/made"))
    }
  }

  /// On the host's own tree a dangling link's destination would be a host path plan never named: refused, naming
  /// the link, and nothing is made.
  @Test func aDanglingSymlinkOnTheHostTreeIsRefused() throws {
    try withFolder { folder in
      try FileManager.default.createSymbolicLink(atPath: folder + "/lnk", withDestinationPath: folder + "/dest")
      let spec = Self.header + "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"\(folder)/lnk/x\"\n"
      let before = try HostSnapshot.take()
      let result = try run(spec, in: folder, "true")
      #expect(result.status == 125)
      #expect(
        result.stderr.contains(
          "plan warned: \(folder)/lnk, on the way to the mount target \(folder)/lnk/x, is a symlink to \(folder)/dest, which does not exist"
        ),
        "\(result.stderr)")
      #expect(!FileManager.default.fileExists(atPath: folder + "/dest"))
      try HostSnapshot.expectUnchanged(since: before)
    }
  }

  /// plan reads a root folder as run will see it: a second run changes nothing, and plan says so.
  @Test func aRootFolderBuiltOnceIsAlreadyAsWanted() throws {
    try withFolder { folder in
      try FileManager.default.createDirectory(atPath: folder + "/root", withIntermediateDirectories: true)
      let spec = try write(
        Self.header + """
          [root]
          path = "\(folder)/root"
          [[mounts]]
          type = "bind"
          source = "/usr"
          target = "/usr"
          \(Self.usrMergedLinks)
          [[files]]
          type = "file"
          path = "/etc/note"
          content = "a"
          """, to: folder)
      let plan = { try NSBuildProcess.run(["plan", "--detailed-exitcode", spec, "--", "/bin/true"]) }
      #expect(try plan().status == 2)
      let run = try NSBuildProcess.run(["run", spec, "--", "/bin/true"])
      #expect(run.status == 0, "\(run.stderr)")
      let again = try plan()
      #expect(again.status == 0, "\(again.stdout)")
      #expect(again.stdout.contains("nothing left on the host"))
      // Changed behind nsbuild's back: plan warns that run would refuse, rather than promising to write it.
      try Data("b".utf8).write(to: URL(fileURLWithPath: folder + "/root/etc/note"))
      let changed = try plan()
      #expect(changed.stdout.contains("/etc/note exists on the host with other contents"), "\(changed.stdout)")
    }
  }

  /// plan reads an entry only where run will find it: not through a symlink that leads beneath one of the spec's
  /// mounts (where the tmpfs hides the host copy), and an identical file of any size is `=`.
  @Test func planReadsEntriesOnlyWhereRunWillFindThem() throws {
    try withFolder { folder in
      try FileManager.default.createDirectory(atPath: folder + "/h/mnt", withIntermediateDirectories: true)
      try Data("abc".utf8).write(to: URL(fileURLWithPath: folder + "/h/mnt/f"))
      try FileManager.default.createSymbolicLink(atPath: folder + "/h/lnk", withDestinationPath: "mnt")
      let large = String(repeating: "C", count: 70_000)
      try Data(large.utf8).write(to: URL(fileURLWithPath: folder + "/large"))
      let spec = try write(
        Self.header + """
          [[mounts]]
          type = "tmpfs"
          target = "\(folder)/h/mnt"
          [[files]]
          type = "file"
          path = "\(folder)/h/lnk/f"
          content = "abc"
          [[files]]
          type = "file"
          path = "\(folder)/large"
          content = "\(large)"
          """, to: folder)
      let plan = try NSBuildProcess.run(["plan", spec, "--", "true"])
      #expect(plan.stdout.contains("+ init     create file \(folder)/h/lnk/f"), "\(plan.stdout)")
      #expect(plan.stdout.contains("= init     create file \(folder)/large"), "\(plan.stdout)")
      #expect(!plan.stdout.contains("refuse"))
      let run = try NSBuildProcess.run(["run", spec, "--", "/bin/cat", folder + "/h/lnk/f"])
      #expect(run.status == 0, "\(run.stderr)")
      #expect(run.stdout == "abc")
    }
  }

  @Test func emptyTmpfsRootHoldsOnlyWhatTheSpecPutsThere() throws {
    let spec =
      Self.header + """
        [root]
        type = "tmpfs"
        [[mounts]]
        type = "bind"
        source = "/usr"
        target = "/usr"
        options = ["ro"]
        \(Self.usrMergedLinks)
        [[mounts]]
        type = "proc"
        target = "/proc"
        """
    let result = try withFolder { try run(spec, in: $0, "ls -A /; test -e /tmp/oldroot || echo no-staging") }
    #expect(result.stdout == "bin\nlib\nlib64\nproc\nusr\nno-staging\n", "\(result.stderr)")
  }

  @Test func overlayWithATmpfsUpperAndWithDirectories() throws {
    try withFolder { folder in
      let odd = folder + "/odd \":,\\\\"
      for name in ["lower", "upper", "work"] {
        try FileManager.default.createDirectory(atPath: odd + name, withIntermediateDirectories: true)
      }
      try Data("1".utf8).write(to: URL(fileURLWithPath: odd + "lower/a"))
      try Data("2".utf8).write(to: URL(fileURLWithPath: odd + "lower/b"))
      try Data("4".utf8).write(to: URL(fileURLWithPath: odd + "upper/a"))
      let quoted = { (path: String) in "'" + path + "'" }
      let spec =
        Self.header + """
          [[mounts]]
          type = "overlay"
          target = "/tmp/x/y/z"
          lower = [\(quoted(odd + "lower"))]
          upper = \(quoted(odd + "upper"))
          work = \(quoted(odd + "work"))
          [[mounts]]
          type = "overlay"
          target = "/tmp/scratch"
          lower = [\(quoted(odd + "lower"))]
          upper = "tmpfs"
          """
      let script =
        "cat /tmp/x/y/z/a /tmp/x/y/z/b; printf 9 > /tmp/x/y/z/b; printf 7 > /tmp/scratch/a; cat /tmp/scratch/a; echo"
      let result = try run(spec, in: folder, script)
      #expect(result.stdout == "427\n", "\(result.stderr)")
      // The persistent upper got the write; the lower and the scratch layer's lower are untouched.
      #expect(try String(contentsOfFile: odd + "upper/b", encoding: .utf8) == "9")
      #expect(try String(contentsOfFile: odd + "lower/a", encoding: .utf8) == "1")
      #expect(try String(contentsOfFile: odd + "lower/b", encoding: .utf8) == "2")
    }
  }

  @Test func devptsAndMqueue() throws {
    let spec =
      Self.header + """
        [[mounts]]
        type = "devpts"
        target = "/dev/pts"
        [[mounts]]
        type = "mqueue"
        target = "/dev/mqueue"
        """
    let script = Self.topmost(["/dev/pts", "/dev/mqueue"], options: true)
    let result = try withFolder { try run(spec, in: $0, script) }
    #expect(
      result.stdout == """
        /dev/pts devpts rw,mode=620,ptmxmode=666 rw,nosuid,noexec,relatime
        /dev/mqueue mqueue rw rw,nosuid,nodev,noexec,relatime

        """, "\(result.stderr)")
  }

  @Test func nothingReachesASharedHostTree() throws {
    // A throwaway mount namespace whose tree is made shared, as on systemd machines; nsbuild runs inside it.
    let script = """
      mount --make-rshared / && cat /proc/self/mountinfo > "$1/before" && \
      "$2" run "$3" -- sh -c 'mount -t tmpfs none /mnt; true' >/dev/null 2>&1; \
      "$2" run "$3" -- /nonexistent >/dev/null 2>&1; \
      cat /proc/self/mountinfo > "$1/after"; cmp -s "$1/before" "$1/after" && echo unchanged
      """
    let result = try withFolder { folder in
      let process = try NSBuildProcess.runCommand(
        "/usr/bin/unshare",
        [
          "-m", "--propagation", "unchanged", "sh", "-c", script, "sh", folder, NSBuildProcess.binary,
          specsDirectory + "/dev.toml",
        ])
      let mountinfo = try String(contentsOfFile: folder + "/before", encoding: .utf8)
      #expect(mountinfo.contains("shared:"))
      return process
    }
    #expect(result.stdout == "unchanged\n", "\(result.stderr)")
  }
}
