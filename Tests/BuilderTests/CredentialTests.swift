import Foundation
import Testing

/// What the command runs as, checked from inside (/proc/self/status) and, for what the sandbox makes, from the host:
/// exactly the spec's IDs, nothing of the caller's, and the whole ID range where the kernel takes it.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces and switch users; CI runs as root"))
struct CredentialTests: ScratchFolderTests {
  static let ids = "grep -E '^(Uid|Gid|Groups):' /proc/self/status | tr -s '\\t ' ' '"

  /// Runs `nsbuild ARGS` from a public copy holding `spec` as s.toml, through `setpriv PRIV…` when given.
  func run(_ spec: String, _ args: [String], setpriv: [String] = [], in folder: String? = nil) throws
    -> NSBuildProcess.Result
  {
    let folder = try folder ?? NSBuildProcess.publicCopy(specs: [:])
    let words = [folder + "/nsbuild", args[0], try write(spec, to: folder)] + args.dropFirst()
    if setpriv.isEmpty { return try NSBuildProcess.runCommand(words[0], Array(words.dropFirst())) }
    return try NSBuildProcess.runCommand("/usr/bin/setpriv", setpriv + words)
  }

  /// A root caller left out of its own map (0 → 100000) gets the sandbox the spec describes: root inside, mount
  /// points, files and a minimal /dev made, and what it made on the host owned by 100000, the mapped root.
  @Test func rootLeftOutOfItsOwnMapGetsAWorkingSandbox() throws {
    try withFolder { folder in
      let root = folder + "/root"
      try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
      // The mapped root writes into the folder: like any runtime's, it must be the mapped root's (runc: EACCES).
      #expect(chown(root, 100000, 100000) == 0)
      let spec = """
        \(shiftedUserNamespace)
        [root]
        path = "root"
        \(usrFromHost)
        [[mounts]]
        type = "dev"
        target = "/dev"
        [[mounts]]
        type = "tmpfs"
        target = "/tmp"
        [[mounts]]
        type = "proc"
        target = "/proc"
        [[files]]
        type = "file"
        path = "/etc/motd"
        content = "hello"
        """
      let script = Self.ids + "; echo x > /dev/null && echo dev; touch /tmp/t && stat -c %u:%g /tmp/t; cat /etc/motd"
      let result = try run(spec, ["run", "--", "/bin/sh", "-c", script], in: folder)
      #expect(result.stdout == "Uid: 0 0 0 0\nGid: 0 0 0 0\nGroups: \ndev\n0:0\nhello", "\(result.stderr)")
      for path in ["/etc/motd", "/etc", "/usr", "/dev", "/bin"] {
        var info = stat()
        #expect(lstat(root + path, &info) == 0, "\(path)")
        #expect((info.st_uid, info.st_gid) == (100000, 100000), "\(path) is \(info.st_uid):\(info.st_gid)")
      }
      let plan = try run(spec, ["plan", "--", "true"], in: folder)
      #expect(plan.stdout.contains("become 0:0 of the new user namespace"), "\(plan.stdout)")
      #expect(plan.stdout.contains("owned by 100000:100000 there"))
    }
  }

  /// user_namespaces(7): `0 0 4294967295` is the widest map there is, and the kernel takes it.
  @Test func theWholeIDRangeMaps() throws {
    let spec = """
      version = 1
      [namespaces]
      unshare = ["user", "mount", "pid"]
      [user]
      uid_map = [{ inside = 0, outside = 0, count = 4294967295 }]
      gid_map = [{ inside = 0, outside = 0, count = 4294967295 }]
      [[mounts]]
      type = "tmpfs"
      target = "/mnt"
      [process]
      uid = 4294967294
      gid = 4294967294
      """
    let script = "cat /proc/self/uid_map /proc/self/gid_map | tr -s ' ' ' '; id -u; id -g"
    let result = try withFolder { try run(spec, ["run", "--", "/bin/sh", "-c", script], in: $0) }
    #expect(result.stdout == " 0 0 4294967295\n 0 0 4294967295\n4294967294\n4294967294\n", "\(result.stderr)")
  }

  /// runc and crun: additionalGids replace the caller's groups, and a left-out uid or gid is 0. nsbuild started
  /// by a root with another group and extra supplementary groups passes neither on, with or without a user namespace.
  @Test(arguments: ["[\"pid\", \"mount\"]", "[\"pid\", \"mount\", \"user\"]"])
  func theCallersGroupsDoNotReachTheCommand(_ namespaces: String) throws {
    let base = "version = 1\n[namespaces]\nunshare = \(namespaces)\n"
    let caller = ["--regid=1000", "--groups=4,27,6"]
    try withFolder { folder in
      let plain = try run(base, ["run", "--", "/bin/sh", "-c", Self.ids], setpriv: caller, in: folder)
      #expect(plain.stdout == "Uid: 0 0 0 0\nGid: 0 0 0 0\nGroups: \n", "\(plain.stderr)")
      let maps =
        "[user]\nuid_map = [{ inside = 0, outside = 0, count = 65536 }]\n"
        + "gid_map = [{ inside = 0, outside = 0, count = 65536 }]\n"
      let spec = base + (namespaces.contains("user") ? maps : "") + "[process]\nuid = 1000\ngroups = [5]\n"
      let set = try run(spec, ["run", "--", "/bin/sh", "-c", Self.ids], setpriv: caller, in: folder)
      #expect(set.stdout == "Uid: 1000 1000 1000 1000\nGid: 0 0 0 0\nGroups: 5 \n", "\(set.stderr)")
    }
  }

  /// Without root, setgroups is denied in the user namespace and nobody there can drop a supplementary group: the
  /// command keeps them (as 65534), and `plan` says so; started without them, it has none and `plan` is silent.
  @Test func aRootlessCallersGroupsAreKeptAndPlanSaysSo() throws {
    let spec = "version = 1\n[namespaces]\nunshare = [\"user\", \"pid\", \"mount\"]\n"
    let nobody = ["--reuid=65534", "--regid=65534"]
    try withFolder { folder in
      let kept = try run(spec, ["run", "--", "/bin/sh", "-c", Self.ids], setpriv: nobody + ["--groups=4"], in: folder)
      #expect(kept.stdout == "Uid: 0 0 0 0\nGid: 0 0 0 0\nGroups: 65534 \n", "\(kept.stderr)")
      let plan = try run(spec, ["plan", "--", "true"], setpriv: nobody + ["--groups=4"], in: folder)
      #expect((plan.stdout + plan.stderr).contains("keeps your supplementary groups (4)"), "\(plan.stdout)")
      let cleared = try run(
        spec, ["run", "--", "/bin/sh", "-c", Self.ids], setpriv: nobody + ["--clear-groups"], in: folder)
      #expect(cleared.stdout == "Uid: 0 0 0 0\nGid: 0 0 0 0\nGroups: \n", "\(cleared.stderr)")
      let silent = try run(spec, ["plan", "--", "true"], setpriv: nobody + ["--clear-groups"], in: folder)
      #expect(!(silent.stdout + silent.stderr).contains("supplementary groups"))
    }
  }

  /// nsbuild's current hard `nofile` limit, which its children inherit.
  static func currentNofileHard() throws -> UInt64 {
    let limits = try String(contentsOfFile: "/proc/self/limits", encoding: .utf8)
    let line = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max open files") })
    return try #require(UInt64(line.split(whereSeparator: \.isWhitespace)[4]))
  }

  /// A hard limit above the current one, in a user namespace (where nobody can raise it) or for a caller without
  /// CAP_SYS_RESOURCE, fails `check` and `plan` naming the current limit, and `run` before it builds anything.
  @Test(arguments: [
    (["user", "pid", "mount"], [String]()), ([], ["--reuid=65534", "--regid=65534", "--clear-groups"]),
  ])
  func aHardLimitThatCannotBeRaisedFailsBeforeTheSandboxIsBuilt(_ namespaces: [String], _ caller: [String]) throws {
    let current = try Self.currentNofileHard()
    let nrOpen =
      UInt64(try String(contentsOfFile: "/proc/sys/fs/nr_open", encoding: .utf8).split(separator: "\n")[0]) ?? 0
    try #require(current < nrOpen, "the current hard limit is fs.nr_open already")
    let list = namespaces.map { "\"\($0)\"" }.joined(separator: ", ")
    let marker = "/made-by-nsbuild-\(UUID().uuidString)"
    let files = namespaces.contains("mount") ? "[[files]]\ntype = \"dir\"\npath = \"\(marker)\"\n" : ""
    let head = "version = 1\n[namespaces]\nunshare = [\(list)]\n[process]\n"
    try withFolder { folder in
      let said = "the hard nofile limit \(current + 1) is above the current one, \(current)"
      let spec = head + "rlimits = { nofile = \(current + 1) }\n" + files
      let check = try run(spec, ["check"], setpriv: caller, in: folder)
      #expect(check.status == 1)
      #expect(check.stderr.contains("s.toml:5:") && check.stderr.contains("error: rlimits: " + said), "\(check.stderr)")
      let plan = try run(spec, ["plan", "--", "true"], setpriv: caller, in: folder)
      #expect(plan.status == 1)
      #expect(plan.stderr.contains(said), "\(plan.stderr)")
      let ran = try run(spec, ["run", "--", "true"], setpriv: caller, in: folder)
      #expect(ran.status == 125)
      #expect(ran.stderr.contains(said) && !ran.stderr.contains("step"), "\(ran.stderr)")
      #expect(!FileManager.default.fileExists(atPath: marker))
      // At the current hard limit, everything works.
      let fits = head + "rlimits = { nofile = \(current) }\n"
      let ok = try run(fits, ["run", "--", "/bin/sh", "-c", "ulimit -Hn"], setpriv: caller, in: folder)
      #expect(ok.stdout == "\(current)\n", "\(ok.stderr)")
    }
  }

  /// A bind of a host folder that is read-only on the host stays read-only for good, even for a command that keeps
  /// CAP_SYS_ADMIN in its user namespace: the kernel locks the flags of mounts copied into a less privileged mount
  /// namespace. (A clone made with open_tree(2) before the user namespace, as crun makes, is not locked: crun 1.8.1
  /// lets such a command remount it writable and write to the host.)
  @Test func aHostReadOnlyMountStaysLockedInAUserNamespace() throws {
    try withFolder { folder in
      let source = folder + "/ro"
      try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: false)
      #expect(chown(source, 100000, 100000) == 0)
      let spec = """
        \(shiftedUserNamespace)
        [[mounts]]
        type = "bind"
        source = "\(source)"
        target = "/mnt"
        [process]
        capabilities = ["CAP_SYS_ADMIN"]
        """
      _ = try write(spec, to: folder)
      // The folder is made read-only on a host of its own (a private mount namespace), then nsbuild runs there.
      let script =
        "mount --bind \(source) \(source) && mount -o remount,bind,ro \(source) && \(folder)/nsbuild run \(folder)/s.toml -- /bin/sh -c 'mount -o remount,bind,rw /mnt; touch /mnt/written; echo done'"
      let result = try NSBuildProcess.runCommand(
        "/usr/bin/unshare", ["-m", "--propagation", "private", "/bin/sh", "-c", script])
      #expect(result.stdout == "done\n", "\(result.stderr)")
      // mount(8) reports the refused remount, and the write then meets the read-only mount.
      #expect(result.stderr.contains("mount: /mnt: permission denied"), "\(result.stderr)")
      #expect(result.stderr.contains("Read-only file system"), "\(result.stderr)")
      #expect(!FileManager.default.fileExists(atPath: source + "/written"))
    }
  }

  /// A bind source only root of the host can reach (another user's private folder, whose owner the map leaves out)
  /// is opened by nsbuild outside the user namespace, as runc does, so the sandbox gets it; root inside, 100000 on
  /// the host, could not have opened it.
  @Test func aBindSourceOnlyHostRootCanReachIsOpenedOutsideTheUserNamespace() throws {
    try withFolder { folder in
      let home = folder + "/home"
      try FileManager.default.createDirectory(atPath: home + "/project", withIntermediateDirectories: true)
      try Data("secret\n".utf8).write(to: URL(fileURLWithPath: home + "/project/notes"))
      for path in [home, home + "/project", home + "/project/notes"] { #expect(chown(path, 1000, 1000) == 0) }
      #expect(chmod(home, 0o700) == 0)
      #expect(chmod(home + "/project/notes", 0o644) == 0)
      let spec = """
        \(shiftedUserNamespace)
        [[mounts]]
        type = "bind"
        source = "\(home)/project"
        target = "/mnt"
        options = ["ro"]
        """
      let result = try run(spec, ["run", "--", "/bin/sh", "-c", "id -u; cat /mnt/notes"], in: folder)
      #expect(result.stdout == "0\nsecret\n", "\(result.stderr)")
      let plan = try run(spec, ["plan", "--", "true"], in: folder)
      #expect(plan.stdout.contains("parent   open the host paths the sandbox uses, from outside its user namespace"))
    }
  }

  /// Rootless, through newuidmap and newgidmap: a map of subordinate IDs alone leaves the caller out too, and init
  /// becomes their root before it makes anything.
  @Test(
    .enabled(
      if: UserAndTimeTests.subordinateRangesForNobody,
      "needs newuidmap (uidmap package) and a /etc/subuid range for 65534"))
  func rootlessCallerLeftOutOfItsOwnMapGetsAWorkingSandbox() throws {
    let range = { (file: String) throws -> String in
      let line = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        .first { $0.hasPrefix("65534:") }?.split(separator: ":")
      return line.map { String($0[1]) } ?? "0"
    }
    let spec = """
      version = 1
      [namespaces]
      unshare = ["user", "mount", "pid"]
      [user]
      uid_map = [{ inside = 0, outside = \(try range("/etc/subuid")), count = 1000 }]
      gid_map = [{ inside = 0, outside = \(try range("/etc/subgid")), count = 1000 }]
      [root]
      type = "tmpfs"
      \(usrFromHost)
      [[mounts]]
      type = "dev"
      target = "/dev"
      """
    let script = "id -u; id -g; echo x > /dev/null && echo dev; mkdir /made && stat -c %u:%g /made"
    let nobody = ["--reuid=65534", "--regid=65534", "--clear-groups"]
    let result = try withFolder { try run(spec, ["run", "--", "/bin/sh", "-c", script], setpriv: nobody, in: $0) }
    #expect(result.stdout == "0\n0\ndev\n0:0\n", "\(result.stderr)")
  }
}
