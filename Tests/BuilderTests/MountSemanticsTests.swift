import Foundation
import Testing

@testable import Builder

/// What the kernel makes of a mount beyond mounting it: overlays in a user namespace, mounts hidden beneath an
/// overlay's layers or a bind's source, and propagation to and from the host. Checked from inside and from the host.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces and to run as another user"))
struct MountSemanticsTests: ScratchFolderTests {
  /// Rootless (setpriv to uid 65534, mapped to root inside), an overlay's lower folders can be removed and renamed
  /// through the overlay, with a persistent upper folder and with a tmpfs one: the kernel keeps the whiteouts and
  /// redirects in `user.overlay.*` xattrs (`userxattr`), which plan shows. The lower folder stays as it was. (mv
  /// works by copying: rename(2) of a lower folder is EXDEV without `redirect_dir`, which conflicts with `userxattr`.)
  @Test func rootlessOverlayRemovesAndRenamesLowerFolders() throws {
    try withFolder { folder in
      let layers = ["lower", "upper", "work", "o1", "o2"]
      for path in layers + ["lower/d/sub", "lower/e"] {
        try FileManager.default.createDirectory(atPath: folder + "/" + path, withIntermediateDirectories: true)
      }
      try Data("1".utf8).write(to: URL(fileURLWithPath: folder + "/lower/d/sub/f"))
      // All of it the rootless user's: a file of an ID outside the map cannot be copied up (EOVERFLOW).
      let owned = try NSBuildProcess.runCommand("/bin/chown", ["-R", "65534:65534"] + layers.map { folder + "/" + $0 })
      #expect(owned.status == 0, "\(owned.stderr)")
      try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder)
      let spec = try write(
        """
        version = 1
        [namespaces]
        unshare = ["user", "mount", "pid"]
        [[mounts]]
        type = "overlay"
        target = "\(folder)/o1"
        lower = ["\(folder)/lower"]
        upper = "\(folder)/upper"
        work = "\(folder)/work"
        [[mounts]]
        type = "overlay"
        target = "\(folder)/o2"
        lower = ["\(folder)/lower"]
        upper = "tmpfs"
        """, to: folder)
      try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: spec)
      let plan = try NSBuildProcess.run(["plan", spec, "--", "true"], binary: folder + "/nsbuild", asUser: 65534)
      #expect(plan.stdout.components(separatedBy: "FSCONFIG_SET_FLAG, \"userxattr\"").count == 3, "\(plan.stdout)")
      let script = "for o in o1 o2; do cd \(folder)/$o && rm -r d && mv e e2 && ls && cd /; done"
      let result = try NSBuildProcess.run(
        ["run", spec, "--", "/bin/sh", "-c", script], binary: folder + "/nsbuild", asUser: 65534)
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stdout == "e2\ne2\n", "\(result.stderr)")
      // From the host: the lower folder as it was; the persistent upper holds the rename.
      #expect(FileManager.default.fileExists(atPath: folder + "/lower/d/sub/f"))
      #expect(FileManager.default.fileExists(atPath: folder + "/lower/e"))
      #expect(FileManager.default.fileExists(atPath: folder + "/upper/e2"))
    }
  }

  /// A host mount beneath an overlay's lower folder (a tmpfs on lower/x, in a throwaway mount namespace) is not in
  /// the overlay, which shows the folder beneath it on the lower file system: plan says so at the overlay's line. A
  /// recursive bind of the same folder does show it, as root and rootless (where it is a locked mount), and plan
  /// warns of nothing there.
  @Test func mountsBeneathAnOverlayLayerAreReportedAndBindsShowThem() throws {
    try withFolder { folder in
      for path in ["lower/x", "o", "dst"] {
        try FileManager.default.createDirectory(atPath: folder + "/" + path, withIntermediateDirectories: true)
      }
      try Data().write(to: URL(fileURLWithPath: folder + "/lower/x/under"))
      let header = "version = 1\n[namespaces]\nunshare = [\"mount\", \"pid\"]\n"
      let bind = "[[mounts]]\ntype = \"bind\"\nsource = \"\(folder)/lower\"\ntarget = \"\(folder)/dst\"\n"
      let overlay =
        "[[mounts]]\ntype = \"overlay\"\ntarget = \"\(folder)/o\"\nlower = [\"\(folder)/lower\"]\nupper = \"tmpfs\"\n"
      try Data((header + overlay + bind).utf8).write(to: URL(fileURLWithPath: folder + "/root.toml"))
      let rootless = header.replacingOccurrences(of: "[\"mount\"", with: "[\"user\", \"mount\"") + bind
      try Data(rootless.utf8).write(to: URL(fileURLWithPath: folder + "/rootless.toml"))
      for name in ["root.toml", "rootless.toml"] {
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: folder + "/" + name)
      }
      let script = """
        mount -t tmpfs t "$1/lower/x" && touch "$1/lower/x/ontop" || exit 99
        "$1/nsbuild" plan "$1/root.toml" -- true > "$1/plan.txt"
        "$1/nsbuild" plan "$1/rootless.toml" -- true >> "$1/plan.txt"
        "$1/nsbuild" run "$1/root.toml" -- /bin/ls "$1/o/x" "$1/dst/x"
        setpriv --reuid=65534 --regid=65534 --clear-groups "$1/nsbuild" run "$1/rootless.toml" -- /bin/ls "$1/dst/x"
        """
      let result = try NSBuildProcess.runCommand("/usr/bin/unshare", ["-m", "sh", "-c", script, "sh", folder])
      // ls lists dst before o; the last line is the rootless run's.
      #expect(result.stdout == "\(folder)/dst/x:\nontop\n\n\(folder)/o/x:\nunder\nontop\n", "\(result.stderr)")
      let plan = try String(contentsOfFile: folder + "/plan.txt", encoding: .utf8)
      // (The rootless spec, planned as root, is also warned that its default map lets host uid 0 in; the root one
      // gets the spec's host-root warnings, which plan prints with its own.)
      let warnings = plan.split(separator: "\n").filter {
        $0.contains("warning:") && !$0.contains("maps host uid 0") && !$0.contains("host root")
      }
      #expect(
        warnings == [
          "\(folder)/root.toml:4:1: warning: mounted beneath the overlay layer \(folder)/lower: \(folder)/lower/x (tmpfs); the overlay on \(folder)/o shows the folders beneath them on the layer's own file system instead (overlayfs takes a layer's file system, not the mounts on it)"
        ], "\(plan)")
    }
  }

  /// Propagation, measured from both sides on a shared host tree (a throwaway mount namespace made rshared, as on
  /// systemd machines): the command mounts beneath the bind's target, then the host mounts beneath its source, then
  /// each side looks for the other's. Only host → sandbox ever works, under `[root] propagation = "slave"`; nothing
  /// reaches the host. `shared` on the bind does work inside: a mount namespace the command makes passes its
  /// mounts back. Plan warns exactly where a setting cannot work as written.
  @Test(arguments: [
    ("slave", "", "host-to-sandbox=yes nested=no", ""),
    ("slave", "shared", "host-to-sandbox=yes nested=yes", "propagation = \"shared\" on"),
    ("private", "shared", "host-to-sandbox=no nested=yes", "propagation = \"shared\" on"),
    ("private", "slave", "host-to-sandbox=no nested=no", "propagation = \"slave\" on"),
  ])
  func propagationOnASharedHostTree(root: String, bind: String, expected: String, warning: String) throws {
    try withFolder { folder in
      for path in ["src/h", "src/s", "src/n", "dst"] {
        try FileManager.default.createDirectory(atPath: folder + "/" + path, withIntermediateDirectories: true)
      }
      let spec = try write(
        """
        version = 1
        [namespaces]
        unshare = ["mount"]
        [root]
        propagation = "\(root)"
        [[mounts]]
        type = "bind"
        source = "\(folder)/src"
        target = "\(folder)/dst"
        \(bind.isEmpty ? "" : "propagation = \"\(bind)\"")
        [process]
        capabilities = ["CAP_SYS_ADMIN"]
        """, to: folder)
      let command = """
        mount -t tmpfs sandbox "$1/dst/s"; unshare -m --propagation unchanged mount -t tmpfs nested "$1/dst/n"
        touch "$1/ready"; while [ ! -e "$1/go" ]; do sleep 0.05; done
        grep -q " $1/dst/h " /proc/self/mountinfo && printf host-to-sandbox=yes || printf host-to-sandbox=no
        grep -q " $1/dst/n " /proc/self/mountinfo && echo " nested=yes" || echo " nested=no"
        """
      let host = """
        mount --make-rshared / && "$1/nsbuild" plan "$2" -- true > "$1/plan.txt" || exit 99
        "$1/nsbuild" run "$2" -- /bin/sh -c '\(command)' sh "$1" &
        while [ ! -e "$1/ready" ]; do sleep 0.05; done
        grep -q " $1/src/s " /proc/self/mountinfo && echo sandbox-to-host=yes || echo sandbox-to-host=no
        mount -t tmpfs host "$1/src/h"; touch "$1/go"; wait
        """
      let result = try NSBuildProcess.runCommand(
        "/usr/bin/unshare", ["-m", "--propagation", "unchanged", "sh", "-c", host, "sh", folder, spec])
      #expect(result.stdout == "sandbox-to-host=no\n\(expected)\n", "\(result.stderr)")
      let warnings = try String(contentsOfFile: folder + "/plan.txt", encoding: .utf8).split(separator: "\n")
        .filter { $0.contains("warning:") && !$0.contains("host root") }  // the spec's host-root warnings aside
      #expect(warnings.count == (warning.isEmpty ? 0 : 1), "\(warnings)")
      #expect(warnings.allSatisfy { $0.contains(warning) }, "\(warnings)")
    }
  }

  /// On a host whose mounts are private (this machine's default), `[root] propagation = "slave"` has nothing to
  /// follow: plan says so, naming the paths.
  @Test func slaveOnAPrivateHostTreeIsExplained() throws {
    try withFolder { folder in
      let spec = try write(
        "version = 1\n[namespaces]\nunshare = [\"mount\"]\n[root]\npropagation = \"slave\"\n", to: folder)
      let result = try NSBuildProcess.runCommand(
        "/usr/bin/unshare",
        ["-m", "--propagation", "private", folder + "/nsbuild", "plan", spec, "--", "true"])
      #expect(
        result.stdout.contains(
          "warning: [root] propagation = \"slave\" brings nothing from the host beneath /: the host mounts holding them are private here"
        ), "\(result.stdout)")
    }
  }

  /// While a loop on the host keeps swapping a folder of a root folder between missing, a folder and a symlink to
  /// a folder outside the root, runs that make a mount target and a file beneath it never make anything outside
  /// the root, and leave the host's mounts as they were (a run may fail when it meets the swap halfway).
  @Test func aSymlinkSwappedInDuringSetupStaysInsideTheRoot() throws {
    try withFolder { folder in
      let (root, outside) = (folder + "/root", folder + "/outside")
      for path in [root, outside] {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
      }
      let spec = try write(
        """
        version = 1
        [namespaces]
        unshare = ["mount"]
        [root]
        path = "\(root)"
        [[mounts]]
        type = "tmpfs"
        target = "/a/b/c"
        [[files]]
        type = "file"
        path = "/a/f"
        content = "x"
        """, to: folder)
      let swapper = Process()
      swapper.executableURL = URL(fileURLWithPath: "/bin/sh")
      swapper.arguments = [
        "-c", "while :; do rm -rf \"$1/a\"; ln -s \"$2\" \"$1/a\"; rm -f \"$1/a\"; mkdir \"$1/a\"; done", "sh", root,
        outside,
      ]
      let before = try HostSnapshot.take()
      try swapper.run()
      for _ in 1...40 { _ = try NSBuildProcess.run(["run", spec, "--", "/nonexistent"]) }
      swapper.terminate()
      swapper.waitUntilExit()
      #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
      try HostSnapshot.expectUnchanged(since: before)
    }
  }

  /// A step whose failure plan foresaw repeats plan's warning as a note: a fresh proc in a user namespace while the
  /// host's /proc is partly covered (a tmpfs on /proc/sys, in a throwaway mount namespace), a [[files]] entry that
  /// exists with other contents, a bind source that does not exist. Each note comes from the warning tied to that
  /// step, and a step that fails for another reason gets none.
  @Test func aFailedStepRepeatsTheCausePlanKnew() throws {
    try withFolder { folder in
      let proc = try write(
        "version = 1\n[namespaces]\nunshare = [\"user\", \"mount\", \"pid\"]\n[[mounts]]\ntype = \"proc\"\ntarget = \"/proc\"\n",
        to: folder)
      let covered = try NSBuildProcess.runCommand(
        "/usr/bin/unshare",
        [
          "-m", "sh", "-c", "mount -t tmpfs none /proc/sys && exec \"$0\" run \"$1\" -- true", folder + "/nsbuild",
          proc,
        ])
      #expect(covered.status == 125)
      #expect(covered.stderr.contains("mount(2): EPERM"), "\(covered.stderr)")
      #expect(
        covered.stderr.contains(
          "= note: plan warned: the host's /proc is partly covered (/proc/sys): the kernel refuses a fresh proc"),
        "\(covered.stderr)")
      // The same spec on the uncovered host /proc runs: the warning and the note are about that host.
      #expect(try NSBuildProcess.run(["run", proc, "--", "true"]).status == 0)

      try Data("old".utf8).write(to: URL(fileURLWithPath: folder + "/f"))
      let spec = """
        version = 1
        [namespaces]
        unshare = ["mount"]
        [[files]]
        type = "file"
        path = "\(folder)/f"
        content = "new"
        """
      let existing = try NSBuildProcess.run(["run", try write(spec, to: folder), "--", "true"])
      #expect(existing.status == 125)
      #expect(
        existing.stderr.contains("= note: plan warned: \(folder)/f exists on the host with other contents"),
        "\(existing.stderr)")

      let source = try write(
        """
        version = 1
        [namespaces]
        unshare = ["mount"]
        [[mounts]]
        type = "bind"
        source = "\(folder)/missing"
        target = "/mnt"
        [[files]]
        type = "file"
        path = "\(folder)/g"
        content = "x"
        """, to: folder)
      let missing = try NSBuildProcess.run(["run", source, "--", "true"])
      #expect(missing.status == 125)
      #expect(
        missing.stderr.contains("= note: plan warned: the mount source \(folder)/missing does not exist"),
        "\(missing.stderr)")
      // A file whose folder is a file (ENOTDIR) is foreseen too, tied to its step.
      let notAFolder = try NSBuildProcess.run(
        ["run", try write(spec.replacingOccurrences(of: "/f\"", with: "/f/sub\""), to: folder), "--", "true"])
      #expect(notAFolder.status == 125)
      #expect(notAFolder.stderr.contains("ENOTDIR"), "\(notAFolder.stderr)")
      #expect(
        notAFolder.stderr.contains("= note: plan warned: \(folder)/f, on the way to \(folder)/f/sub, is not a folder"))
      // A failure plan did not foresee has no note: a command that does not exist.
      let unforeseen = try NSBuildProcess.run(
        ["run", try write("version = 1\n[namespaces]\nunshare = [\"mount\"]\n", to: folder), "--", folder + "/none"])
      #expect(
        unforeseen.stderr.contains("execve(2): ENOENT") && !unforeseen.stderr.contains("= note"), "\(unforeseen.stderr)"
      )
    }
  }
}

/// Which steps a plan warning is tied to, in the pure planner.
@Suite struct WarningStepTests {
  @Test func aWarningIsTiedToTheStepFromItsSpecLineOnly() throws {
    let spec = try decodeSpec(
      """
      version = 1
      [namespaces]
      unshare = ["time", "mount"]
      [time]
      boottime = 5
      monotonic = -100
      [[files]]
      type = "file"
      path = "/a"
      content = "new"
      [[files]]
      type = "file"
      path = "/b"
      content = "new"
      """)
    var state = PlannerTests.root
    state.monotonicSeconds = 50
    state.hostEntries["/b"] = .file(contents: Array("old".utf8))
    let plan = try Planner(spec: spec, state: state).plan(command: ["true"])
    let ids = { (kind: Step.Kind, path: String?) in
      plan.steps.filter { $0.kind == kind && (path == nil || $0.title.hasSuffix(path ?? "")) }.map(\.id)
    }
    let tied = Dictionary(uniqueKeysWithValues: plan.warnings.map { ($0.message.prefix(14), $0.stepIDs) })
    #expect(tied["the monotonic "] == [ids(.timeOffsets, nil)[0]], "\(plan.warnings)")  // monotonic is written first
    #expect(tied["/b exists on t"] == ids(.file, "/b"), "\(plan.warnings)")
    #expect(ids(.file, "/b").count == 1)
  }
}

/// Reading mountinfo, and which mounts lie beneath a folder.
@Suite struct HostMountTests {
  static let mountinfo = """
    27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
    40 27 0:40 / /usr rw - ext4 /dev/vdb rw
    41 40 0:41 / /usr/lib/with\\040space rw master:3 - tmpfs t rw
    42 40 0:42 / /usr rw unbindable - tmpfs over rw
    43 42 0:43 / /usr/shown rw - proc proc rw
    44 27 0:44 / /usrx rw - tmpfs t rw
    bad line
    """

  @Test func parsesFieldsAndUnescapesPaths() {
    let mounts = HostMount.parse(Self.mountinfo)
    #expect(mounts.count == 6)
    #expect(mounts[0].peerGroup == 1)
    #expect(mounts[2].mountPoint == "/usr/lib/with space" && mounts[2].masterGroup == 3 && mounts[2].fstype == "tmpfs")
    #expect(mounts[3].isUnbindable)
  }

  /// Beneath /usr is what hangs from the topmost mount there (42, stacked on 40): 43, not 41 (hidden on the host
  /// too), nor /usrx.
  @Test func submountsHangFromTheTopmostMount() {
    let tree = HostMountTree(HostMount.parse(Self.mountinfo))
    #expect(tree.mount(holding: "/usr/lib")?.id == 42)
    #expect(tree.submounts(beneath: "/usr").map(\.id) == [43])
    #expect(tree.submounts(beneath: "/").map(\.id).sorted() == [40, 41, 42, 43, 44])
  }
}

/// The overlay warnings that need no host: the spec's own mounts beneath a layer, on the host's tree.
@Suite struct OverlayLayerTests {
  @Test func theSpecsOwnMountsBeneathALayerAreNamed() throws {
    let spec = try decodeSpec(
      """
      version = 1
      [namespaces]
      unshare = ["mount"]
      [[mounts]]
      type = "tmpfs"
      target = "/data/cache"
      [[mounts]]
      type = "overlay"
      target = "/merged"
      lower = ["/data", "/other"]
      upper = "tmpfs"
      [[mounts]]
      type = "tmpfs"
      target = "/data"
      """)
    let plan = try Planner(spec: spec, state: PlannerTests.root).plan(command: ["true"])
    let warnings = plan.warnings.map(\.message).filter { $0.hasPrefix("mounted beneath") }
    #expect(
      warnings == [
        "mounted beneath the overlay layer /data: /data/cache (tmpfs, of this spec); the overlay on /merged shows the folders beneath them on the layer's own file system instead (overlayfs takes a layer's file system, not the mounts on it)"
      ])
  }
}
