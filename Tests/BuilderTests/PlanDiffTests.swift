import Foundation
import SpecParser
import Testing

@testable import Builder

@Suite struct PlanDiffTests {
  static let base = """
    version = 1

    [namespaces]
    unshare = ["mount", "uts", "pid", "net"]

    [uts]
    hostname = "box"

    [[mounts]]
    type = "tmpfs"
    target = "/tmp"

    [[mounts]]
    type = "proc"
    target = "/proc"

    [process]
    args = ["/bin/sh"]

    """

  /// `base` with a tmpfs on /data written between /tmp and /proc, at line 13.
  static let withData = base.replacingOccurrences(
    of: "[[mounts]]\ntype = \"proc\"",
    with: "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/data\"\n\n[[mounts]]\ntype = \"proc\"")

  func plan(_ text: String) throws -> Plan {
    try Planner(spec: try decodeSpec(text), state: PlannerTests.root).plan()
  }

  func diff(_ old: String, _ new: String) throws -> PlanDiff {
    PlanDiff(old: try plan(old), new: try plan(new))
  }

  /// Each entry as `+ title`, `- title` or `~ old title → new title`.
  func shape(_ diff: PlanDiff) -> [String] {
    diff.entries.map { entry in
      switch entry {
      case .added(let step): "+ \(step.title)"
      case .removed(let step): "- \(step.title)"
      case .changed(let old, let new): "~ \(old.title) → \(new.title)"
      case .moved(let old, let new): "↕ \(old.id) \(old.title) → \(new.id) \(new.title)"
      }
    }
  }

  @Test func identicalSpecsHaveNoDifferences() throws {
    let diff = try diff(Self.base, Self.base)
    #expect(diff.isEmpty)
    #expect(diff.entries.isEmpty)
  }

  @Test func anInsertedMountIsOneAddedStepDespiteShiftedFdSlots() throws {
    let old = try plan(Self.base)
    let new = try plan(Self.withData)
    // The proc mount after it takes other fd slots and another id; neither counts.
    let proc = { (plan: Plan) in plan.steps.first { $0.title == "mount proc on /proc" } }
    #expect(proc(old)?.calls != proc(new)?.calls)
    let diff = PlanDiff(old: old, new: new)
    #expect(shape(diff) == ["+ mount tmpfs on /data"])
    guard case .added(let step)? = diff.entries.first else { return }
    #expect(step.origin?.start.line == 13)
    #expect(step.origin?.start.column == 1)
    #expect(step.kind == .mount)
  }

  @Test func aRemovedMountIsOneRemovedStep() throws {
    let diff = try diff(Self.withData, Self.base)
    #expect(shape(diff) == ["- mount tmpfs on /data"])
  }

  @Test func aChangedHostnameIsOneChangedStepWithItsCalls() throws {
    let diff = try diff(Self.base, Self.base.replacingOccurrences(of: "\"box\"", with: "\"devbox\""))
    #expect(shape(diff) == ["~ set hostname box → set hostname devbox"])
    guard case .changed(let old, let new)? = diff.entries.first else { return }
    #expect(
      PlanDiff.callChanges(old: old, new: new) == [
        .removed("sethostname(\"box\", 3)"), .added("sethostname(\"devbox\", 6)"),
      ])
  }

  @Test func aRemovedNamespaceChangesUnshareAndRemovesItsSteps() throws {
    let diff = try diff(Self.base, Self.base.replacingOccurrences(of: ", \"net\"", with: ""))
    #expect(shape(diff) == ["~ unshare mount, pid, net, uts → unshare mount, pid, uts", "- bring lo up"])
    guard case .changed(let old, let new)? = diff.entries.first else { return }
    #expect(old.kind == .unshare && new.kind == .unshare)
  }

  @Test func aRemovedUserNamespaceRemovesTheMaps() throws {
    let old = Self.base.replacingOccurrences(of: "[\"mount\"", with: "[\"user\", \"mount\"")
    #expect(
      shape(try diff(old, Self.base)) == [
        "~ unshare user, mount, pid, net, uts → unshare mount, pid, net, uts", "- write uid_map: 0 0 1",
        "- write gid_map: 0 0 1", "- open the host paths the sandbox uses, from outside its user namespace",
        "~ receive the host paths nsbuild opened → open the host paths the sandbox uses",
        "- drop your supplementary groups in the new user namespace",
      ])
  }

  @Test func aChangedBindSourceChangesTheSourcesAndTheMount() throws {
    let make = { (source: String) in
      Self.base.replacingOccurrences(
        of: "[process]", with: "[[mounts]]\ntype = \"bind\"\nsource = \"\(source)\"\ntarget = \"/src\"\n\n[process]")
    }
    #expect(
      shape(try diff(make("/usr"), make("/opt"))) == [
        "~ open the host paths the sandbox uses → open the host paths the sandbox uses",
        "~ bind /usr on /src → bind /opt on /src",
      ])
  }

  @Test func keysNameWhatAStepActsOn() throws {
    let steps = try plan(Self.withData).steps
    #expect(
      steps.map(PlanDiff.key) == [
        "spawn", "unshare", "fork", "hostname", "loopback lo", "propagation /", "sources", "mount /tmp", "mount /data",
        "mount /proc", "protect /proc", "fork_command", "session", "bounding_set", "credentials", "capabilities",
        "no_new_privs", "cwd", "close_fds", "exec",
      ])
  }

  @Test func fdSlotsAreNormalised() {
    #expect(PlanDiff.normalized("mount(fd[12] (/a), fd[3], fd[x], fd[])") == "mount(fd[_] (/a), fd[_], fd[x], fd[])")
  }

  @Test func alignmentPutsRemovalsBeforeAdditions() {
    let pairs = PlanDiff.Alignment.align(["a", "b", "c"], ["a", "x", "c", "d"])
    #expect(pairs == [.matched(0, 0), .removed(1), .added(1), .matched(2, 2), .added(3)])
  }
}

/// `nsbuild diff` run as a program: output, JSON and exit status. Plans only, so no root needed.
@Suite struct DiffCommandTests {
  static let specs = [
    "old.toml": PlanDiffTests.base,
    "new.toml": PlanDiffTests.withData.replacingOccurrences(of: "\"box\"", with: "\"devbox\""),
  ]

  /// Runs `nsbuild diff ARGS` in a temporary folder holding `specs`, then removes the folder.
  func diff(_ arguments: [String], specs: [String: String] = specs) throws -> NSBuildProcess.Result {
    let folder = try NSBuildProcess.publicCopy(specs: specs)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    return try NSBuildProcess.run(["diff"] + arguments, directory: folder)
  }

  @Test func sameSpecsExitZero() throws {
    let result = try diff(["old.toml", "old.toml"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stdout == "No changes: the two specs plan the same steps, with the same warnings and host changes.\n")
  }

  @Test func differentSpecsExitTwoWithOneLinePerChange() throws {
    let result = try diff(["old.toml", "new.toml"])
    #expect(result.status == 2, "\(result.stderr)")
    // run makes /data on the host's tree when it is not there (no root of its own): only NEW leaves it.
    let madeOnHost = FileManager.default.fileExists(atPath: "/data") ? "" : "+ left on the host: mount point /data\n"
    #expect(
      result.stdout == """
        ~ step 4 set hostname devbox  old.toml:7:12 → new.toml:7:12
            - sethostname("box", 3)
            + sethostname("devbox", 6)
        + step 9 mount tmpfs on /data  new.toml:13:1
            + openat2(fd[0], "/data", O_PATH, RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS) = fd[5], made as a directory if missing (and missing parents, 0755)
            + flock(fd[5] (/data) reopened O_RDONLY, LOCK_SH|LOCK_NB), held by the sandbox process
            + fsopen("tmpfs", FSOPEN_CLOEXEC) = fd[6]
            + fsconfig(fd[6], FSCONFIG_CMD_CREATE, NULL, NULL, 0)
            + fsmount(fd[6], FSMOUNT_CLOEXEC, 0) = fd[7]
            + move_mount(fd[7], "", fd[5] (/data), "", MOVE_MOUNT_F_EMPTY_PATH|MOVE_MOUNT_T_EMPTY_PATH)
        \(madeOnHost)
        Diff: 1 added, 0 removed, 1 changed\(madeOnHost.isEmpty ? "" : "; left on the host: 1 added, 0 removed")

        """)
  }

  @Test func jsonCountsEachKindOfChange() throws {
    let result = try diff(["--format", "json", "old.toml", "new.toml"])
    #expect(result.status == 2, "\(result.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    #expect(object?["format_version"] as? Int == 2)
    #expect(object?["old"] as? String == "old.toml")
    #expect(object?["new"] as? String == "new.toml")
    #expect((object?["added"] as? [[String: Any]])?.first?["title"] as? String == "mount tmpfs on /data")
    #expect((object?["removed"] as? [Any])?.count == 0)
    let changed = object?["changed"] as? [[String: Any]]
    #expect(changed?.count == 1)
    #expect(changed?.first?["removed_calls"] as? [String] == ["sethostname(\"box\", 3)"])
    #expect(changed?.first?["added_calls"] as? [String] == ["sethostname(\"devbox\", 6)"])
    #expect(object?["summary"] as? [String: Int] == ["added": 1, "removed": 0, "changed": 1, "moved": 0])
  }

  @Test func aSpecErrorExitsOne() throws {
    let result = try diff(
      ["old.toml", "bad.toml"], specs: ["old.toml": PlanDiffTests.base, "bad.toml": "version = 2\n"])
    #expect(result.status == 1)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.contains("bad.toml:1:"))
  }
}
