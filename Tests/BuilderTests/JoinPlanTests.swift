import Foundation
import SpecParser
import Testing

@testable import Builder

/// `[namespaces] join` planned against a fake host: where the setns(2) step sits and what it opens, what `plan`
/// finds of each target (a state record, a live or recycled init, a namespace file's type and owner), and what it
/// refuses, each at its spec entry.
@Suite struct JoinPlanTests {
  /// A `/proc/PID/stat` line whose field 22 (starttime) is `start`.
  static func stat(_ pid: Int32, _ start: UInt64) -> String {
    "\(pid) (sleep) S" + String(repeating: " 0", count: 18) + " \(start) 0 0\n"
  }

  /// Root on a host where process 700 (started at 5555) holds a user, net, uts and mount namespace of its own.
  static func host(euid: UInt32 = 0) -> FakeHost {
    let host = FakeHost()
    (host.uid, host.euid) = (euid, euid)
    host.namespaces = [.user: "user:[1]", .net: "net:[2]", .uts: "uts:[3]", .mount: "mnt:[4]", .pid: "pid:[5]"]
    host.files["/proc/700/stat"] = stat(700, 5555)
    host.namespaceFiles = [
      "/proc/700/ns/user": NamespaceFileInfo(type: .user, id: "user:[50]", owner: "user:[1]", ownerUID: 1000),
      "/proc/700/ns/net": NamespaceFileInfo(type: .net, id: "net:[51]", owner: "user:[50]"),
      "/proc/700/ns/uts": NamespaceFileInfo(type: .uts, id: "uts:[52]", owner: "user:[50]"),
      "/proc/700/ns/mnt": NamespaceFileInfo(type: .mount, id: "mnt:[53]", owner: "user:[50]"),
      "/run/netns/blue": NamespaceFileInfo(type: .net, id: "net:[60]", owner: "user:[1]"),
    ]
    return host
  }

  func planned(_ body: String, on host: FakeHost) throws -> (Spec, Plan) {
    let spec = try decodeSpec("version = 1\n[namespaces]\n" + body)
    let state = Observer(reader: host).observe(spec)
    return (spec, try Planner(spec: spec, state: state).plan(command: ["true"]))
  }

  /// A state record of sandbox `name` whose init is `pid` started at `start`, as `up` writes it.
  static func record(_ name: String, pid: Int32, start: UInt64, namespaceIDs: [String: String] = [:]) throws -> String {
    let record = SandboxRecord(
      name: try SandboxName(validating: name), specPath: "/specs/pod.toml", specDigest: "00", createdAt: 1,
      appliedAt: 1, initProcess: ProcessIdentity(pid: pid, startTime: start), namespaceIDs: namespaceIDs,
      ownerUID: 0, plan: Plan(steps: []))
    return String(decoding: try record.encoded(), as: UTF8.self)
  }

  @Test func theSandboxProcessOpensEveryFileThenEntersUserFirstAndMountLastBeforeItUnshares() throws {
    let (spec, plan) = try planned(
      "unshare = [\"pid\"]\njoin = { mount = \"/proc/700/ns/mnt\", net = \"/run/netns/blue\", user = \"/proc/700/ns/user\" }\n",
      on: Self.host())
    #expect(plan.steps.prefix(3).map(\.kind) == [.spawn, .join, .unshare])
    let join = plan.steps[1]
    #expect(join.actor == .sandbox)
    #expect(join.title == "join user, mount, net")
    let init700 = NamespaceFile.process(pid: 700, startTime: 5555)
    #expect(
      join.calls == [
        .openNamespace(namespace: .user, file: init700, slot: 0),
        .openNamespace(namespace: .net, file: .path(path: "/run/netns/blue"), slot: 1),
        .openNamespace(namespace: .mount, file: init700, slot: 2),
        .setns(slot: 0, namespaces: .newuser), .setns(slot: 1, namespaces: .newnet),
        .setns(slot: 2, namespaces: .newns),
      ])
    // Each call points at its own entry.
    let user = spec.origins["namespaces.join.user"]
    let net = spec.origins["namespaces.join.net"]
    #expect(user != nil && net != nil && user != net)
    #expect(join.origin(ofCall: 0) == user && join.origin(ofCall: 3) == user)
    #expect(join.origin(ofCall: 1) == net && join.origin(ofCall: 4) == net)
    #expect(join.change == .modify(before: "user:[1] net:[2] mnt:[4]", after: "user:[50] net:[60] mnt:[53]"))
    #expect(!plan.warnings.contains { $0.stopsRun }, "\(plan.warnings.map(\.message))")
    #expect(plan.processes.map(\.role) == [.parent, .sandbox, .initProcess, .command])
  }

  @Test func theDescriptionShowsTheStartTimeCheckedAtRunTime() {
    let open = Syscall.openNamespace(namespace: .net, file: .process(pid: 700, startTime: 5555), slot: 0)
    #expect(
      open.description == "fd[0] = open(\"/proc/700/ns/net\", O_RDONLY|O_CLOEXEC); /proc/700/stat starttime == 5555")
    #expect(Syscall.setns(slot: 0, namespaces: .newnet).description == "setns(fd[0], CLONE_NEWNET); close(fd[0])")
  }

  @Test func aMissingTargetStopsRunAtItsEntry() throws {
    let (spec, plan) = try planned(
      "unshare = [\"pid\"]\njoin = { net = \"/proc/999/ns/net\", uts = \"/run/utsns/none\" }\n", on: Self.host())
    let stops = plan.warnings.filter(\.stopsRun)
    #expect(
      stops.map(\.message) == [
        "cannot join the net namespace of /proc/999/ns/net: /proc/999/ns/net: no process 999 is running",
        "cannot join the uts namespace of /run/utsns/none: /run/utsns/none does not exist",
      ])
    #expect(stops.map(\.origin) == [spec.origins["namespaces.join.net"], spec.origins["namespaces.join.uts"]])
    #expect(stops.allSatisfy { $0.stepIDs == [2] })
  }

  @Test func aFileOfAnotherTypeIsRefused() throws {
    let (_, plan) = try planned("join = { net = \"/proc/700/ns/uts\" }\n", on: Self.host())
    #expect(
      plan.warnings.filter(\.stopsRun).map(\.message) == [
        "cannot join the net namespace of /proc/700/ns/uts: /proc/700/ns/uts is a uts namespace (uts:[52]), not a net namespace"
      ])
  }

  @Test func aNameIsFoundThroughItsStateRecordAndItsInitsStartTime() throws {
    let host = Self.host()
    host.env = ["NSBUILD_STATE_DIR=/state"]
    host.files["/state/pod/state.json"] = try Self.record(
      "pod", pid: 700, start: 5555, namespaceIDs: ["net": "net:[51]"])
    let (_, plan) = try planned("unshare = [\"pid\"]\njoin = { net = \"pod\" }\n", on: host)
    #expect(
      plan.steps[1].calls.first == .openNamespace(namespace: .net, file: .process(pid: 700, startTime: 5555), slot: 0))
    #expect(!plan.warnings.contains { $0.stopsRun }, "\(plan.warnings.map(\.message))")
    #expect(host.log.contains("read /state/pod/state.json"))
  }

  @Test func aRecycledPidIsRefusedAndNeverOpened() throws {
    let host = Self.host()
    host.env = ["NSBUILD_STATE_DIR=/state"]
    host.files["/state/pod/state.json"] = try Self.record("pod", pid: 700, start: 4444)
    let (_, plan) = try planned("join = { net = \"pod\" }\n", on: host)
    #expect(
      plan.steps[1].calls.first == .openNamespace(namespace: .net, file: .unresolvedSandbox(name: "pod"), slot: 0))
    #expect(
      plan.warnings.filter(\.stopsRun).map(\.message) == [
        "cannot join the net namespace of sandbox 'pod': sandbox 'pod' is dead: pid 700 now belongs to another process (start time 5555, not 4444): the pid was recycled; `nsbuild down pod` removes it"
      ])
    #expect(!host.log.contains("ioctl_ns /proc/700/ns/net"))
  }

  @Test func aSandboxThatIsNotUpIsNamedWithWhereItsStateWouldBe() throws {
    let host = Self.host()
    host.env = ["NSBUILD_STATE_DIR=/state"]
    let (_, plan) = try planned("join = { net = \"pod\" }\n", on: host)
    #expect(
      plan.warnings.filter(\.stopsRun).map(\.message) == [
        "cannot join the net namespace of sandbox 'pod': no sandbox named 'pod' is up (no state at /state/pod/state.json)"
      ])
  }

  /// The record is loaded as every command loads one: a symlinked state folder is refused, never followed, and a
  /// record naming another sandbox is refused; both read through the SystemReader alone.
  @Test func aSymlinkedOrForeignRecordIsRefused() throws {
    let host = Self.host()
    host.env = ["NSBUILD_STATE_DIR=/state"]
    host.files["/state/pod/state.json"] = try Self.record("other", pid: 700, start: 5555)
    let (_, plan) = try planned("join = { net = \"pod\" }\n", on: host)
    #expect(
      plan.warnings.filter(\.stopsRun).map(\.message) == [
        "cannot join the net namespace of sandbox 'pod': sandbox 'pod': /state/pod/state.json is the record of sandbox 'other', not of the folder it lies in; refusing it (remove the folder by hand)"
      ])
    #expect(host.log.contains("open /state/pod"))
    host.symlinks = ["/state/pod"]
    let (_, linked) = try planned("join = { net = \"pod\" }\n", on: host)
    let message = try #require(linked.warnings.first { $0.stopsRun }?.message)
    #expect(message.contains("ELOOP") && message.contains("/state/pod"), "\(message)")
  }

  @Test func aNamespaceOtherThanTheRecordedOneIsRefused() throws {
    let host = Self.host()
    host.env = ["NSBUILD_STATE_DIR=/state"]
    host.files["/state/pod/state.json"] = try Self.record(
      "pod", pid: 700, start: 5555, namespaceIDs: ["net": "net:[7]"])
    let (_, plan) = try planned("join = { net = \"pod\" }\n", on: host)
    #expect(
      plan.warnings.filter(\.stopsRun).map(\.message) == [
        "cannot join the net namespace of sandbox 'pod': sandbox 'pod': its init's net namespace is net:[51], not net:[7] as recorded"
      ])
  }

  @Test func withoutRootANetNamespaceIsJoinedOnlyWithItsUserNamespace() throws {
    let host = Self.host(euid: 1000)
    let (_, alone) = try planned("unshare = [\"user\"]\njoin = { net = \"/proc/700/ns/net\" }\n", on: host)
    let refusal = try #require(alone.warnings.first { $0.stopsRun })
    #expect(refusal.message.hasPrefix("joining the net namespace net:[51] of /proc/700/ns/net fails: without root"))
    #expect(refusal.message.contains("(owned by user:[50])") && refusal.message.contains("user_namespaces(7)"))
    let (_, both) = try planned("join = { net = \"/proc/700/ns/net\", user = \"/proc/700/ns/user\" }\n", on: host)
    #expect(!both.warnings.contains { $0.stopsRun }, "\(both.warnings.map(\.message))")
  }

  @Test func withoutRootAUserNamespaceMadeByAnotherUserIsRefused() throws {
    let host = Self.host(euid: 1001)
    let (_, plan) = try planned("join = { user = \"/proc/700/ns/user\" }\n", on: host)
    #expect(
      plan.warnings.filter(\.stopsRun).map(\.message) == [
        "joining the user namespace user:[50] of /proc/700/ns/user fails: it was made by uid 1000, not by nsbuild's uid 1001, so nsbuild holds no capability in it (EPERM, setns(2), user_namespaces(7))"
      ])
  }

  @Test func nsbuildsOwnUserNamespaceIsNotEnteredAgain() throws {
    let host = Self.host()
    host.namespaceFiles["/proc/1/ns/user"] = NamespaceFileInfo(type: .user, id: "user:[1]")
    host.files["/proc/1/stat"] = Self.stat(1, 1)
    let (_, plan) = try planned("join = { user = \"/proc/1/ns/user\" }\n", on: host)
    #expect(plan.warnings.filter(\.stopsRun).map(\.message).first?.contains("EINVAL") == true)
  }

  @Test func aStateNotReadLeavesNamesUnresolvedAndClaimsNothing() throws {
    let spec = try decodeSpec("version = 1\n[namespaces]\njoin = { net = \"pod\", uts = \"/run/utsns/x\" }\n")
    let plan = try Planner(spec: spec, state: PlannerTests.root).plan(command: ["true"])
    #expect(
      plan.steps[1].calls.prefix(2) == [
        .openNamespace(namespace: .net, file: .unresolvedSandbox(name: "pod"), slot: 0),
        .openNamespace(namespace: .uts, file: .path(path: "/run/utsns/x"), slot: 1),
      ])
    #expect(plan.warnings.allSatisfy { !$0.stopsRun })
  }
}

extension JoinPlanTests {
  /// setns(2) into a user namespace grants every capability there: the command drops them as in a new one, and
  /// keeps the caller's IDs (the maps are the other sandbox's) unless the spec names some.
  @Test func aJoinedUserNamespacesCapabilitiesAreDroppedAndItsIDsKept() throws {
    let (_, plan) = try planned(
      "join = { user = \"/proc/700/ns/user\", net = \"/proc/700/ns/net\" }\n", on: Self.host(euid: 1000))
    let kinds = plan.steps.filter { $0.actor == .command }.map(\.kind)
    #expect(kinds.contains(.boundingSet) && kinds.contains(.capabilities))
    #expect(!kinds.contains(.credentials))
    let (_, asRoot) = try planned("join = { user = \"/proc/700/ns/user\" }\n", on: Self.host())
    #expect(
      !asRoot.steps.contains { $0.calls.contains(.setgroups(groups: [])) }, "the target's setgroups may be denied")
    let (_, named) = try planned(
      "join = { user = \"/proc/700/ns/user\" }\n[process]\nuid = 0\n", on: Self.host(euid: 1000))
    let credentials = try #require(named.steps.first { $0.kind == .credentials })
    #expect(credentials.calls.contains(.setresuid(uid: 0)))
    #expect(credentials.reason?.contains("the caller's, as the joined user namespace maps them") == true)
  }
}
