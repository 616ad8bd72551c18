import Foundation
import SpecParser
import Testing

@testable import Builder

/// The planned steps that decide what the sandbox and its command run as: init becoming the user namespace's root,
/// the command's IDs and groups, and hard limits that cannot be raised.
@Suite struct IdentityPlanTests {
  static let shiftedRoot = """
    version = 1
    [namespaces]
    unshare = ["user", "mount", "pid"]
    [user]
    uid_map = [{ inside = 0, outside = 100000, count = 65536 }]
    gid_map = [{ inside = 0, outside = 100000, count = 65536 }]
    [root]
    type = "tmpfs"

    """

  func plan(_ text: String, as state: ObservedState = PlannerTests.root) throws -> Plan {
    try Planner(spec: try decodeSpec(text), state: state).plan(command: ["true"])
  }

  func calls(_ plan: Plan, _ kind: Step.Kind) -> [Syscall]? {
    plan.steps.first { $0.kind == kind }?.calls
  }

  @Test func aRootCallerLeftOutOfTheMapBecomesTheNamespacesRootBeforeCreatingAnything() throws {
    let plan = try plan(Self.shiftedRoot)
    let kinds = plan.steps.map(\.kind)
    let become = try #require(kinds.firstIndex(of: .namespaceRoot))
    #expect(plan.steps[become].actor == .initProcess)
    // The caller's supplementary groups go first; the ID change clears PR_SET_PDEATHSIG, which is set again.
    // During setup init's parent-death signal is SIGTERM (taken between steps, with undo), checked right after.
    #expect(
      plan.steps[become].calls == [
        .setgroups(groups: []), .setresgid(gid: 0), .setresuid(uid: 0), .setParentDeathSignal(signal: 15), .checkParent,
      ])
    // After the host paths are opened (with the caller's own access), before the root tmpfs is made.
    #expect(try #require(kinds.firstIndex(of: .sources)) < become)
    #expect(become < (try #require(kinds.firstIndex(of: .root))))
    #expect(plan.steps[become].reason?.contains("owned by 100000:100000") == true)
  }

  @Test func aMappedCallerNeedsNoSwitch() throws {
    let identity = Self.shiftedRoot.replacingOccurrences(
      of: "outside = 100000, count = 65536", with: "outside = 0, count = 4294967295")
    // Only the caller's supplementary groups are dropped, where setgroups is allowed.
    #expect(calls(try plan(identity), .namespaceRoot) == [.setgroups(groups: [])])
    // The default map makes the caller root inside already.
    let rootless = try plan("version = 1\n[namespaces]\nunshare = [\"user\", \"mount\"]\n", as: PlannerTests.user)
    #expect(rootless.steps.allSatisfy { $0.kind != .namespaceRoot })
  }

  @Test func aRootlessCallerMappingOnlySubordinateIDsBecomesTheirRoot() throws {
    var state = PlannerTests.user
    state.newuidmap = "/usr/bin/newuidmap"
    state.newgidmap = "/usr/bin/newgidmap"
    let plan = try plan(Self.shiftedRoot, as: state)
    #expect(
      calls(plan, .namespaceRoot) == [
        .setresgid(gid: 0), .setresuid(uid: 0), .setParentDeathSignal(signal: 15), .checkParent,
      ])
  }

  @Test func withoutZeroInsideTheSandboxActsAsTheCallersOwnID() throws {
    let text = """
      version = 1
      [namespaces]
      unshare = ["user", "mount"]
      [user]
      uid_map = [{ inside = 1000, outside = "caller", count = 1 }, { inside = 2000, outside = 100000, count = 10 }]
      gid_map = [{ inside = 1000, outside = "caller", count = 1 }]
      """
    let plan = try plan(text)
    #expect(calls(plan, .namespaceRoot) == [.setgroups(groups: [])])
    #expect(
      calls(plan, .credentials) == [
        .setgroups(groups: []), .setresgid(gid: 1000), .setresuid(uid: 1000), .setParentDeathSignal(signal: 9),
        .checkParent,
      ])
  }

  /// As runc and crun: what the spec leaves out is root, and no supplementary group, whatever nsbuild started with.
  @Test(arguments: [
    (
      "",
      [
        Syscall.setgroups(groups: []), .setresgid(gid: 0), .setresuid(uid: 0), .setParentDeathSignal(signal: 9),
        .checkParent,
      ]
    ),
    (
      "uid = 1000\n",
      [
        .setgroups(groups: []), .setresgid(gid: 0), .setresuid(uid: 1000), .setParentDeathSignal(signal: 9),
        .checkParent,
      ]
    ),
    (
      "gid = 1000\n",
      [
        .setgroups(groups: []), .setresgid(gid: 1000), .setresuid(uid: 0), .setParentDeathSignal(signal: 9),
        .checkParent,
      ]
    ),
    (
      "groups = [5]\nuid = 7\ngid = 8\n",
      [.setgroups(groups: [5]), .setresgid(gid: 8), .setresuid(uid: 7), .setParentDeathSignal(signal: 9), .checkParent]
    ),
  ])
  func leftOutIDsAreRootAndNoGroup(_ process: String, _ expected: [Syscall]) throws {
    var caller = PlannerTests.root
    caller.gid = 1000
    caller.host.supplementaryGroups = [4, 27]
    let maps =
      "[user]\nuid_map = [{ inside = 0, outside = 0, count = 65536 }]\ngid_map = [{ inside = 0, outside = 0, count = 65536 }]\n"
    for namespaces in ["[\"pid\"]\n", "[\"pid\", \"user\"]\n" + maps] {
      let text = "version = 1\n[namespaces]\nunshare = \(namespaces)[process]\n" + process
      #expect(calls(try plan(text, as: caller), .credentials) == expected, "\(namespaces)")
    }
  }

  @Test func deniedSetgroupsKeepsTheCallersGroupsAndPlanSaysSo() throws {
    var caller = PlannerTests.user
    caller.host.supplementaryGroups = [4, 27]
    let plan = try plan("version = 1\n[namespaces]\nunshare = [\"user\", \"pid\"]\n", as: caller)
    #expect(
      calls(plan, .credentials) == [
        .setresgid(gid: 0), .setresuid(uid: 0), .setParentDeathSignal(signal: 9), .checkParent,
      ])
    let warning = try #require(plan.warnings.first { $0.message.hasPrefix("setgroups is denied") })
    #expect(warning.message.contains("(4, 27)"))
    // Nothing to say when there is nothing to keep.
    let cleared = try self.plan("version = 1\n[namespaces]\nunshare = [\"user\", \"pid\"]\n", as: PlannerTests.user)
    #expect(!cleared.warnings.contains { $0.message.hasPrefix("setgroups is denied") })
  }

  @Test func anUnprivilegedCallerWithoutAUserNamespaceKeepsItsIDs() throws {
    let plan = try plan("version = 1\n[namespaces]\nunshare = [\"pid\"]\n", as: PlannerTests.user)
    #expect(calls(plan, .credentials) == nil)
  }

  @Test func rootOpensTheHostPathsFromOutsideTheUserNamespace() throws {
    let text =
      Self.shiftedRoot.replacingOccurrences(of: "[root]\ntype = \"tmpfs\"\n", with: "")
      + "[[mounts]]\ntype = \"bind\"\nsource = \"/srv/data\"\ntarget = \"/mnt\"\n"
    let plan = try plan(text)
    let parentOpen = try #require(plan.steps.first { $0.kind == .sources && $0.actor == .parent })
    #expect(
      parentOpen.calls == [
        .saveMountNamespace, .enterMountNamespace, .openPath(path: "/", slot: 0),
        .openNoSymlinks(path: "/srv/data", slot: 1, via: []), .sendSlots(slots: [0, 1]), .returnToMountNamespace,
      ])
    // With the parent's other steps, after the maps and before the fork; init receives where it would have opened.
    let kinds = plan.steps.map(\.kind)
    #expect(try #require(kinds.firstIndex(of: .gidMap)) < parentOpen.id - 1)
    #expect(parentOpen.id - 1 < (try #require(kinds.firstIndex(of: .fork))))
    let receive = try #require(plan.steps.first { $0.kind == .sources && $0.actor == .initProcess })
    #expect(receive.calls == [.receiveSlots(slots: [0, 1])])
    #expect(try #require(kinds.firstIndex(of: .propagation)) < receive.id - 1)
    // Without root, the caller's own access is what it has inside too: init opens them.
    var user = PlannerTests.user
    user.newuidmap = "/usr/bin/newuidmap"
    user.newgidmap = "/usr/bin/newgidmap"
    let rootless = try self.plan(text, as: user)
    #expect(rootless.steps.filter { $0.kind == .sources }.map(\.actor) == [.initProcess])
    #expect(!rootless.steps.flatMap(\.calls).contains(.enterMountNamespace))
    // Nor can a root without CAP_SYS_CHROOT join the mount namespace.
    var chrootless = PlannerTests.root
    chrootless.host.effectiveCapabilities = ~(1 << 18)
    #expect(try self.plan(text, as: chrootless).steps.filter { $0.kind == .sources }.map(\.actor) == [.initProcess])
  }

  // MARK: hard limits

  static func host(nofile hard: UInt64?, caps: UInt64 = 0) -> HostFacts {
    var host = HostFacts()
    host.limits[.nofile] = ResourceLimit(.nofile, soft: 1024, hard: hard)
    host.nrOpen = 1_048_576
    host.effectiveCapabilities = caps
    return host
  }

  func limitMessages(_ namespaces: String, _ limit: String, _ host: HostFacts) throws -> [String] {
    let text = "version = 1\n[namespaces]\nunshare = \(namespaces)\n[process]\nrlimits = { nofile = \(limit) }\n"
    return Planner.limitProblems(of: try decodeSpec(text), host: host).map(\.message)
  }

  @Test func aHardLimitAboveTheCurrentOneIsRefusedWithTheCurrentLimitNamed() throws {
    let inUserNamespace = try limitMessages("[\"user\"]", "30000", Self.host(nofile: 20000, caps: ~0))
    #expect(inUserNamespace.count == 1)
    #expect(inUserNamespace.first?.contains("above the current one, 20000 (soft 1024)") == true, "\(inUserNamespace)")
    #expect(inUserNamespace.first?.contains("not namespaced") == true)
    let withoutCapability = try limitMessages("[\"pid\"]", "30000", Self.host(nofile: 20000))
    #expect(withoutCapability.first?.contains("does not hold CAP_SYS_RESOURCE") == true, "\(withoutCapability)")
  }

  @Test func limitsThatCanBeSetAreNotProblems() throws {
    // Lowering, keeping, and raising with CAP_SYS_RESOURCE outside any user namespace.
    #expect(try limitMessages("[\"user\"]", "20000", Self.host(nofile: 20000)) == [])
    #expect(try limitMessages("[\"user\"]", "{ soft = 10, hard = 100 }", Self.host(nofile: nil)) == [])
    #expect(try limitMessages("[\"pid\"]", "30000", Self.host(nofile: 20000, caps: Planner.sysResource)) == [])
    // Not read: nothing to say.
    #expect(try limitMessages("[\"user\"]", "30000", HostFacts()) == [])
  }

  @Test func aNofileLimitAboveNrOpenIsRefusedEvenWithTheCapability() throws {
    let messages = try limitMessages("[\"pid\"]", "2000000", Self.host(nofile: nil, caps: ~0))
    #expect(messages.first?.contains("above fs.nr_open (1048576)") == true, "\(messages)")
  }

  @Test func planRefusesTheLimitNamingItsKey() throws {
    var state = PlannerTests.root
    state.host = Self.host(nofile: 20000)
    let spec = try decodeSpec(
      "version = 1\n[namespaces]\nunshare = [\"pid\"]\n[process]\nrlimits = { NOFILE = 30000 }\n")
    #expect(throws: PlanError.self) { try Planner(spec: spec, state: state).plan(command: ["true"]) }
    let problem = try #require(Planner.limitProblems(of: spec, host: state.host).first)
    #expect(spec.origins[problem.key]?.start.line == 5)
  }

  @Test func procLimitsAreParsed() {
    let text = """
      Limit                     Soft Limit           Hard Limit           Units     
      Max cpu time              unlimited            unlimited            seconds   
      Max open files            1024                 524288               files     
      Max nice priority         0                    0                    
      Max realtime timeout      unlimited            unlimited            us        

      """
    let limits = ProcLimits.parse(text)
    #expect(limits[.cpu] == ResourceLimit(.cpu, soft: nil, hard: nil))
    #expect(limits[.nofile] == ResourceLimit(.nofile, soft: 1024, hard: 524288))
    #expect(limits[.nice] == ResourceLimit(.nice, soft: 0, hard: 0))
    #expect(limits[.rttime] == ResourceLimit(.rttime, soft: nil, hard: nil))
    #expect(limits.count == 4)
  }

  @Test func groupsAndCapabilitiesAreReadFromAFakeProc() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("nsbuild-ids-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: root) }
    try FileManager.default.createDirectory(atPath: root + "/proc/self", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: root + "/proc/sys/fs", withIntermediateDirectories: true)
    try Data("Name:\tx\nGroups:\t4 27 1000 \nCapEff:\t000001fffeffffff\n".utf8).write(
      to: URL(fileURLWithPath: root + "/proc/self/status"))
    try Data("Max open files            1024                 20000                files     \n".utf8).write(
      to: URL(fileURLWithPath: root + "/proc/self/limits"))
    try Data("1048576\n".utf8).write(to: URL(fileURLWithPath: root + "/proc/sys/fs/nr_open"))
    let facts = HostFactsReader(reader: RealKernel(), root: root).read(paths: [], uid: 0)
    #expect(facts.supplementaryGroups == [4, 27, 1000])
    #expect(facts.effectiveCapabilities == 0x1ff_feff_ffff)
    #expect(facts.limits[.nofile]?.hard == 20000)
    #expect(facts.nrOpen == 1_048_576)
  }
}
