import Foundation
import SpecParser
import Testing

@testable import Builder
@testable import nsbuild

/// `plan SPEC --target NAME` against a live sandbox made of data: a record holding the plan applied to it, and a
/// FakeHost whose /proc shows its init, mounts and UTS names. The transcripts are goldens
/// (Tests/BuilderTests/Golden/live-*.plan.txt and .plan.json); no root is needed.
@Suite struct TargetPlanTests {
  static let pid: Int32 = 4242
  static let startTime: UInt64 = 777

  /// The spec the sandbox was brought up with: `edits` replace whole lines of it (a line → its new text, or "" to
  /// drop it), and `extra` is added at the end.
  static func spec(_ edits: [String: String] = [:], extra: String = "", user: Bool = false) -> String {
    var lines = [
      "version = 1",
      "[namespaces]",
      user
        ? "unshare = [\"user\", \"mount\", \"uts\", \"pid\", \"net\"]"
        : "unshare = [\"mount\", \"uts\", \"pid\", \"net\"]",
    ]
    if user {
      lines += [
        "[user]", "uid_map = [{ inside = 0, outside = 1000, count = 1 }]",
        "gid_map = [{ inside = 0, outside = 1000, count = 1 }]",
      ]
    }
    lines += [
      "[uts]", "hostname = \"livebox\"",
      "[net]", "loopback = true",
      "[[mounts]]", "type = \"tmpfs\"", "target = \"/tmp\"", "size = \"16M\"",
      "[[mounts]]", "type = \"tmpfs\"", "target = \"/cache\"",
      "[process]", "args = [\"/bin/sleep\", \"1000\"]",
    ]
    let edited = lines.compactMap { line -> String? in
      guard let replacement = edits[line] else { return line }
      return replacement.isEmpty ? nil : replacement
    }
    return edited.joined(separator: "\n") + "\n" + extra
  }

  static func plan(_ text: String) throws -> Plan {
    let check = SpecDecoder.decode(source: Array(text.utf8), file: "live.toml", directory: "/specs")
    let spec = try #require(check.spec, "\(check.diagnostics.map(\.message))")
    return try Planner(spec: spec, state: GoldenPlanTests.state).plan()
  }

  static func record(_ plan: Plan) throws -> SandboxRecord {
    // As `up` records it: a live sandbox's plan has none of `run`'s deletions of host ends once the sandbox ended.
    var plan = plan
    plan.steps.removeAll { $0.kind == .deleteLink }
    return SandboxRecord(
      name: try SandboxName(validating: "live"), specPath: "/specs/live.toml", specDigest: "00", createdAt: 1,
      appliedAt: 1, initProcess: ProcessIdentity(pid: pid, startTime: startTime), namespaceIDs: [:], ownerUID: 0,
      plan: plan)
  }

  /// A host on which the sandbox's init runs, with `hostname` inside and a mount on each of `mounts`.
  static func host(hostname: String = "livebox", mounts: [String: String] = ["/tmp": "tmpfs", "/cache": "tmpfs"])
    -> FakeHost
  {
    let host = FakeHost()
    host.euid = 0
    let stat = "\(pid) (init) S 1 " + Array(repeating: "0", count: 17).joined(separator: " ") + " \(startTime) 0 0"
    host.files["/proc/\(pid)/stat"] = stat
    host.utsNamesInside[pid] = (hostname, "(none)")
    var lines = ["20 1 0:20 / / rw,relatime - ext4 /dev/sda1 rw"]
    for (index, (path, type)) in mounts.sorted(by: { $0.key < $1.key }).enumerated() {
      lines.append("\(30 + index) 20 0:\(30 + index) / \(path) rw,relatime - \(type) \(type) rw")
    }
    host.files["/proc/\(pid)/mountinfo"] = lines.joined(separator: "\n") + "\n"
    host.files["/proc/\(pid)/net/igmp"] =
      "Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n1\tlo        :     1      V3\n"
    host.files["/proc/\(pid)/uid_map"] = "         0       1000          1\n"
    host.files["/proc/\(pid)/gid_map"] = "         0       1000          1\n"
    return host
  }

  static func target(applied: String, spec: String, host: FakeHost) throws -> TargetPlan {
    let record = try record(try plan(applied))
    let live = LiveObserver(reader: host).observe(record)
    return try TargetPlanner(record: record, live: live).plan(try plan(spec))
  }

  /// The main command `up` started, as `/proc/PID/task/PID/children` of init names it.
  static let mainCommand = ProcessIdentity(pid: 4243, startTime: 778)

  /// As ``target(applied:spec:host:)``, with the keeper chain that starts `spec`'s main command anew in the sandbox
  /// and init as the keeper of the running one: what `plan --target` plans when `[process]` changed.
  static func replacing(applied: String, spec: String, host: FakeHost) throws -> TargetPlan {
    let record = try record(try plan(applied))
    let live = LiveObserver(reader: host).observe(record)
    let check = SpecDecoder.decode(source: Array(spec.utf8), file: "live.toml", directory: "/specs")
    let parsed = try #require(check.spec)
    let sandbox = LiveTarget(
      initProcess: record.initProcess, namespaces: [.mount, .uts, .pid, .net], setnsTakesPidfd: true)
    let chain = try Planner(spec: parsed, state: GoldenPlanTests.state).mainCommandPlan(
      into: sandbox, live: LiveLaunch(output: "/state/live/output.log"))
    let keepers = [MainCommandSteps.Keeper(process: record.initProcess, isInit: true, command: mainCommand)]
    return try TargetPlanner(record: record, live: live, keepers: keepers, chain: chain).plan(try plan(spec))
  }

  /// Renders `target` as text and JSON and compares both with Golden/live-`name`.plan.{txt,json}.
  static func compareGolden(_ target: TargetPlan, spec: String, _ name: String) throws {
    let plan = try plan(spec)
    let text = TargetPlanTextRenderer(color: false, file: "live.toml").render(target)
    let document = PlanJSON(plan, target: target, file: "live.toml")
    let json = try GoldenPlanTests.written { try PlanJSON.write(document, to: $0) }
    #expect(json == (try JSONText.encode(document) + "\n"), "live-\(name): streamed JSON differs")
    let base = GoldenPlanTests.golden + "/live-" + name
    try GoldenPlanTests().compare(text, base + ".plan.txt")
    try GoldenPlanTests().compare(json, base + ".plan.json")
  }

  func actions(_ target: TargetPlan) -> [String: String] {
    var marks: [String: String] = [:]
    for entry in target.entries where entry.action != .unchanged {
      marks[PlanDiff.key(of: entry.step)] = entry.action.symbol
    }
    return marks
  }

  @Test func nothingChangedMarksEveryStepUnchanged() throws {
    let target = try Self.target(applied: Self.spec(), spec: Self.spec(), host: Self.host())
    #expect(target.entries.allSatisfy { $0.action == .unchanged })
    #expect(target.applySteps.isEmpty && target.drift.isEmpty && !target.hasChanges)
    #expect(target.summary == "0 to add, 0 to change, 0 to remove")
    try Self.compareGolden(target, spec: Self.spec(), "unchanged")
  }

  @Test func aNewHostnameIsOneChangeInPlaceByAJoiner() throws {
    let spec = Self.spec(["hostname = \"livebox\"": "hostname = \"newbox\""])
    let target = try Self.target(applied: Self.spec(), spec: spec, host: Self.host())
    #expect(actions(target) == ["hostname": "~"])
    #expect(target.hasChanges && target.summary == "0 to add, 1 to change, 0 to remove")
    let apply = try #require(target.applySteps.first)
    #expect(target.applySteps.count == 1 && apply.actor == .joiner)
    #expect(
      apply.calls == [
        .openNamespace(namespace: .uts, file: .process(pid: Self.pid, startTime: Self.startTime), slot: 0),
        .setns(slot: 0, namespaces: .newuts),
        .sethostname(name: "newbox"),
      ])
    try Self.compareGolden(target, spec: spec, "hostname")
  }

  @Test func aMountAddedAndOneRemovedAreAddedAndRemovedInPlace() throws {
    let spec = Self.spec(
      ["target = \"/cache\"": "target = \"/data\""])
    let target = try Self.target(applied: Self.spec(), spec: spec, host: Self.host())
    #expect(actions(target) == ["mount /cache": "-", "mount /data": "+"])
    #expect(target.summary == "1 to add, 0 to change, 1 to remove")
    let kinds = target.applySteps.map(\.kind)
    #expect(kinds == [.unmount, .mount])
    let add = try #require(target.applySteps.last)
    // Joined first (user first when there is one), then made and moved onto its target from inside.
    let join = try #require(add.calls.firstIndex { if case .setns = $0 { true } else { false } })
    let move = try #require(add.calls.firstIndex { if case .moveMount = $0 { true } else { false } })
    #expect(join < move)
    #expect(!add.calls.contains { if case .lockShared = $0 { true } else { false } })
    try Self.compareGolden(target, spec: spec, "mounts")
  }

  /// An apply killed after setting the hostname, before writing the record: the name already as the spec says is
  /// `=` (noted), and not drift.
  @Test func aHostnameAlreadyAsTheSpecSaysIsUnchangedNotDrift() throws {
    let spec = Self.spec(["hostname = \"livebox\"": "hostname = \"newbox\""])
    let target = try Self.target(applied: Self.spec(), spec: spec, host: Self.host(hostname: "newbox"))
    #expect(actions(target).isEmpty && target.drift.isEmpty && !target.hasChanges)
    let entry = try #require(target.entries.first { $0.step.kind == .hostname })
    #expect(entry.note == TargetPlanner.standsUnrecorded)
    // Another name inside is still drift the spec's change overrides.
    let other = try Self.target(applied: Self.spec(), spec: spec, host: Self.host(hostname: "byhand"))
    #expect(actions(other) == ["hostname": "~"] && other.drift.count == 1)
  }

  /// An apply killed after attaching a mount, before writing the record: the spec's mount is attached again after
  /// the standing one is taken off, never stacked on it; a mount of another type there is stacked on as `up` does.
  @Test func aMountOfItsTypeStandingUnrecordedIsTakenOffFirst() throws {
    let spec = Self.spec(extra: "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/data\"\n")
    let host = Self.host(mounts: ["/tmp": "tmpfs", "/cache": "tmpfs", "/data": "tmpfs"])
    let target = try Self.target(applied: Self.spec(), spec: spec, host: host)
    #expect(actions(target) == ["mount /data": "+"])
    #expect(target.applySteps.map(\.kind) == [.unmount, .mount])
    #expect(target.entries.contains { $0.note == TargetPlanner.unrecordedMountNote })
    let other = Self.host(mounts: ["/tmp": "tmpfs", "/cache": "tmpfs", "/data": "ext4"])
    #expect(try Self.target(applied: Self.spec(), spec: spec, host: other).applySteps.map(\.kind) == [.mount])
  }

  /// A `[process]` change with a main command: `-/+` of the main command, noted how apply replaces it; once an
  /// earlier apply recorded it without replacing it (mainCommandOutdated), the exec step stays marked so.
  @Test func aProcessChangeWithAMainCommandIsNotedAsReplaced() throws {
    let spec = Self.spec(extra: "umask = \"077\"\n")
    let target = try Self.replacing(applied: Self.spec(), spec: spec, host: Self.host())
    let replaced = target.entries.filter { $0.action == .replace(Replacement(.process)) }
    #expect(!replaced.isEmpty && replaced.allSatisfy { $0.note == TargetPlanner.mainCommandReplaced })
    #expect(target.replacesMainCommand && target.hasChanges && target.sandboxReplacements.isEmpty)
    try Self.compareGolden(target, spec: spec, "main-command")
    // New args and env: the exec step itself is replaced.
    let args = Self.spec(
      ["args = [\"/bin/sleep\", \"1000\"]": "args = [\"/bin/sleep\", \"2000\"]"], extra: "env = { MARK = \"new\" }\n")
    let command = try Self.replacing(applied: Self.spec(), spec: args, host: Self.host())
    #expect(actions(command)["exec"] == "-/+", "\(actions(command))")
    #expect(command.replacesMainCommand && command.sandboxReplacements.isEmpty)
    #expect(command.entries.allSatisfy { $0.apply.isEmpty })
    try Self.compareGolden(command, spec: args, "main-command-args")

    var record = try Self.record(try Self.plan(spec))
    record.mainCommandOutdated = true
    let live = LiveObserver(reader: Self.host()).observe(record)
    let outdated = try TargetPlanner(record: record, live: live).plan(try Self.plan(spec))
    #expect(actions(outdated) == ["exec": "-/+"], "\(actions(outdated))")
    #expect(outdated.hasChanges)
    record.mainCommandOutdated = nil
    let current = try TargetPlanner(record: record, live: live).plan(try Self.plan(spec))
    #expect(!current.hasChanges)
  }

  @Test func aTmpfsSizeIsChangedByARemount() throws {
    let spec = Self.spec(["size = \"16M\"": "size = \"32M\""])
    let target = try Self.target(applied: Self.spec(), spec: spec, host: Self.host())
    #expect(actions(target) == ["mount /tmp": "~"])
    let change = try #require(target.applySteps.first)
    #expect(change.calls.contains(.reconfigure(slot: 1, path: "/tmp", key: "size", value: "33554432")))
    try Self.compareGolden(target, spec: spec, "tmpfs-size")
  }

  @Test func aChangedMountTypeReplacesThatMountOnly() throws {
    let spec = Self.spec([:], extra: "").replacingOccurrences(
      of: "type = \"tmpfs\"\ntarget = \"/cache\"", with: "type = \"bind\"\nsource = \"/usr\"\ntarget = \"/cache\"")
    let target = try Self.target(applied: Self.spec(), spec: spec, host: Self.host())
    let entry = try #require(target.entries.first { PlanDiff.key(of: $0.step) == "mount /cache" })
    #expect(entry.action == .replace(Replacement(.mountSource)))
    #expect(entry.apply.map(\.kind) == [.unmount, .mount])
    #expect(target.sandboxReplacements.isEmpty && target.summary == "1 to add, 0 to change, 1 to remove")
    try Self.compareGolden(target, spec: spec, "mount-type")
  }

  @Test func aNewUIDMapReplacesTheSandboxWithItsReason() throws {
    let applied = Self.spec(user: true)
    let spec = Self.spec(
      [
        "uid_map = [{ inside = 0, outside = 1000, count = 1 }]": "uid_map = [{ inside = 0, outside = 2000, count = 1 }]"
      ],
      user: true)
    let target = try Self.target(applied: applied, spec: spec, host: Self.host())
    #expect(actions(target) == ["uid_map": "-/+"])
    #expect(target.sandboxReplacements == [Replacement(.idMap)])
    #expect(target.hasChanges && target.applySteps.isEmpty)
    #expect(
      target.summary
        == "0 to add, 0 to change, 0 to remove; the sandbox must be replaced because uid_map and gid_map can be written once: a second write fails with EPERM (user_namespaces(7))"
    )
    try Self.compareGolden(target, spec: spec, "uid-map")
  }

  @Test func driftByHandIsShownApartAndBroughtBack() throws {
    let host = Self.host(hostname: "handmade", mounts: ["/tmp": "tmpfs"])
    let target = try Self.target(applied: Self.spec(), spec: Self.spec(), host: host)
    #expect(
      target.drift.map(\.description) == [
        "hostname: applied livebox, now handmade", "mount /cache: applied tmpfs, now absent",
      ])
    #expect(actions(target) == ["hostname": "~", "mount /cache": "+"])
    #expect(target.entries.compactMap(\.restores).count == 2)
    try Self.compareGolden(target, spec: Self.spec(), "drift")
  }

  /// /tmp remounted read-only and smaller by hand, and a tmpfs mounted by hand beneath /cache: drift shown apart;
  /// /tmp set back where it stands (its files kept), the extra mount taken off first.
  @Test func mountOptionsAndAMountMadeByHandAreDrift() throws {
    let host = Self.host()
    host.files["/proc/\(Self.pid)/mountinfo"] = """
      20 1 0:20 / / rw,relatime - ext4 /dev/sda1 rw
      30 20 0:30 / /cache rw,relatime - tmpfs tmpfs rw
      31 20 0:31 / /tmp ro,nosuid,relatime - tmpfs tmpfs ro,size=4096k
      32 30 0:32 / /cache/x rw,relatime - tmpfs handmade rw

      """
    let target = try Self.target(applied: Self.spec(), spec: Self.spec(), host: host)
    #expect(
      target.drift.map(\.description) == [
        "mount /tmp: applied options rw; size 16384k, now options ro,nosuid (filesystem read-only); size 4096k",
        "mount /cache/x: applied absent, now tmpfs",
      ])
    #expect(actions(target) == ["mount /tmp": "~", "mount /cache/x": "-"], "\(actions(target))")
    #expect(target.entries.first?.apply.first?.kind == .unmount)
    let back = try #require(target.entries.first { $0.action == .inPlace }?.apply.first)
    #expect(back.calls.contains(.reconfigure(slot: 1, path: "/tmp", key: "rw", value: "")))
    #expect(back.calls.contains(.reconfigure(slot: 1, path: "/tmp", key: "size", value: "16777216")))
    #expect(
      back.calls.contains(.setattrAt(slot: 1, path: "/tmp", recursive: false, set: [], clear: [.rdonly, .nosuid])))
    #expect(target.summary == "0 to add, 1 to change, 1 to remove")
    try Self.compareGolden(target, spec: Self.spec(), "mount-drift")
  }

  /// With the mounts recorded at `up` (``SandboxRecord/mounts``), a mount on the host's tree seen in the sandbox
  /// that is not among them is drift, taken off in one step with one made beneath it; the host's own mounts
  /// recorded, one with a recorded id at another mount point (a reused id), and one a host mount propagated in (a
  /// slave of no peer group inside) are told apart. Without the record's mounts only mounts beneath the spec's are.
  @Test func aMountMadeByHandOnTheHostsTreeIsDriftOnceTheRecordKeepsTheMounts() throws {
    let host = Self.host()
    let standing = """
      20 1 0:20 / / rw,relatime - ext4 /dev/sda1 rw
      30 20 0:30 / /cache rw,relatime - tmpfs tmpfs rw
      31 20 0:31 / /tmp rw,relatime - tmpfs tmpfs rw,size=16384k
      25 20 0:25 / /boot rw,relatime - ext4 /dev/sda2 rw
      40 20 0:40 / /mnt rw,relatime - tmpfs byhand rw
      41 40 0:41 / /mnt/inner rw,relatime - tmpfs inner rw
      42 20 0:42 / /media rw,relatime master:7 - tmpfs fromhost rw

      """
    host.files["/proc/\(Self.pid)/mountinfo"] = standing
    var record = try Self.record(try Self.plan(Self.spec()))
    let without = try TargetPlanner(record: record, live: LiveObserver(reader: host).observe(record))
      .plan(try Self.plan(Self.spec()))
    #expect(without.drift.isEmpty, "\(without.drift)")
    // Recorded at up: /, /cache, /tmp, and /boot with id 41, which /mnt/inner now has at another path.
    record.mounts = [
      RecordedMount(id: 20, mountPoint: "/", fstype: "ext4"),
      RecordedMount(id: 30, mountPoint: "/cache", fstype: "tmpfs"),
      RecordedMount(id: 31, mountPoint: "/tmp", fstype: "tmpfs"),
      RecordedMount(id: 25, mountPoint: "/boot", fstype: "ext4"),
      RecordedMount(id: 41, mountPoint: "/boot/efi", fstype: "vfat"),
    ]
    let target = try TargetPlanner(record: record, live: LiveObserver(reader: host).observe(record))
      .plan(try Self.plan(Self.spec()))
    #expect(
      target.drift.map(\.description) == [
        "mount /mnt: applied absent, now tmpfs", "mount /mnt/inner: applied absent, now tmpfs",
      ])
    #expect(actions(target) == ["mount /mnt": "-"], "\(actions(target))")
    let entry = try #require(target.entries.first)
    #expect(entry.note?.contains("made by hand, not in the spec") == true)
    #expect(entry.apply.first?.calls.contains(.keepMount(slot: 1, path: "/mnt")) == true)
    #expect(entry.undo.first?.first?.calls.contains(.restoreMount(slot: 1, path: "/mnt")) == true)
    #expect(target.summary == "0 to add, 0 to change, 1 to remove")
  }

  /// mountinfo shows a bind with the type of the filesystem it came from (ext4…), never `bind`: a bind standing
  /// where it was made is no drift; one taken off is.
  @Test func aBindIsComparedByBeingMountedNotByType() throws {
    let bind = "[[mounts]]\ntype = \"bind\"\nsource = \"/usr\"\ntarget = \"/usr\"\n"
    let spec = Self.spec(extra: bind)
    let standing = Self.host(mounts: ["/tmp": "tmpfs", "/cache": "tmpfs", "/usr": "ext4"])
    let target = try Self.target(applied: spec, spec: spec, host: standing)
    #expect(target.drift.isEmpty, "\(target.drift)")
    #expect(!actions(target).values.contains("-/+"))
    let taken = try Self.target(applied: spec, spec: spec, host: Self.host())
    #expect(taken.drift.map(\.description) == ["mount /usr: applied bind, now absent"])
  }

  @Test func loTakenDownInsideIsDriftBroughtBackByAJoinerInTheNetworkNamespace() throws {
    let host = Self.host()
    host.files["/proc/\(Self.pid)/net/igmp"] = "Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n"
    let target = try Self.target(applied: Self.spec(), spec: Self.spec(), host: host)
    #expect(target.drift.map(\.description) == ["interface lo: applied up, now down"])
    #expect(actions(target) == ["loopback lo": "~"])
    #expect(
      target.applySteps.first?.calls == [
        .openNamespace(namespace: .net, file: .process(pid: Self.pid, startTime: Self.startTime), slot: 0),
        .setns(slot: 0, namespaces: .newnet),
        .loopbackUp,
      ])
  }

  /// A hostname that could not be read (the UTS join failed) is never claimed equal: `~`, set again, noted.
  @Test func anUnreadHostnameIsAChangeNotEqual() throws {
    let host = Self.host()
    host.utsNamesInside[Self.pid] = nil
    let target = try Self.target(applied: Self.spec(), spec: Self.spec(), host: host)
    #expect(actions(target) == ["hostname": "~"], "\(actions(target))")
    let entry = try #require(target.entries.first { $0.step.kind == .hostname })
    #expect(entry.note == TargetPlanner.unreadName)
    #expect(entry.step.change == .modify(before: "unknown (not read)", after: "livebox"))
    #expect(entry.apply.first?.calls.last == .sethostname(name: "livebox"))
    #expect(!target.unread.isEmpty && target.summary == "0 to add, 1 to change, 0 to remove")
  }

  /// lo no longer brought up by the spec: taken down in place, a change (not a removal), brought up again on undo.
  @Test func loDroppedFromTheSpecIsTakenDownAsAChange() throws {
    let spec = Self.spec(["loopback = true": "loopback = false"])
    let target = try Self.target(applied: Self.spec(), spec: spec, host: Self.host())
    #expect(actions(target) == ["loopback lo": "~"], "\(actions(target))")
    #expect(target.summary == "0 to add, 1 to change, 0 to remove")
    let entry = try #require(target.entries.first { $0.step.kind == .loopback })
    #expect(entry.apply.first?.calls.last == .loopbackDown)
    #expect(entry.step.change == .modify(before: "up", after: "down"))
    #expect(entry.undo.first?.first?.calls.last == .loopbackUp)
    try Self.compareGolden(target, spec: spec, "lo-down")
  }

  /// lo brought up by an apply while it is down: a failed apply takes it down again.
  @Test func loBroughtUpIsTakenDownAgainOnUndo() throws {
    let applied = Self.spec(["loopback = true": "loopback = false"])
    let host = Self.host()
    host.files["/proc/\(Self.pid)/net/igmp"] = "Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n"
    let target = try Self.target(applied: applied, spec: Self.spec(), host: host)
    let entry = try #require(target.entries.first { $0.step.kind == .loopback })
    #expect(entry.action == .add && entry.apply.first?.calls.last == .loopbackUp)
    #expect(entry.undo.first?.map(\.title) == ["bring lo down again"])
    #expect(entry.undo.first?.first?.calls.last == .loopbackDown)
  }

  /// A `[[files]]` entry dropped from the spec: the record says nsbuild wrote it, so apply removes it (unlinkat),
  /// and a failed apply writes it back as it was read.
  @Test func aFileDroppedFromTheSpecIsRemoved() throws {
    let file = "[[files]]\ntype = \"file\"\npath = \"/cache/motd\"\ncontent = \"hello\"\n"
    let applied = Self.spec(extra: file)
    let record = try Self.record(try Self.plan(applied))
    var live = LiveObserver(reader: Self.host()).observe(record)
    live.files["/cache/motd"] = .file(contents: Array("by hand".utf8))
    let target = try TargetPlanner(record: record, live: live).plan(try Self.plan(Self.spec()))
    #expect(actions(target) == ["file /cache/motd": "-"], "\(actions(target))")
    #expect(target.summary == "0 to add, 0 to change, 1 to remove")
    let entry = try #require(target.entries.first { $0.step.kind == .file })
    let remove = try #require(entry.apply.first)
    #expect(remove.actor == .joiner && remove.calls.contains { if case .removeFile = $0 { true } else { false } })
    let back = try #require(entry.undo.first?.first)
    #expect(
      back.calls.contains { call in
        if case .replaceFile(_, _, "by hand", _) = call { true } else { false }
      }, "\(back.calls)")
  }

  /// A file an apply creates where none stood is removed again when a later step fails.
  @Test func aFileCreatedByAFailedApplyIsRemovedOnUndo() throws {
    let spec = Self.spec(extra: "[[files]]\ntype = \"file\"\npath = \"/cache/new\"\ncontent = \"x\"\n")
    let record = try Self.record(try Self.plan(Self.spec()))
    var live = LiveObserver(reader: Self.host()).observe(record)
    live.files["/cache/new"] = .missing
    let target = try TargetPlanner(record: record, live: live).plan(try Self.plan(spec))
    let entry = try #require(target.entries.first { $0.step.kind == .file })
    #expect(entry.action == .add)
    #expect(entry.undo.first?.map(\.title) == ["remove /cache/new again"])
    #expect(entry.undo.first?.first?.calls.contains { if case .removeFile = $0 { true } else { false } } == true)
  }

  /// A proc mount dropped from the spec: its protect step (a setup step, `=`) and the mount's `-` name no line of the
  /// new spec, whose lines end before the applied spec's did.
  @Test func stepsOfTheAppliedSpecNameNoLineOfTheNewOne() throws {
    let applied = Self.spec(extra: "[[mounts]]\ntype = \"proc\"\ntarget = \"/proc\"\n")
    let target = try Self.target(
      applied: applied, spec: Self.spec(),
      host: Self.host(mounts: ["/tmp": "tmpfs", "/cache": "tmpfs", "/proc": "proc"]))
    let gone = target.entries.filter {
      [.protect, .mount].contains($0.step.kind) && $0.step.subject == .mountTarget(path: "/proc")
    }
    #expect(gone.count == 2 && gone.allSatisfy { $0.step.origin == nil }, "\(gone.map(\.step.title))")
    let text = TargetPlanTextRenderer(color: false, file: "live.toml").render(target)
    let lines = Self.spec().split(separator: "\n").count
    for line in text.split(separator: "\n") where line.contains("live.toml:") {
      let number = line.split(separator: "live.toml:").last?.split(separator: ":").first.flatMap { Int($0) }
      #expect((number ?? 0) <= lines, "\(line)")
    }
  }

  /// pasta ended by hand, the spec unchanged: drift only a replacement brings back, so the pasta step is `-/+` of the
  /// whole sandbox (``Replacement/Cause/network``) and apply has a change; running, it is `=`.
  @Test func pastaEndedByHandReplacesTheSandbox() throws {
    var state = GoldenPlanTests.state
    state.pasta = "/usr/bin/pasta"
    let check = SpecDecoder.decode(
      source: Array(Self.spec(extra: "[net.pasta]\nports = [\"8080:80/tcp\"]\n").utf8), file: "live.toml",
      directory: "/specs")
    let plan = try Planner(spec: try #require(check.spec), state: state).plan()
    let record = try Self.record(plan)
    var live = LiveObserver(reader: Self.host()).observe(record)
    live.pastaRunning = true
    let running = try TargetPlanner(record: record, live: live).plan(plan)
    #expect(!running.hasChanges && running.drift.isEmpty && actions(running).isEmpty)
    live.pastaRunning = false
    let ended = try TargetPlanner(record: record, live: live).plan(plan)
    #expect(ended.drift.map(\.description) == ["pasta: applied running, now ended"])
    #expect(Array(actions(ended).values) == ["-/+"])
    let entry = try #require(ended.entries.first { $0.step.kind == .pasta })
    #expect(entry.action == .replace(Replacement(.network)) && entry.restores == ended.drift.first)
    #expect(entry.apply.isEmpty && ended.applySteps.isEmpty)
    #expect(ended.sandboxReplacements == [Replacement(.network)] && ended.hasChanges)
  }

  @Test func driftReportReadsTheRecordsSandbox() throws {
    let record = try Self.record(try Self.plan(Self.spec()))
    #expect(DriftReport.read(record, reader: Self.host()).isEmpty)
    #expect(DriftReport.read(record, reader: Self.host(hostname: "other")).map(\.live) == ["other"])
    // A dead init (no such pid, or another start time) has no drift: `status` says it is dead.
    let gone = Self.host()
    gone.files["/proc/\(Self.pid)/stat"] = nil
    #expect(DriftReport.read(record, reader: gone).isEmpty)
  }

  @Test func anInitInOtherNamespacesThanRecordedIsAnError() throws {
    var record = try Self.record(try Self.plan(Self.spec()))
    record.namespaceIDs = ["uts": "uts:[1]"]
    var live = LiveObserver(reader: Self.host()).observe(record)
    live.namespaceIDs = ["uts": "uts:[2]"]
    #expect(throws: TargetPlanError.otherNamespaces("live", namespace: "uts", recorded: "uts:[1]", live: "uts:[2]")) {
      try TargetPlanner(record: record, live: live).plan(try Self.plan(Self.spec()))
    }
  }

  /// A join of a sandbox `plan` did not find (it is not running) is an error naming it, not a namespace_set `-/+`.
  @Test func aJoinTargetThatIsGoneIsAnError() throws {
    let spec = Self.spec([
      "unshare = [\"mount\", \"uts\", \"pid\", \"net\"]":
        "unshare = [\"mount\", \"uts\", \"pid\"]\njoin = { net = \"pod\" }"
    ])
    let error = TargetPlanError.joinTargetNotRunning("live", target: "pod")
    #expect(throws: error) { try Self.target(applied: spec, spec: spec, host: Self.host()) }
    #expect(error.description.hasPrefix("sandbox 'live': join target pod is not running"))
  }

  @Test func aDeadSandboxIsAnError() throws {
    let host = Self.host()
    host.files["/proc/\(Self.pid)/stat"] =
      "\(Self.pid) (sh) S 1 " + Array(repeating: "0", count: 17).joined(separator: " ") + " 5 0"
    #expect(throws: TargetPlanError.notRunning("live", pid: Self.pid)) {
      try Self.target(applied: Self.spec(), spec: Self.spec(), host: host)
    }
  }
}
