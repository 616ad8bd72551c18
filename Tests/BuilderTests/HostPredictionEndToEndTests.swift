import Foundation
import Testing

/// Failures plan foresees from the host (issue 9's fresh-user findings 5 and 6), checked with the built binary:
/// plan warns, and run either works as plan said or fails at the step plan named, repeating the cause.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces and to mount in a throwaway namespace"))
struct HostPredictionEndToEndTests: ScratchFolderTests {
  /// Runs `nsbuild ARGS` in a throwaway mount namespace after the shell command `setup` ran there.
  func inMountNamespace(_ setup: String, _ folder: String, _ arguments: [String]) throws -> NSBuildProcess.Result {
    try NSBuildProcess.runCommand(
      "/usr/bin/unshare", ["-m", "sh", "-c", setup + " && exec \"$0\" \"$@\"", folder + "/nsbuild"] + arguments)
  }

  static let procSpec =
    "version = 1\n[namespaces]\nunshare = [\"user\", \"mount\", \"pid\"]\n[[mounts]]\ntype = \"proc\"\ntarget = \"/proc\"\n"
  static let sysfsSpec =
    "version = 1\n[namespaces]\nunshare = [\"user\", \"mount\", \"net\"]\n[[mounts]]\ntype = \"sysfs\"\ntarget = \"/sys\"\n"

  /// A mount on the permanently empty /proc/sys/fs/binfmt_misc (where systemd mounts binfmt_misc) hides nothing, and
  /// the kernel ignores it: plan does not warn, and run mounts the fresh proc.
  @Test func aMountOnBinfmtMiscDoesNotStopAFreshProc() throws {
    try withFolder { folder in
      let spec = try write(Self.procSpec, to: folder)
      let setup = "mount -t tmpfs none /proc/sys/fs/binfmt_misc"
      let plan = try inMountNamespace(setup, folder, ["plan", spec, "--", "true"])
      #expect(plan.status == 0, "\(plan.stderr)")
      #expect(!plan.stdout.contains("partly covered") && !plan.stderr.contains("partly covered"), "\(plan.stdout)")
      let run = try inMountNamespace(setup, folder, ["run", spec, "--", "/bin/cat", "/proc/self/comm"])
      #expect(run.status == 0, "\(run.stderr)")
      #expect(run.stdout == "cat\n")
    }
  }

  /// sysfs follows the same rule as proc: a tmpfs on /sys/kernel/mm makes plan warn, tied to the mount step, and
  /// run's EPERM repeats it; the host's own mounts on permanently empty folders (/sys/fs/cgroup here) do not.
  @Test func aPartlyCoveredSysIsForeseenForAFreshSysfs() throws {
    try withFolder { folder in
      let spec = try write(Self.sysfsSpec, to: folder)
      let clean = try NSBuildProcess.run(["plan", spec, "--", "true"])
      #expect(!clean.stdout.contains("partly covered"), "\(clean.stdout)")
      let listed = try NSBuildProcess.run(["run", spec, "--", "/bin/ls", "/sys/kernel"])
      #expect(listed.status == 0, "\(listed.stderr)")

      let setup = "mount -t tmpfs none /sys/kernel/mm"
      let plan = try inMountNamespace(setup, folder, ["plan", spec, "--format", "json", "--", "true"])
      let json = try #require(
        try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any], "\(plan.stderr)")
      let warnings = try #require(json["warnings"] as? [[String: Any]])
      let warning = try #require(
        warnings.first { ($0["message"] as? String)?.contains("host's /sys is partly covered") ?? false },
        "\(warnings)")
      #expect(
        warning["message"] as? String
          == "the host's /sys is partly covered (/sys/kernel/mm): the kernel refuses a fresh sysfs inside a user namespace then"
      )
      let steps = try #require(json["steps"] as? [[String: Any]])
      let mountStep = try #require(steps.first { ($0["title"] as? String)?.hasPrefix("mount sysfs") ?? false })
      #expect(warning["steps"] as? [Int] == [try #require(mountStep["id"] as? Int)])

      let run = try inMountNamespace(setup, folder, ["run", spec, "--", "true"])
      #expect(run.status == 125)
      #expect(run.stderr.contains("mount(2): EPERM"), "\(run.stderr)")
      #expect(run.stderr.contains("= note: plan warned: the host's /sys is partly covered (/sys/kernel/mm)"))
      #expect(run.stderr.contains("sysfs cannot be mounted in a user namespace when the host /sys is partly covered"))

      // A read-only host /sys (as in a container) takes only a read-only fresh sysfs: the map leaves host root out,
      // so nsbuild's protection does not make this one read-only by itself.
      let maps =
        "[user]\nuid_map = [{ inside = 0, outside = 100000, count = 65536 }]\ngid_map = [{ inside = 0, outside = 100000, count = 65536 }]\n"
      let writable = try write(Self.sysfsSpec + maps, to: folder)
      let readOnlySys = "mount -o remount,bind,ro /sys"
      let refused = try inMountNamespace(readOnlySys, folder, ["run", writable, "--", "/bin/true"])
      #expect(refused.status == 125)
      #expect(
        refused.stderr.contains(
          "= note: plan warned: the host's /sys is read-only and this sysfs is not (add \"ro\" to its options)"),
        "\(refused.stderr)")
      let readOnly = try write(Self.sysfsSpec + "options = [\"ro\"]\n" + maps, to: folder)
      let quiet = try inMountNamespace(readOnlySys, folder, ["plan", readOnly, "--", "/bin/true"])
      #expect(!quiet.stdout.contains("the host's /sys"), "\(quiet.stdout)")
      let works = try inMountNamespace(readOnlySys, folder, ["run", readOnly, "--", "/bin/true"])
      #expect(works.status == 0, "\(works.stderr)")
    }
  }

  /// The warnings of `plan --format json` about `needle`, with the steps each is tied to, and the plan's steps.
  func warnings(_ plan: NSBuildProcess.Result, about needle: String) throws -> (
    warnings: [[String: Any]], steps: [[String: Any]], hostChanges: [String]
  ) {
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any], "\(plan.stderr)")
    let all = try #require(json["warnings"] as? [[String: Any]])
    let summary = try #require(json["summary"] as? [String: Any])
    return (
      all.filter { ($0["message"] as? String)?.contains(needle) ?? false },
      try #require(json["steps"] as? [[String: Any]]), try #require(summary["host_changes"] as? [String])
    )
  }

  /// The id of the step titled `title`.
  func stepID(_ steps: [[String: Any]], _ title: String) throws -> Int {
    try #require(steps.first { ($0["title"] as? String) == title }?["id"] as? Int, "no step \(title)")
  }

  /// On the host's tree, a dangling symlink on the way to a mount target and to a `[[files]]` path: plan warns, tied
  /// to each step, and does not list them as left on the host; run refuses at that step with a help line about the
  /// link and plan's warning, and makes nothing at the link's destination.
  @Test func aDanglingSymlinkOnTheHostTreeIsForeseen() throws {
    try withFolder { folder in
      try FileManager.default.createSymbolicLink(atPath: folder + "/hostlink", withDestinationPath: folder + "/nothere")
      let spec = try write(
        """
        version = 1
        [namespaces]
        unshare = ["mount"]
        [[mounts]]
        type = "tmpfs"
        target = "\(folder)/hostlink/x"
        [[files]]
        type = "file"
        path = "\(folder)/hostlink/y/f"
        content = "x"
        """, to: folder)
      let plan = try warnings(
        NSBuildProcess.run(["plan", spec, "--format", "json", "--", "true"]), about: "is a symlink to")
      #expect(plan.warnings.count == 2, "\(plan.warnings)")
      #expect(
        plan.warnings.first?["message"] as? String
          == "\(folder)/hostlink, on the way to the mount target \(folder)/hostlink/x, is a symlink to \(folder)/nothere, which does not exist: on the host's tree run makes no folder through a symlink (it would be a host path the plan does not name), so it would refuse; make \(folder)/nothere first, or name the real path in the spec"
      )
      #expect(
        plan.warnings.first?["steps"] as? [Int] == [try stepID(plan.steps, "mount tmpfs on \(folder)/hostlink/x")])
      #expect(plan.warnings.last?["steps"] as? [Int] == [try stepID(plan.steps, "create file \(folder)/hostlink/y/f")])
      #expect(!plan.hostChanges.contains { $0.contains("hostlink") }, "\(plan.hostChanges)")
      #expect(try NSBuildProcess.run(["plan", spec, "--detailed-exitcode", "--", "true"]).status == 0)

      let run = try NSBuildProcess.run(["run", spec, "--", "true"])
      #expect(run.status == 125)
      #expect(
        run.stderr.contains(
          "= help: nsbuild follows no symlink beneath a bind or an overlay, nor one on the host's tree that plan did not show"
        ), "\(run.stderr)")
      #expect(run.stderr.contains("= note: plan warned: \(folder)/hostlink, on the way to the mount target"))
      #expect(!FileManager.default.fileExists(atPath: folder + "/nothere"))
    }
  }

  /// In a root folder, a file where a `[[files]]` folder's parent should be, a file where a folder entry itself
  /// should be, and a file entry over a file with other contents: plan names each in the root folder (not as a path
  /// of the host's `/`), shows the entries in the way as `!`, ties each warning to its step, and lists none of them
  /// as left on the host; run fails at the first with the note, and leaves the files as they were.
  @Test func entriesInTheWayInARootFolderAreForeseen() throws {
    try withFolder { folder in
      let root = folder + "/rootfs"
      try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
      try Data("hi\n".utf8).write(to: URL(fileURLWithPath: root + "/etc/motd"))
      try Data("x\n".utf8).write(to: URL(fileURLWithPath: root + "/bin"))
      let spec = try write(
        """
        version = 1
        [namespaces]
        unshare = ["mount"]
        [root]
        path = "rootfs"
        [[files]]
        type = "dir"
        path = "/etc/motd/sub/deeper"
        [[files]]
        type = "file"
        path = "/bin"
        content = "y"
        [[files]]
        type = "dir"
        path = "/etc/motd"
        """, to: folder)
      let plan = try warnings(
        NSBuildProcess.run(["plan", spec, "--format", "json", "--", "true"]), about: root)
      #expect(
        plan.warnings.compactMap { $0["message"] as? String }.sorted() == [
          "\(root)/bin exists on the host with other contents: run will refuse to overwrite it",
          "\(root)/etc/motd exists on the host and is not a folder (a file with other contents): run cannot make the folder there",
          "\(root)/etc/motd, on the way to /etc/motd/sub/deeper, is not a folder: run cannot make anything beneath it (ENOTDIR)",
        ])
      for warning in plan.warnings { #expect((warning["steps"] as? [Int])?.count == 1, "\(warning)") }
      #expect(plan.hostChanges.isEmpty, "\(plan.hostChanges)")
      let text = try NSBuildProcess.run(["plan", spec, "--", "true"]).stdout
      #expect(
        text.contains(
          "! init     create file /bin  (a file with other contents is in the way of a file: run refuses to replace it)"
        ),
        "\(text)")
      #expect(text.contains("! init     create dir /etc/motd  (a file with other contents is in the way of a dir"))
      #expect(
        text.contains("Legend: + create  ~ change in place  = already as wanted (skipped)  ! in the way (run refuses)"))

      let run = try NSBuildProcess.run(["run", spec, "--", "true"])
      #expect(run.status == 125)
      #expect(run.stderr.contains("/etc/motd/sub: openat2(2): ENOTDIR"), "\(run.stderr)")
      #expect(
        run.stderr.contains(
          "= note: plan warned: \(root)/etc/motd, on the way to /etc/motd/sub/deeper, is not a folder"))
      #expect(try String(contentsOfFile: root + "/etc/motd", encoding: .utf8) == "hi\n")
      #expect(try String(contentsOfFile: root + "/bin", encoding: .utf8) == "x\n")
    }
  }

  /// A root folder reached through a symlinked folder: plan names the real path; run refuses it (ELOOP: it opens a
  /// root folder through no symlink) and repeats that; the real path runs.
  @Test func aRootFolderReachedThroughASymlinkIsForeseen() throws {
    try withFolder { folder in
      try FileManager.default.createDirectory(atPath: folder + "/real/rootfs", withIntermediateDirectories: true)
      try FileManager.default.createSymbolicLink(atPath: folder + "/link", withDestinationPath: "real")
      let spec = { (path: String) in
        "version = 1\n[namespaces]\nunshare = [\"mount\"]\n[root]\npath = \"\(path)\"\n[[mounts]]\ntype = \"bind\"\nsource = \"/usr\"\ntarget = \"/usr\"\noptions = [\"ro\"]\n[[files]]\ntype = \"symlink\"\npath = \"/lib\"\nlink = \"usr/lib\"\n[[files]]\ntype = \"symlink\"\npath = \"/lib64\"\nlink = \"usr/lib64\"\n"
      }
      let linked = try write(spec(folder + "/link/rootfs"), to: folder)
      let expected =
        "the root folder \(folder)/link/rootfs is reached through a symlink (it is \(folder)/real/rootfs): run opens it through no symlink, so that nobody can swap one on the way, and would fail (ELOOP); write `path = \"\(folder)/real/rootfs\"`"
      let plan = try warnings(
        NSBuildProcess.run(["plan", linked, "--format", "json", "--", "true"]), about: "reached through a symlink")
      #expect(plan.warnings.map { $0["message"] as? String } == [expected])
      #expect(
        plan.warnings.first?["steps"] as? [Int] == [try stepID(plan.steps, "open the host paths the sandbox uses")])
      let run = try NSBuildProcess.run(["run", linked, "--", "/usr/bin/true"])
      #expect(run.status == 125)
      #expect(run.stderr.contains("\(folder)/link/rootfs: openat2(2): ELOOP"), "\(run.stderr)")
      #expect(run.stderr.contains("= note: plan warned: " + expected))

      let real = try write(spec(folder + "/real/rootfs"), to: folder)
      let clean = try NSBuildProcess.run(["plan", real, "--", "/usr/bin/true"])
      #expect(!clean.stdout.contains("reached through a symlink"))
      let works = try NSBuildProcess.run(["run", real, "--", "/usr/bin/true"])
      #expect(works.status == 0, "\(works.stderr)")
    }
  }

  /// A map that leaves the caller's root out (0 -> 100000): a root-owned root folder, and a root-owned host folder
  /// that a mount point would be made in, are not the sandbox root's to write. plan says so for each step that
  /// makes something there, with the owner to give them; run fails at that step (EACCES) and repeats it; after
  /// chown 100000:100000 plan is silent and the sandbox works.
  @Test func aFolderTheMappedRootCannotWriteIsForeseen() throws {
    try withFolder { folder in
      let root = folder + "/rootfs"
      for path in [root, folder + "/priv"] {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
      }
      let spec = try write(
        """
        \(shiftedUserNamespace)
        [root]
        path = "rootfs"
        \(usrFromHost)
        [[mounts]]
        type = "tmpfs"
        target = "/mnt/priv"
        """, to: folder)
      let command = ["--", "/usr/bin/stat", "-c", "%u %F", "/mnt/priv"]
      let plan = try warnings(
        NSBuildProcess.run(["plan", spec, "--format", "json"] + command), about: "may not write")
      #expect(
        plan.warnings.first?["message"] as? String
          == "\(root) is 0:0, mode 755, which the sandbox's root (100000:100000 on the host, as the map says) may not write: run would fail making \(root)/usr there (EACCES); chown 100000:100000 \(root), or map its owner in"
      )
      #expect(plan.warnings.first?["steps"] as? [Int] == [try stepID(plan.steps, "bind /usr on /usr")])
      // One for each entry made in the root folder.
      let made = plan.warnings.compactMap { $0["message"] as? String }.compactMap { message in
        ["/usr", "/bin", "/lib", "/lib64", "/mnt"].first { message.contains("making \(root)\($0) there") }
      }
      #expect(made.sorted() == ["/bin", "/lib", "/lib64", "/mnt", "/usr"], "\(plan.warnings)")
      let mnt = try #require(
        plan.warnings.first { ($0["message"] as? String)?.contains("making \(root)/mnt there") ?? false })
      #expect(mnt["steps"] as? [Int] == [try stepID(plan.steps, "mount tmpfs on /mnt/priv")])
      let run = try NSBuildProcess.run(["run", spec] + command)
      #expect(run.status == 125)
      #expect(run.stderr.contains("/usr: mkdirat(2): EACCES"), "\(run.stderr)")
      #expect(
        run.stderr.contains("= help: in a user namespace the sandbox's root is, on the host, the ID its map gives 0"))
      #expect(run.stderr.contains("= note: plan warned: \(root) is 0:0, mode 755"))

      #expect(try NSBuildProcess.runCommand("/bin/chown", ["100000:100000", root]).status == 0)
      let owned = try NSBuildProcess.run(["plan", spec] + command)
      #expect(!owned.stdout.contains("may not write"), "\(owned.stdout)")
      let works = try NSBuildProcess.run(["run", spec] + command)
      #expect(works.status == 0, "\(works.stderr)")
      #expect(works.stdout == "0 directory\n")

      // On the host's tree: a mount point in a root-owned folder.
      let host = try write(
        "\(shiftedUserNamespace)\n[[mounts]]\ntype = \"tmpfs\"\ntarget = \"\(folder)/priv/x\"\n",
        to: folder)
      let hostPlan = try warnings(
        NSBuildProcess.run(["plan", host, "--format", "json", "--", "true"]), about: "may not write")
      #expect(hostPlan.warnings.count == 1)
      #expect(
        hostPlan.warnings.first?["steps"] as? [Int] == [try stepID(hostPlan.steps, "mount tmpfs on \(folder)/priv/x")])
      let hostRun = try NSBuildProcess.run(["run", host, "--", "true"])
      #expect(hostRun.status == 125)
      #expect(hostRun.stderr.contains("\(folder)/priv/x: mkdirat(2): EACCES"), "\(hostRun.stderr)")
      #expect(!FileManager.default.fileExists(atPath: folder + "/priv/x"))
    }
  }
}
