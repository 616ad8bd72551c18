import Foundation
import SpecParser
import Testing

@testable import Builder
@testable import nsbuild

/// What `diff` shows a reviewer besides changed calls: warnings and host changes only one spec has, a step that moved
/// as moved, an added step with its calls. Two real spec files each, read from a scratch folder and planned as
/// `diff` plans them, against a fixed state (root, so a bridge is made; nothing known of the host's paths).
@Suite struct DiffReviewTests {
  static let base = """
    version = 1

    [namespaces]
    unshare = ["user", "mount", "pid"]

    [[mounts]]
    type = "tmpfs"
    target = "/tmp"

    [[mounts]]
    type = "tmpfs"
    target = "/var/cache"

    [process]
    args = ["/bin/sh"]

    """

  /// `base` with its two mounts in the other order (/var/cache from line 6, /tmp from line 10).
  static let swapped = base.replacing(
    "target = \"/tmp\"\n\n[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/var/cache\"",
    with: "target = \"/var/cache\"\n\n[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/tmp\"")

  /// `base` with a writable bind of the host's / on /host written last, from line 14.
  static func withRootBind(_ options: String) -> String {
    base.replacing(
      "[process]",
      with: "[[mounts]]\ntype = \"bind\"\nsource = \"/\"\ntarget = \"/host\"\noptions = [\"\(options)\"]\n\n[process]")
  }

  static let state = GoldenPlanTests.state

  /// Writes `old` and `new` to a scratch folder as old.toml and new.toml, reads them back as `diff` reads a spec and
  /// compares their review plans.
  func diff(_ old: String, _ new: String, state: ObservedState = state) throws -> PlanDiff {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nsbuild-diff-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let plans = try [("old.toml", old), ("new.toml", new)].map { name, text in
      try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/" + name))
      let loaded = try SpecLoader(reader: RealKernel()).load(folder + "/" + name)
      let spec = try #require(loaded.check.spec, "\(loaded.check.diagnostics.map(\.message))")
      return try DiffCommand.reviewPlan(spec, diagnostics: loaded.check.diagnostics, state: state)
    }
    return PlanDiff(old: plans[0], new: plans[1])
  }

  func text(_ diff: PlanDiff) -> String {
    DiffTextRenderer(color: false, old: "old.toml", new: "new.toml").render(diff)
  }

  @Test func aWarningOnlyNewGivesIsShownAddedAndTheSameOnesCounted() throws {
    let diff = try diff(Self.base, Self.base.replacing("\"user\", ", with: ""))
    // Only OLD's user namespace maps the caller, root, to root inside.
    let removed = diff.warnings.removed.map(\.message)
    #expect(removed.count == 1 && removed.first?.hasPrefix("this user namespace maps host uid 0 in") == true)
    let added = diff.warnings.added.map(\.message)
    #expect(added.first?.hasPrefix("the command runs as host root") == true, "\(added)")
    #expect(diff.warnings.added.first?.origin?.start.line == 4)
    #expect(diff.warnings.unchanged == 0)
    let shown = text(diff)
    #expect(shown.contains("\n+ warning: the command runs as host root: "), "\(shown)")
    #expect(shown.contains("new.toml:4:11\n"))
    #expect(shown.contains("\n- warning: this user namespace maps host uid 0 in "))
    #expect(shown.contains("old.toml:4:11\n"))
    #expect(shown.hasSuffix("; warnings: \(added.count) added, 1 removed, 0 unchanged\n"), "\(shown)")
    // The other way round, the same warnings are removed, at OLD's place.
    let back = try self.diff(Self.base.replacing("\"user\", ", with: ""), Self.base)
    #expect(back.warnings.removed.map(\.message) == added)
    #expect(back.warnings.added.map(\.message) == removed)
    #expect(text(back).contains("\n- warning: the command runs as host root: "))
  }

  @Test func aWarningThatNamesAShiftedLineIsTheSameWarning() throws {
    // The tmpfs on /tmp written twice: the first is hidden, and the warning names the later one's line.
    let hidden = Self.base.replacing("[process]", with: "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/tmp\"\n\n[process]")
    let shifted = hidden.replacing("version = 1\n", with: "version = 1\n# reviewed\n# twice\n")
    let old = try DiffCommand.reviewPlan(try decodeSpec(hidden), diagnostics: [], state: Self.state)
    let warning = try #require(old.warnings.first { $0.message.contains("hides this one") })
    #expect(warning.message.contains("at line 14 "), "\(warning.message)")
    let diff = try diff(hidden, shifted)
    #expect(diff.warnings.isEmpty, "\(diff.warnings)")
    #expect(diff.warnings.unchanged == old.warnings.count)
  }

  @Test func aReorderedMountIsShownMovedOnly() throws {
    let diff = try diff(Self.base, Self.swapped)
    guard diff.entries.count == 1, case .moved(let old, let new) = diff.entries[0] else {
      Issue.record("not one moved step: \(diff.entries)")
      return
    }
    #expect(old.title == new.title)
    #expect(PlanDiff.callChanges(old: old, new: new).isEmpty)
    #expect(diff.warnings.isEmpty && diff.hostChanges.isEmpty)
    let shown = text(diff)
    let lines = shown.split(separator: "\n").map(String.init)
    #expect(
      lines == [
        "↕ step \(new.id) \(new.title)  moved from step \(old.id) to \(new.id)  old.toml:\(old.origin?.start.line ?? 0):1 → new.toml:\(new.origin?.start.line ?? 0):1",
        "Diff: 0 added, 0 removed, 1 changed (1 moved)",
      ], "\(shown)")
    #expect(old.id != new.id)
  }

  @Test func aMovedAndChangedMountShowsItsPlaceAndItsCalls() throws {
    let diff = try diff(
      Self.base, Self.swapped.replacing("target = \"/tmp\"", with: "target = \"/tmp\"\nsize = \"1m\""))
    let moved = diff.entries.compactMap { entry -> (Step, Step)? in
      if case .moved(let old, let new) = entry { (old, new) } else { nil }
    }
    #expect(moved.count == 1)
    let (old, new) = try #require(moved.first)
    #expect(new.title == "mount tmpfs on /tmp")
    #expect(PlanDiff.differ(old, new))
    #expect(
      PlanDiff.callChanges(old: old, new: new).contains(
        .added(#"fsconfig(fd[\#(slot(new))], FSCONFIG_SET_STRING, "size", "1048576", 0)"#)))
    #expect(!diff.entries.contains { if case .added = $0 { true } else { false } })
    #expect(!diff.entries.contains { if case .removed = $0 { true } else { false } })
    let shown = text(diff)
    #expect(shown.contains("↕ step \(new.id) mount tmpfs on /tmp  moved from step \(old.id) to \(new.id)  "))
    #expect(shown.contains("\n    + fsconfig(fd["), "\(shown)")
  }

  /// The slot fsopen(2) gives a tmpfs mount step (its `= fd[N]`).
  func slot(_ step: Step) -> Int {
    for case .fsopen(_, let slot) in step.calls { return slot }
    return -1
  }

  @Test func anAddedWritableBindOfRootShowsItsCalls() throws {
    let diff = try diff(Self.base, Self.withRootBind("rw"))
    let added = diff.entries.compactMap { entry -> Step? in if case .added(let step) = entry { step } else { nil } }
    let bind = try #require(added.first { $0.title == "bind / on /host" }, "\(diff.entries)")
    let setattr = try #require(bind.calls.map(\.description).first { $0.hasPrefix("mount_setattr(") })
    #expect(setattr.contains("attr_clr: MOUNT_ATTR_RDONLY"), "\(setattr)")
    let shown = text(diff)
    #expect(shown.contains("+ step \(bind.id) bind / on /host  new.toml:14:1\n"), "\(shown)")
    #expect(shown.contains("\n    + " + setattr + "\n"), "\(shown)")
    // A read-only one is told apart by the same call.
    let readOnly = try self.diff(Self.base, Self.withRootBind("ro"))
    let shownReadOnly = text(readOnly)
    #expect(shownReadOnly.contains("attr_set: MOUNT_ATTR_RDONLY"), "\(shownReadOnly)")
    #expect(!shownReadOnly.contains("attr_clr: MOUNT_ATTR_RDONLY"))
    // Made writable later: the one call that differs, old and new.
    let madeWritable = try self.diff(Self.withRootBind("ro"), Self.withRootBind("rw"))
    guard madeWritable.entries.count == 1, case .changed(let old, let new) = madeWritable.entries[0] else {
      Issue.record("\(madeWritable.entries)")
      return
    }
    let calls = PlanDiff.callChanges(old: old, new: new)
    #expect(calls.count == 2)
    #expect(text(madeWritable).contains("\n    - mount_setattr("))
    #expect(text(madeWritable).contains("attr_clr: MOUNT_ATTR_RDONLY})\n"))
  }

  @Test func aRemovedStepIsOneLine() throws {
    let diff = try diff(Self.withRootBind("rw"), Self.base)
    let removed = diff.entries.compactMap { entry -> Step? in if case .removed(let step) = entry { step } else { nil } }
    let bind = try #require(removed.first { $0.title == "bind / on /host" }, "\(diff.entries)")
    let shown = text(diff)
    #expect(shown.contains("- step \(bind.id) bind / on /host  old.toml:14:1\n"), "\(shown)")
    #expect(!shown.contains("open_tree"), "\(shown)")
  }

  @Test func aBridgeMadeAndLeftOnlyByNewIsAHostChange() throws {
    let diff = try diff(NetworkPlanTests.veth, NetworkPlanTests.bridged)
    #expect(diff.hostChanges.added == ["bridge nsb-br"])
    #expect(diff.hostChanges.removed.isEmpty)
    let shown = text(diff)
    #expect(shown.contains("\n+ left on the host: bridge nsb-br\n"), "\(shown)")
    #expect(shown.hasSuffix("; left on the host: 1 added, 0 removed\n"), "\(shown)")
    // The bridge there already: run makes none, and leaves none.
    var bridged = Self.state
    bridged.hostInterfaces["nsb-br"] = HostInterface(isBridge: true)
    #expect(try self.diff(NetworkPlanTests.veth, NetworkPlanTests.bridged, state: bridged).hostChanges.isEmpty)
  }

  @Test func aMountPointMadeOnTheHostOnlyByOldIsRemoved() throws {
    var state = Self.state
    state.hostEntries["/tmp"] = .directory
    state.hostPathExists["/var/cache"] = false
    let moved = try self.diff(Self.base, Self.base.replacing("/var/cache", with: "/var/tmp"), state: state)
    #expect(moved.hostChanges.removed.contains("mount point /var/cache"), "\(moved.hostChanges)")
    #expect(text(moved).contains("\n- left on the host: mount point /var/cache\n"))
  }

  @Test func plansDifferingOnlyInWarningsOrHostChangesDiffer() {
    let steps = [
      Step(kind: .exec, actor: .command, subject: .processAttribute(attribute: .program), calls: [], change: .create)
    ]
    let hostOnly = PlanDiff(old: Plan(steps: steps, hostChanges: ["folder /srv/a"]), new: Plan(steps: steps))
    #expect(!hostOnly.isEmpty && hostOnly.entries.isEmpty)
    #expect(
      text(hostOnly)
        == "- left on the host: folder /srv/a\n\nDiff: 0 added, 0 removed, 0 changed; left on the host: 0 added, 1 removed\n"
    )
    let warned = PlanDiff(old: Plan(steps: steps), new: Plan(steps: steps, warnings: [PlanWarning("careful")]))
    #expect(!warned.isEmpty)
    #expect(
      text(warned)
        == "+ warning: careful\n\nDiff: 0 added, 0 removed, 0 changed; warnings: 1 added, 0 removed, 0 unchanged\n")
  }

  @Test func listsDifferAsMultisetsInOrder() {
    let difference = ListDifference(old: ["a", "b", "b", "c"], new: ["b", "d", "a", "d"]) { $0 }
    #expect(difference.removed == ["b", "c"])
    #expect(difference.added == ["d", "d"])
    #expect(difference.unchanged == 2)
    #expect(ListDifference(old: ["x", "y"], new: ["y", "x"]) { $0 }.isEmpty)
  }

  @Test func warningKeysLeaveOutLineAndColumnNumbers() {
    let key = PlanDiff.warningKey(PlanWarning("the mount on /x at line 12 hides this one (line 3, column 7)"))
    #expect(key == "the mount on /x at line _ hides this one (line _, column _)")
  }

  @Test func jsonGivesMovedFromCallsWarningsAndHostChanges() throws {
    let diff = try diff(Self.base, Self.swapped.replacing("\"user\", ", with: ""))
    let json = try JSONText.encode(DiffJSON(diff, old: "old.toml", new: "new.toml"))
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    #expect(object["format_version"] as? Int == Plan.formatVersion)
    let changed = try #require(object["changed"] as? [[String: Any]])
    let moved = changed.filter { $0["moved_from"] != nil }
    #expect(moved.count == 1, "\(changed)")
    let movedNew = moved.first?["new"] as? [String: Any]
    #expect(moved.first?["moved_from"] as? Int == (moved.first?["old"] as? [String: Any])?["id"] as? Int)
    #expect(movedNew?["title"] as? String == "mount tmpfs on /tmp")
    let unshare = try #require(changed.first { ($0["new"] as? [String: Any])?["kind"] as? String == "unshare" })
    #expect(unshare["moved_from"] == nil)
    let calls = try #require(unshare["calls"] as? [[String: String]])
    #expect(calls.map { $0["op"] } == ["-", "+"])
    #expect(calls.first?["call"] == (unshare["removed_calls"] as? [String])?.first)
    let warnings = try #require(object["warnings"] as? [String: Any])
    let added = try #require(warnings["added"] as? [[String: Any]])
    #expect((added.first?["message"] as? String)?.hasPrefix("the command runs as host root") == true)
    #expect((added.first?["origin"] as? [String: Any])?["file"] as? String == "new.toml")
    #expect((warnings["removed"] as? [[String: Any]])?.count == 1)
    #expect(warnings["unchanged"] as? Int == 0)
    #expect(object["host_changes"] as? [String: [String]] == ["added": [], "removed": []])
    let summary = try #require(object["summary"] as? [String: Int])
    #expect(summary["moved"] == 1)
    #expect(summary["changed"] == changed.count)
  }

  /// A review of one change of each kind: user namespace dropped (warnings), mounts reordered with one resized
  /// (moved and changed), a writable bind of / added (its calls), a bridge added (made and left on the host).
  static let goldenOld = """
    version = 1

    [namespaces]
    unshare = ["user", "mount", "pid", "net"]

    [[mounts]]
    type = "tmpfs"
    target = "/tmp"

    [[mounts]]
    type = "tmpfs"
    target = "/var/cache"

    [[net.veth]]
    name = "eth0"
    host_name = "nsb-a0"
    addresses = ["10.89.0.2/24"]

    [process]
    args = ["/bin/sh"]

    """

  static let goldenNew = """
    version = 1

    [namespaces]
    unshare = ["mount", "pid", "net"]

    [[mounts]]
    type = "tmpfs"
    target = "/var/cache"

    [[mounts]]
    type = "tmpfs"
    target = "/tmp"
    size = "64m"

    [[mounts]]
    type = "bind"
    source = "/"
    target = "/host"
    options = ["rw"]

    [[net.veth]]
    name = "eth0"
    host_name = "nsb-a0"
    bridge = "nsb-br"
    addresses = ["10.89.0.2/24"]

    [process]
    args = ["/bin/sh"]

    """

  @Test func reviewMatchesGolden() throws {
    let diff = try diff(Self.goldenOld, Self.goldenNew)
    let base = GoldenPlanTests.golden + "/review.diff"
    try GoldenPlanTests().compare(text(diff), base + ".txt")
    try GoldenPlanTests().compare(
      try JSONText.encode(DiffJSON(diff, old: "old.toml", new: "new.toml")) + "\n", base + ".json")
  }
}

/// `nsbuild diff` run as a program on two spec files: the review's lines and JSON fields, and its exit status.
@Suite struct DiffReviewCLITests {
  func diff(_ arguments: [String], old: String, new: String) throws -> NSBuildProcess.Result {
    let folder = try NSBuildProcess.publicCopy(specs: ["old.toml": old, "new.toml": new])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    return try NSBuildProcess.run(["diff"] + arguments + ["old.toml", "new.toml"], directory: folder)
  }

  @Test func aReviewShowsMovedStepsAddedCallsAndWarnings() throws {
    let result = try diff([], old: DiffReviewTests.goldenOld, new: DiffReviewTests.goldenNew)
    #expect(result.status == 2, "\(result.stderr)")
    let out = result.stdout
    #expect(
      out.contains("\n↕ step 11 mount tmpfs on /tmp  moved from step 13 to 11  old.toml:6:1 → new.toml:10:1\n"),
      "\(out)")
    #expect(out.contains("\n+ step 12 bind / on /host  new.toml:15:1\n"), "\(out)")
    #expect(
      out.contains(
        "\n    + mount_setattr(fd[9] (/host), \"\", AT_EMPTY_PATH|AT_RECURSIVE, {attr_set: 0, attr_clr: MOUNT_ATTR_RDONLY})\n"
      ))
    #expect(out.contains("\n+ warning: the command runs as host root: "), "\(out)")
    #expect(!out.contains("\n- step 13 mount tmpfs on /tmp"), "\(out)")
    // run makes the bridge and leaves it, unless a bridge of that name is there already.
    let bridgeThere = FileManager.default.fileExists(atPath: "/sys/class/net/nsb-br")
    #expect(out.contains("\n+ left on the host: bridge nsb-br\n") == !bridgeThere, "\(out)")
    // The warnings are the diff's; only what `check` would stop at goes to stderr.
    #expect(!result.stderr.contains("warning:"), "\(result.stderr)")
    let json = try diff(["--format", "json"], old: DiffReviewTests.goldenOld, new: DiffReviewTests.goldenNew)
    #expect(json.status == 2)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    let moved = (object["changed"] as? [[String: Any]])?.filter { $0["moved_from"] as? Int == 13 }
    #expect(moved?.count == 1, "\(json.stdout)")
    #expect(((object["warnings"] as? [String: Any])?["added"] as? [Any])?.count == 3)
    #expect((object["summary"] as? [String: Int])?["moved"] == 1)
  }

  @Test func theSameWarningsMovedDownTheFileAreNoChange() throws {
    // Without a user namespace, as root: host-root warnings on line 4, on line 6 once two comment lines are added.
    let old = DiffReviewTests.base.replacing("\"user\", ", with: "")
    let new = old.replacing("version = 1\n", with: "version = 1\n# reviewed\n# twice\n")
    let result = try diff([], old: old, new: new)
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    #expect(result.stdout.hasPrefix("No changes"))
  }
}
