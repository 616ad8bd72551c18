import SpecParser
import Testing

@testable import Builder

@Suite struct PlannerTests {
  static let user = ObservedState(uid: 1000, gid: 1001, euid: 1000, hostname: "host", domainname: "(none)")
  static let root = ObservedState(uid: 0, gid: 0, euid: 0, hostname: "host", domainname: "(none)")

  func plan(_ name: String, as state: ObservedState = root) throws -> Plan {
    try Planner(spec: try exampleSpec(name), state: state).plan()
  }

  func shape(_ plan: Plan) -> [String] {
    plan.steps.map { "\($0.id) \($0.actor.rawValue) \($0.kind.rawValue)" }
  }

  /// The command's steps with the defaults: new session, the namespace's root with no supplementary group, no
  /// capabilities, no_new_privs; with `closing`, init closes its setup fds just before the command's execve(2).
  static func commandShape(from first: Int, closing: Bool = false) -> [String] {
    let kinds =
      [
        "init fork_command", "command session", "command bounding_set", "command credentials", "command capabilities",
        "command no_new_privs", "command cwd",
      ] + (closing ? ["init close_fds"] : []) + ["command exec"]
    return kinds.enumerated().map { "\(first + $0.offset) \($0.element)" }
  }

  @Test func devStepOrder() throws {
    #expect(
      shape(try plan("dev.toml")) == [
        "1 parent spawn", "2 sandbox unshare", "3 sandbox fork", "4 init hostname", "5 init domainname",
        "6 init loopback", "7 init propagation", "8 init sources", "9 init mount", "10 init mount", "11 init mount",
        "12 init protect", "13 init mount", "14 init mount",
      ] + Self.commandShape(from: 15, closing: true))
  }

  @Test func minimalStepOrder() throws {
    #expect(
      shape(try plan("minimal.toml")) == [
        "1 parent spawn", "2 sandbox unshare", "3 sandbox fork", "4 init hostname",
      ] + Self.commandShape(from: 5))
  }

  @Test func rootlessStepOrderAsAnUnprivilegedUser() throws {
    #expect(
      shape(try plan("rootless.toml", as: Self.user)) == [
        "1 parent spawn", "2 sandbox unshare", "3 parent setgroups", "4 parent uid_map", "5 parent gid_map",
        "6 sandbox fork", "7 init hostname", "8 init propagation", "9 init sources", "10 init mount", "11 init mount",
        "12 init protect",
      ] + Self.commandShape(from: 13, closing: true))
  }

  @Test func callerMapsUseTheCallersIDsAndDenySetgroups() throws {
    let plan = try plan("rootless.toml", as: Self.user)
    let writes = plan.steps.filter { $0.actor == .parent }.flatMap(\.calls)
    #expect(
      writes == [
        .setParentDeathSignal(signal: 9), .checkParent, .fork, .setParentDeathSignal(signal: 9), .checkParent,
        .forwardSignals(signals: Planner.forwardedSignals), .writeProcFile(file: "setgroups", contents: "deny"),
        .writeProcFile(file: "uid_map", contents: "0 1000 1\n"),
        .writeProcFile(file: "gid_map", contents: "0 1001 1\n"),
      ])
  }

  @Test func rootWritesMapsWithoutTouchingSetgroups() throws {
    let plan = try plan("rootless.toml", as: Self.root)
    #expect(!plan.steps.contains { $0.kind == .setgroups })
    #expect(plan.steps.contains { $0.calls == [.writeProcFile(file: "uid_map", contents: "0 0 1\n")] })
  }

  @Test func devMountCalls() throws {
    // Its first three mounts (the minimal /dev and /run that follow have tests of their own).
    var spec = try exampleSpec("dev.toml")
    spec.mounts.removeLast(2)
    let steps = try Planner(spec: spec, state: Self.root).plan().steps
    let sources = try #require(steps.first { $0.kind == .sources })
    // The host's /dev/null too, for the proc's protection.
    #expect(
      sources.calls == [
        .openPath(path: "/", slot: 0), .openNoSymlinks(path: "/usr", slot: 1, via: []),
        .openNoSymlinks(path: "/dev/null", slot: 2, via: []),
      ])
    let mounts = steps.filter { $0.kind == .mount }.map(\.calls)
    // Each made detached (a filesystem context, its options, fsmount; or a copy of the source's tree), configured on
    // its fd, then moved onto the fd of its mount point.
    #expect(
      mounts == [
        [
          .resolve(root: 0, path: "/tmp", create: .directory, slot: 3, lookup: .noSymlinks),
          .lockShared(slot: 3, path: "/tmp"),
          .fsopen(fstype: "tmpfs", slot: 4),
          .fsconfigString(context: 4, key: "size", value: "67108864"),
          .fsconfigString(context: 4, key: "mode", value: "1777"),
          .fsconfigCreate(context: 4, path: "/tmp"),
          .fsmount(context: 4, attributes: [], slot: 5, path: "/tmp"),
          .moveMount(from: 5, to: 3, path: "/tmp"),
        ],
        [
          .resolve(root: 0, path: "/usr", create: .likeSource(slot: 1), slot: 6, lookup: .noSymlinks),
          .lockShared(slot: 6, path: "/usr"),
          .openTree(source: 1, path: "/usr", recursive: true, slot: 7, target: "/usr"),
          .setattrAt(slot: 7, path: "/usr", recursive: true, set: [.rdonly, .nosuid, .nodev], clear: []),
          .moveMount(from: 7, to: 6, path: "/usr"),
        ],
        [
          .resolve(root: 0, path: "/proc", create: .directory, slot: 8, lookup: .noSymlinks),
          .lockShared(slot: 8, path: "/proc"),
          .fsopen(fstype: "proc", slot: 9),
          .fsconfigCreate(context: 9, path: "/proc"),
          .fsmount(context: 9, attributes: [.nosuid, .nodev, .noexec], slot: 10, path: "/proc"),
          .moveMount(from: 10, to: 8, path: "/proc"),
        ],
      ])
  }

  /// Where the kernel lacks a call of the new mount API (a fake observation), the same mounts go through mount(2)
  /// on /proc/self/fd paths, and plan names the missing call.
  @Test func aKernelWithoutTheNewMountAPIFallsBackToMountWithAWarning() throws {
    var spec = try exampleSpec("dev.toml")
    spec.mounts.removeLast(2)
    var state = Self.root
    state.host.missingMountCall = "open_tree"
    let plan = try Planner(spec: spec, state: state).plan()
    let mounts = plan.steps.filter { $0.kind == .mount }.map(\.calls)
    #expect(
      mounts.first?.last
        == .mountAt(
          source: .name(filesystem: "tmpfs"), target: 3, path: "/tmp", fstype: "tmpfs", flags: [],
          data: "size=67108864,mode=1777"))
    #expect(
      mounts.dropFirst().first?.dropFirst(2).first
        == .mountAt(
          source: .slot(slot: 1, path: "/usr"), target: 4, path: "/usr", fstype: nil, flags: [.bind, .rec], data: nil))
    let all = plan.steps.flatMap(\.calls)
    #expect(!all.contains { if case .moveMount = $0 { true } else { false } })
    #expect(all.contains { if case .readOnlyPath(_, _, _, true) = $0 { true } else { false } })
    #expect(plan.warnings.contains { $0.message.hasPrefix("this kernel has no open_tree(2)") })
    // With every call there, no warning.
    #expect(!(try Planner(spec: spec, state: Self.root).plan()).warnings.contains { $0.message.contains("open_tree") })
  }

  /// Before Linux 6.13 overlayfs takes no layer fds: only the overlay falls back, and plan says why.
  @Test func anOverlayFallsBackAloneWhereOverlayfsTakesNoLayerFDs() throws {
    let spec = try decodeSpec(
      """
      version = 1
      [namespaces]
      unshare = ["mount"]
      [[mounts]]
      type = "overlay"
      target = "/o"
      lower = ["/a", "/b"]
      [[mounts]]
      type = "tmpfs"
      target = "/t"
      [process]
      args = ["true"]
      """)
    var state = Self.root
    state.host.overlayTakesLayerFDs = false
    let old = try Planner(spec: spec, state: state).plan()
    let calls = old.steps.filter { $0.kind == .mount }.flatMap(\.calls)
    #expect(calls.contains { if case .mountOverlay = $0 { true } else { false } })
    #expect(calls.contains(.fsopen(fstype: "tmpfs", slot: 5)))
    #expect(old.warnings.contains { $0.message.contains("overlayfs takes no layer fds") })
    let new = try Planner(spec: spec, state: Self.root).plan().steps.filter { $0.kind == .mount }.flatMap(\.calls)
    // The lower layers in order, the leftmost the top one, each as an fd.
    #expect(
      new.filter { if case .fsconfigFD = $0 { true } else { false } } == [
        .fsconfigFD(context: 4, key: "lowerdir+", fd: 1, path: "/a"),
        .fsconfigFD(context: 4, key: "lowerdir+", fd: 2, path: "/b"),
      ])
  }

  @Test func mountsAndFilesFollowTheSpecsOrder() throws {
    let spec = try decodeSpec(
      """
      version = 1
      [namespaces]
      unshare = ["mount"]
      [root]
      type = "tmpfs"
      readonly = true
      [[mounts]]
      type = "tmpfs"
      target = "/tmp"
      [[files]]
      type = "dir"
      path = "/tmp/dir"
      [[files]]
      type = "symlink"
      path = "/tmp/link"
      link = "dir"
      [[mounts]]
      type = "bind"
      source = "/etc"
      target = "/tmp/link"
      [process]
      args = ["true"]
      """)
    let steps = try Planner(spec: spec, state: Self.root).plan().steps
    let filesystem = steps.drop { $0.kind != .propagation }.prefix { $0.kind != .spawnCommand }
    #expect(
      filesystem.map(\.title) == [
        "make every mount private", "open the host paths the sandbox uses", "make an empty tmpfs root",
        "mount tmpfs on /tmp", "create dir /tmp/dir", "create symlink /tmp/link", "bind /etc on /tmp/link",
        "pivot_root into the new root", "make / read-only",
      ])
  }

  @Test func propagationComesBeforeTheFirstMount() throws {
    let kinds = try plan("dev.toml").steps.map(\.kind)
    let private_ = try #require(kinds.firstIndex(of: .propagation))
    let firstMount = try #require(kinds.firstIndex(of: .mount))
    #expect(private_ < firstMount)
  }

  @Test func hostnameAlreadySetIsUnchanged() throws {
    var state = Self.root
    state.hostname = "minimal"
    let step = try #require(try plan("minimal.toml", as: state).steps.first { $0.kind == .hostname })
    #expect(step.change == .unchanged(value: "minimal"))
    let other = try #require(try plan("minimal.toml").steps.first { $0.kind == .hostname })
    #expect(other.change == .modify(before: "host", after: "minimal"))
  }

  @Test func stepsPointAtTheirSpecLines() throws {
    let plan = try plan("dev.toml")
    let lines = plan.steps.map { $0.origin?.start.line }
    // The proc's protection points at the proc mount's line.
    #expect(
      lines == [nil, 6, nil, 9, 10, nil, 6, nil, 12, 18, 24, 24, 29, 34, nil, nil, nil, nil, nil, nil, 41, nil, 39])
  }

  @Test func timeOffsetsAreWrittenBeforeTheFork() throws {
    let spec = try decodeSpec(
      """
      version = 1
      [namespaces]
      unshare = ["time", "pid"]
      [time]
      monotonic = "7d"
      boottime = -1.5
      [process]
      args = ["true"]
      """)
    let plan = try Planner(spec: spec, state: Self.root).plan()
    #expect(
      shape(plan) == [
        "1 parent spawn", "2 sandbox unshare", "3 parent timens_offsets", "4 parent timens_offsets", "5 sandbox fork",
      ] + Self.commandShape(from: 6))
    #expect(plan.steps[2].calls == [.writeProcFile(file: "timens_offsets", contents: "monotonic 604800 0\n")])
    #expect(plan.steps[3].calls == [.writeProcFile(file: "timens_offsets", contents: "boottime -2 500000000\n")])
    #expect(plan.steps[2].origin?.start.line == 5)
    #expect(plan.steps[3].origin?.start.line == 6)
  }

  @Test func negativeOffsetBelowZeroIsWarned() throws {
    let spec = try decodeSpec(
      "version = 1\n[namespaces]\nunshare = [\"time\"]\n[time]\nboottime = \"-2h\"\n[process]\nargs = [\"true\"]\n")
    var state = Self.root
    state.boottimeSeconds = 600
    let plan = try Planner(spec: spec, state: state).plan()
    #expect(
      plan.warnings.map(\.message) == [
        "the boottime offset -7200 s would take the clock below zero (it reads 600 s now); the kernel refuses it (ERANGE)"
      ])
    #expect(plan.warnings.first?.origin?.start.line == 5)
  }

  @Test func commandLineReplacesArgs() throws {
    let plan = try Planner(spec: try exampleSpec("dev.toml"), state: Self.root).plan(command: ["hostname"])
    let exec = try #require(plan.steps.last)
    guard case .execve(let command) = exec.calls.last else { throw TestFailure("no execve call") }
    #expect(command.args == ["hostname"])
    #expect(command.env == [EnvironmentVariable("PATH", "/usr/bin:/bin")])
    #expect(exec.origin == nil)
  }

  @Test func unprivilegedRangesNeedTheHelpers() throws {
    let spec = try decodeSpec(
      """
      version = 1
      [namespaces]
      unshare = ["user"]
      [user]
      uid_map = [{ inside = 0, outside = "caller", count = 1 }, { inside = 1, outside = 100000, count = 65536 }]
      [process]
      args = ["true"]
      """)
    #expect(throws: PlanError.self) { try Planner(spec: spec, state: Self.user).plan() }
    var state = Self.user
    state.newuidmap = "/usr/bin/newuidmap"
    state.newgidmap = "/usr/bin/newgidmap"
    let plan = try Planner(spec: spec, state: state).plan()
    let uidMap = try #require(plan.steps.first { $0.kind == .uidMap })
    #expect(uidMap.calls == [.idMapHelper(program: "/usr/bin/newuidmap", map: "0 1000 1\n1 100000 65536\n")])
    // setgroups is denied by default before the helpers write the maps, as for a direct unprivileged map.
    #expect(plan.steps.contains { $0.calls == [.writeProcFile(file: "setgroups", contents: "deny")] })
  }

  @Test func nestedMountsWrittenInsideOutAreAppliedOutsideIn() throws {
    let spec = try decodeSpec(
      """
      version = 1
      [namespaces]
      unshare = ["mount"]
      [[mounts]]
      type = "tmpfs"
      target = "/a/b/c"
      [[mounts]]
      type = "tmpfs"
      target = "/x"
      [[mounts]]
      type = "tmpfs"
      target = "/a/b"
      [[mounts]]
      type = "tmpfs"
      target = "/a"
      [process]
      args = ["true"]
      """)
    let plan = try Planner(spec: spec, state: Self.root).plan()
    #expect(
      plan.steps.filter { $0.kind == .mount }.map(\.title) == [
        "mount tmpfs on /a", "mount tmpfs on /a/b", "mount tmpfs on /a/b/c", "mount tmpfs on /x",
      ])
    #expect(plan.warnings.count == 2)
  }

  @Test func hostChangesLandInTheDeepestBindsSource() throws {
    let spec = try decodeSpec(
      """
      version = 1
      [namespaces]
      unshare = ["mount"]
      [[files]]
      type = "symlink"
      path = "/data/inner/link"
      link = "x"
      [[mounts]]
      type = "bind"
      source = "/srv"
      target = "/data"
      [[mounts]]
      type = "bind"
      source = "/opt/deep"
      target = "/data/inner"
      [[mounts]]
      type = "bind"
      source = "/"
      target = "/host"
      [[mounts]]
      type = "tmpfs"
      target = "/data/inner/x"
      [[mounts]]
      type = "tmpfs"
      target = "/data/innermost"
      [[mounts]]
      type = "tmpfs"
      target = "/host/z"
      [process]
      args = ["true"]
      """)
    var state = Self.root
    state.hostEntries["/data"] = .directory
    let plan = try Planner(spec: spec, state: state).plan()
    // "/data/innermost" is not beneath "/data/inner": a prefix of the name is not an ancestor.
    #expect(
      plan.hostChanges == [
        "/opt/deep/link", "mount point /srv/inner", "mount point /host", "mount point /opt/deep/x",
        "mount point /srv/innermost", "mount point /z",
      ])
  }

  @Test func hostChangesLeaveOutFilesRunWouldNotWrite() throws {
    let spec = try decodeSpec(
      """
      version = 1
      [namespaces]
      unshare = ["mount"]
      [[files]]
      type = "file"
      path = "/srv/same"
      content = "x"
      [[files]]
      type = "file"
      path = "/srv/other"
      content = "x"
      [[files]]
      type = "file"
      path = "/srv/new"
      content = "x"
      [process]
      args = ["true"]
      """)
    var state = Self.root
    state.hostEntries["/srv/same"] = .file(contents: Array("x".utf8))
    state.hostEntries["/srv/other"] = .file(contents: Array("y".utf8))
    // Already as wanted: skipped. Something else there: run refuses to overwrite it (and plan warns).
    #expect(try Planner(spec: spec, state: state).plan().hostChanges == ["/srv/new"])
  }

  @Test func hostChangesLeaveOutWhatLandsOnTheSandboxsOwnMounts() throws {
    let spec = try decodeSpec(
      """
      version = 1
      [namespaces]
      unshare = ["mount"]
      [[mounts]]
      type = "tmpfs"
      target = "/w/a"
      [[mounts]]
      type = "tmpfs"
      target = "/w/a"
      [[mounts]]
      type = "tmpfs"
      target = "/w/a/b"
      [[files]]
      type = "file"
      path = "/w/a/f"
      content = "x"
      [[files]]
      type = "dir"
      path = "/w/c/d"
      [process]
      args = ["true"]
      """)
    // On the tmpfs: /w/a/f and /w/a/b; twice on one target: one mount point.
    #expect(try Planner(spec: spec, state: Self.root).plan().hostChanges == ["/w/c/d", "mount point /w/a"])
  }

  @Test func ancestorsAndDepthOfAPath() {
    #expect(AbsolutePath.ancestors(of: "/a/b/c") == ["/", "/a", "/a/b"])
    #expect(AbsolutePath.ancestors(of: "/a") == ["/"])
    #expect(AbsolutePath.ancestors(of: "/").isEmpty)
    #expect(AbsolutePath.ancestors(of: "/é/ü/x") == ["/", "/é", "/é/ü"])
    #expect([SetupOrder.depth(of: "/"), SetupOrder.depth(of: "/a"), SetupOrder.depth(of: "/a/b/c")] == [0, 1, 3])
  }

  @Test func groupsNeedSetgroupsWhichAnUnprivilegedCallerNeverHas() throws {
    let spec = try decodeSpec(
      "version = 1\n[namespaces]\nunshare = [\"user\"]\n[process]\nargs = [\"id\"]\ngroups = [0]\n")
    #expect(throws: PlanError.cannotSetGroups) { try Planner(spec: spec, state: Self.user).plan() }
    // As root, setgroups stays allowed.
    #expect(try Planner(spec: spec, state: Self.root).plan().steps.contains { $0.kind == .credentials })
  }

  @Test func noCommandIsAnError() throws {
    let spec = try decodeSpec("version = 1\n")
    #expect(throws: PlanError.noCommand) { try Planner(spec: spec, state: Self.root).plan() }
  }

  @Test func everyExampleSpecPlans() throws {
    for name in try exampleSpecNames() {
      let spec = try exampleSpec(name)
      // A veth's host end takes root (NetworkPlanTests has the refusal); every other spec plans without.
      let plan = try Planner(spec: spec, state: spec.net.veths.isEmpty ? Self.user : Self.root).plan(command: ["true"])
      #expect(plan.steps.first?.kind == .spawn, "\(name)")
      // `run` ends with deleting the veths' host ends once the sandbox ended.
      #expect(plan.steps.last(where: { $0.kind != .deleteLink })?.kind == .exec, "\(name)")
      #expect(plan.steps.filter { $0.kind == .deleteLink }.count == spec.net.veths.count, "\(name)")
      #expect(plan.steps.map(\.id) == Array(1...plan.steps.count), "\(name)")
    }
  }
}
