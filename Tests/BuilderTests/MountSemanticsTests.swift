import Builder
import Foundation
import Testing

/// What the kernel makes of a mount beyond mounting it: overlays in a user namespace, mounts hidden beneath an
/// overlay's layers or a bind's source, and propagation to and from the host. Checked from inside and from the host.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces and to run as another user"))
struct MountSemanticsTests: ScratchFolderTests {
  /// Rootless (setpriv to uid 65534, mapped to root inside), an overlay's lower folders can be removed and renamed
  /// through the overlay, with a persistent upper folder and with a tmpfs one: the kernel keeps the whiteouts and
  /// redirects in `user.overlay.*` xattrs (`userxattr`), which plan shows. The lower folder stays as it was.
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
      #expect(plan.stdout.components(separatedBy: ",userxattr\")").count == 3, "\(plan.stdout)")
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
      // A failure plan did not foresee has no note: a file whose folder is a file (ENOTDIR).
      let unforeseen = try NSBuildProcess.run(
        ["run", try write(spec.replacingOccurrences(of: "/f\"", with: "/f/sub\""), to: folder), "--", "true"])
      #expect(unforeseen.status == 125)
      #expect(unforeseen.stderr.contains("ENOTDIR") && !unforeseen.stderr.contains("= note"), "\(unforeseen.stderr)")
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
