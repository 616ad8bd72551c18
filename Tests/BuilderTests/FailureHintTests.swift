import SpecParser
import Testing

@testable import Builder
@testable import nsbuild

/// The `= help:` line a failed step's report adds, by step kind and errno: each hint the report knows, and none
/// where it knows nothing to say.
@Suite struct FailureHintTests {
  /// As root: a user namespace mapping root alone with setgroups allowed, clocks, a read-only root folder, proc,
  /// sysfs, a bind and a file.
  static let full = """
    version = 1
    [namespaces]
    unshare = ["user", "mount", "pid", "net", "time"]
    [user]
    uid_map = [{ inside = 0, outside = 0, count = 1 }]
    gid_map = [{ inside = 0, outside = 0, count = 1 }]
    setgroups = "allow"
    [time]
    monotonic = "1h"
    [root]
    path = "/srv/root"
    readonly = true
    [[mounts]]
    type = "proc"
    target = "/proc"
    [[mounts]]
    type = "sysfs"
    target = "/sys"
    [[mounts]]
    type = "bind"
    source = "/usr"
    target = "/usr"
    [[files]]
    type = "file"
    path = "/etc/motd"
    content = "hi"
    [process]
    args = ["true"]
    """

  /// As root, with no user namespace.
  static let noUser = """
    version = 1
    [namespaces]
    unshare = ["mount", "pid"]
    [[mounts]]
    type = "proc"
    target = "/proc"
    [[files]]
    type = "dir"
    path = "/srv/made"
    [process]
    args = ["true"]
    """

  /// Without root: a map beyond the caller's own ID, through newuidmap(1) and newgidmap(1).
  static let helper = """
    version = 1
    [namespaces]
    unshare = ["user"]
    [user]
    uid_map = [{ inside = 0, outside = "caller", count = 1 }, { inside = 1, outside = 100000, count = 65536 }]
    gid_map = [{ inside = 0, outside = "caller", count = 1 }, { inside = 1, outside = 100000, count = 65536 }]
    [process]
    args = ["true"]
    """

  static let dangling = ": its destination does not exist, and on the host's tree nsbuild makes none"

  /// The hint for a failure of the first step of `kind` (with `title` at its start), at call `callIndex` (or the
  /// first call matching `call`); nil when the report gives none.
  func hint(
    _ text: String, state: ObservedState = PlannerTests.root, _ kind: Step.Kind, title: String = "",
    _ errno: Int32, path: String? = nil, call: ((Syscall) -> Bool)? = nil
  ) throws -> String? {
    let check = SpecDecoder.decode(source: Array(text.utf8), file: "test.toml", directory: "/work")
    let plan = try Planner(spec: try #require(check.spec), state: state).plan()
    let step = try #require(plan.steps.first { $0.kind == kind && $0.title.hasPrefix(title) }, "\(kind) \(title)")
    let callIndex = try call.map { call in try #require(step.operations.firstIndex { call($0.call) }) } ?? 0
    let failure = StepFailure(
      stepID: step.id, callIndex: callIndex, error: SyscallError(call: "call", errno: errno, path: path))
    let loaded = LoadedSpec(path: "test.toml", source: Array(text.utf8), check: check)
    let report = FailureReport(plan: plan, loaded: loaded, terminal: Terminal()).render(failure)
    let marker = "= help: "
    for line in report.split(separator: "\n") {
      if let found = line.firstRange(of: marker) { return String(line[found.upperBound...]) }
    }
    return nil
  }

  @Test func theCommand() throws {
    #expect(try hint(Self.noUser, .exec, ErrnoNames.ENOENT)?.hasPrefix("the command was not found") == true)
    #expect(try hint(Self.noUser, .exec, ErrnoNames.EACCES)?.hasPrefix("the command is not executable") == true)
    #expect(try hint(Self.noUser, .exec, ErrnoNames.EPERM) == nil)
  }

  @Test func unshare() throws {
    #expect(try hint(Self.full, .unshare, ErrnoNames.EINVAL)?.hasPrefix("unshare(CLONE_NEWUSER) needs") == true)
    #expect(try hint(Self.noUser, .unshare, ErrnoNames.EPERM)?.hasPrefix("creating namespaces needs root") == true)
    let disabled = "user namespaces may be disabled"
    #expect(try hint(Self.full, .unshare, ErrnoNames.EPERM)?.hasPrefix(disabled) == true)
    #expect(try hint(Self.noUser, .unshare, 28)?.hasPrefix(disabled) == true)
    #expect(try hint(Self.noUser, .unshare, ErrnoNames.ENOENT) == nil)
  }

  @Test func kernelFilesystems() throws {
    #expect(try hint(Self.full, .mount, title: "mount proc", ErrnoNames.EPERM)?.hasPrefix("proc cannot") == true)
    #expect(try hint(Self.full, .mount, title: "mount sysfs", ErrnoNames.EPERM)?.hasPrefix("sysfs cannot") == true)
    #expect(
      try hint(Self.full, .mount, title: "mount sysfs", ErrnoNames.EBUSY)?.hasPrefix("without a net namespace")
        == true)
    #expect(try hint(Self.full, .mount, title: "mount proc", ErrnoNames.EBUSY) == nil)
  }

  @Test func pathsBeneathTheRoot() throws {
    let leads = "a symlink on the way leads"
    #expect(try hint(Self.full, .mount, ErrnoNames.ENOENT, path: "/x" + Self.dangling)?.hasPrefix(leads) == true)
    #expect(try hint(Self.full, .file, ErrnoNames.ENOENT, path: "/x" + Self.dangling)?.hasPrefix(leads) == true)
    #expect(try hint(Self.full, .mount, ErrnoNames.ENOENT)?.hasPrefix("the mount target (or bind source)") == true)
    #expect(try hint(Self.full, .file, ErrnoNames.ENOENT) == nil)
    let owner = "in a user namespace the sandbox's root is"
    #expect(try hint(Self.full, .mount, ErrnoNames.EACCES)?.hasPrefix(owner) == true)
    #expect(try hint(Self.full, .file, ErrnoNames.EACCES)?.hasPrefix(owner) == true)
    #expect(try hint(Self.noUser, .mount, ErrnoNames.EACCES) == nil)
    #expect(try hint(Self.noUser, .file, ErrnoNames.EACCES) == nil)
    let noSymlink = "nsbuild follows no symlink beneath a bind"
    #expect(try hint(Self.full, .mount, ErrnoNames.ELOOP)?.hasPrefix(noSymlink) == true)
    #expect(try hint(Self.full, .file, ErrnoNames.ELOOP)?.hasPrefix(noSymlink) == true)
    #expect(try hint(Self.full, .readonlyRoot, ErrnoNames.ELOOP)?.hasPrefix(noSymlink) == true)
    #expect(try hint(Self.full, .readonlyRoot, ErrnoNames.ENOENT) == nil)
    #expect(try hint(Self.full, .mount, ErrnoNames.EWOULDBLOCK)?.hasPrefix("another nsbuild run") == true)
  }

  @Test func hostPaths() throws {
    #expect(try hint(Self.full, .sources, ErrnoNames.ENOENT)?.hasPrefix("a host path the spec names") == true)
    let isRoot = { (call: Syscall) in
      if case .openDirectoryNoSymlinks = call { return true }
      return false
    }
    let isBind = { (call: Syscall) in
      if case .openNoSymlinks(let path, _, _) = call { return path == "/usr" }
      return false
    }
    let realFolder = "the root folder must be a real folder"
    #expect(try hint(Self.full, .sources, ErrnoNames.ELOOP, call: isRoot)?.hasPrefix(realFolder) == true)
    #expect(try hint(Self.full, .sources, ErrnoNames.ENOTDIR, call: isRoot)?.hasPrefix(realFolder) == true)
    #expect(try hint(Self.full, .sources, ErrnoNames.ELOOP, call: isBind)?.hasPrefix("a symlink is on the way") == true)
    #expect(try hint(Self.full, .sources, ErrnoNames.ENOTDIR, call: isBind) == nil)
  }

  @Test func clocksAndMaps() throws {
    #expect(try hint(Self.full, .timeOffsets, ErrnoNames.ERANGE)?.hasPrefix("an offset may not take") == true)
    #expect(try hint(Self.full, .gidMap, ErrnoNames.EPERM)?.hasPrefix("without root, gid_map can only") == true)
    let own = "without root, only your own ID can be mapped"
    #expect(try hint(Self.full, .uidMap, ErrnoNames.EPERM)?.hasPrefix(own) == true)
    #expect(try hint(Self.helper, state: Self.withHelpers, .gidMap, ErrnoNames.EPERM)?.hasPrefix(own) == false)
    let refused = "the helper refused the map"
    #expect(try hint(Self.helper, state: Self.withHelpers, .uidMap, ErrnoNames.EPERM)?.hasPrefix(refused) == true)
    #expect(try hint(Self.helper, state: Self.withHelpers, .gidMap, ErrnoNames.EPERM)?.hasPrefix(refused) == true)
    #expect(try hint(Self.helper, state: Self.withHelpers, .uidMap, ErrnoNames.EINVAL) == nil)
  }

  @Test func stepsWithoutHints() throws {
    #expect(try hint(Self.full, .fork, ErrnoNames.EPERM) == nil)
    #expect(try hint(Self.full, .pivotRoot, ErrnoNames.EINVAL) == nil)
  }

  static let withHelpers: ObservedState = {
    var state = PlannerTests.user
    state.newuidmap = "/usr/bin/newuidmap"
    state.newgidmap = "/usr/bin/newgidmap"
    return state
  }()
}
