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
    SandboxRecord(
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

  /// Renders `target` as text and JSON and compares both with Golden/live-`name`.plan.{txt,json}.
  static func compareGolden(_ target: TargetPlan, spec: String, _ name: String) throws {
    let plan = try plan(spec)
    let text = TargetPlanTextRenderer(color: false, file: "live.toml").render(target)
    let json = try JSONText.encode(PlanJSON(plan, target: target, file: "live.toml")) + "\n"
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
    let target = try Self.target(applied: Self.spec(), spec: spec, host: Self.host())
    let replaced = target.entries.filter { $0.action == .replace(Replacement(.process)) }
    #expect(!replaced.isEmpty && replaced.allSatisfy { $0.note == TargetPlanner.mainCommandReplaced })
    #expect(target.replacesMainCommand && target.hasChanges && target.sandboxReplacements.isEmpty)
    try Self.compareGolden(target, spec: spec, "main-command")
    // New args and env: the exec step itself is replaced.
    let args = Self.spec(
      ["args = [\"/bin/sleep\", \"1000\"]": "args = [\"/bin/sleep\", \"2000\"]"], extra: "env = { MARK = \"new\" }\n")
    let command = try Self.target(applied: Self.spec(), spec: args, host: Self.host())
    #expect(actions(command)["exec"] == "-/+", "\(actions(command))")
    #expect(command.replacesMainCommand && command.sandboxReplacements.isEmpty && command.applySteps.isEmpty)
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

  @Test func aDeadSandboxIsAnError() throws {
    let host = Self.host()
    host.files["/proc/\(Self.pid)/stat"] =
      "\(Self.pid) (sh) S 1 " + Array(repeating: "0", count: 17).joined(separator: " ") + " 5 0"
    #expect(throws: TargetPlanError.notRunning("live", pid: Self.pid)) {
      try Self.target(applied: Self.spec(), spec: Self.spec(), host: host)
    }
  }
}
