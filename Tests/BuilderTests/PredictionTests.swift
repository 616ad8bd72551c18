import SpecParser
import Testing

@testable import Builder

/// What `plan` foresees before anything is made: a caller that cannot build the sandbox, a working directory that
/// cannot exist, a user namespace that maps host root in.
@Suite struct PredictionTests {
  func warnings(_ text: String, cwd: String? = nil, as state: ObservedState = PlannerTests.root) throws
    -> [PlanWarning]
  {
    let process = "[process]\nargs = [\"true\"]\n" + (cwd.map { "cwd = \"\($0)\"\n" } ?? "")
    let spec = try decodeSpec("version = 1\n" + text + process)
    return try Planner(spec: spec, state: state).plan().warnings
  }

  @Test func aCallerWithoutRootOrUserNamespaceIsStoppedBeforeRun() throws {
    let text = "[namespaces]\nunshare = [\"mount\", \"pid\"]\n"
    var user = PlannerTests.user
    user.host.effectiveCapabilities = 0
    let found = try warnings(text, as: user).filter(\.stopsRun)
    #expect(found.count == 1)
    #expect(found.first?.message.hasPrefix("this spec needs root: without a user namespace, unshare(2)") == true)
    #expect(found.first?.origin?.start.line == 3)
    #expect(try warnings(text).filter(\.stopsRun).isEmpty)
    // CAP_SYS_ADMIN without root (file capabilities) is enough.
    var capable = PlannerTests.user
    capable.host.effectiveCapabilities = 1 << 21
    #expect(try warnings(text, as: capable).filter(\.stopsRun).isEmpty)
    #expect(try warnings("[namespaces]\nunshare = [\"user\", \"mount\"]\n", as: user).isEmpty)
  }

  @Test func whereTheWorkingDirectoryLands() throws {
    func place(_ text: String) throws -> WorkingDirectoryPlace {
      WorkingDirectoryPlace(of: try decodeSpec("version = 1\n" + text))
    }
    let mount = "[namespaces]\nunshare = [\"mount\"]\n"
    #expect(try place(mount + "[process]\ncwd = \"/srv/x\"\n") == .beneath(tree: "/", path: "/srv/x"))
    #expect(try place(mount + "[root]\ntype = \"tmpfs\"\n[process]\ncwd = \"/srv/x\"\n") == .absent)
    #expect(
      try place(
        mount
          + "[root]\ntype = \"tmpfs\"\n[[files]]\ntype = \"dir\"\npath = \"/srv/x/y\"\n[process]\ncwd = \"/srv/x\"\n")
        == .made)
    #expect(
      try place(
        mount + "[[mounts]]\ntype = \"bind\"\nsource = \"/data\"\ntarget = \"/srv\"\n[process]\ncwd = \"/srv/x\"\n")
        == .beneath(tree: "/data", path: "/x"))
    #expect(
      try place(mount + "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/srv\"\n[process]\ncwd = \"/srv/x\"\n") == .absent)
    #expect(
      try place(
        mount + "[[files]]\ntype = \"symlink\"\npath = \"/srv\"\nlink = \"/data\"\n[process]\ncwd = \"/srv/x\"\n")
        == .unknown)
    #expect(
      try place(mount + "[[mounts]]\ntype = \"proc\"\ntarget = \"/proc\"\n[process]\ncwd = \"/proc/sys\"\n") == .unknown
    )
  }

  @Test func aMissingWorkingDirectoryStopsRun() throws {
    let onTmpfs = try warnings("[namespaces]\nunshare = [\"mount\"]\n[root]\ntype = \"tmpfs\"\n", cwd: "/w")
    #expect(
      onTmpfs.filter(\.stopsRun).map(\.message) == [
        "the working directory /w does not exist in the sandbox: it would be on a fresh tmpfs, and no mount point or [[files]] folder makes it, so chdir(2) would fail (ENOENT) after everything is built"
      ])
    var missing = PlannerTests.root
    missing.workingDirectoryExists = false
    let onHost = try warnings("[namespaces]\nunshare = [\"mount\"]\n", cwd: "/w", as: missing)
    #expect(onHost.filter(\.stopsRun).first?.message.contains("/w is not a folder on the host") == true)
    var present = PlannerTests.root
    present.workingDirectoryExists = true
    #expect(try warnings("[namespaces]\nunshare = [\"mount\"]\n", cwd: "/w", as: present).isEmpty)
  }

  /// Only a certain answer counts: a symlink on the way (ELOOP) could lead beneath a mount of the spec.
  @Test func theWorkingDirectoryIsReadThroughNoSymlink() throws {
    let spec = try decodeSpec("version = 1\n[namespaces]\nunshare = [\"mount\"]\n[process]\ncwd = \"/srv/x\"\n")
    let kernel = RecordingKernel()
    #expect(WorkingDirectoryReader(reader: kernel).exists(for: spec) == true)
    kernel.failures["openat2(23, /srv/x)"] = ErrnoNames.ENOENT
    #expect(WorkingDirectoryReader(reader: kernel).exists(for: spec) == false)
    kernel.failures["openat2(24, /srv/x)"] = ErrnoNames.ELOOP
    #expect(WorkingDirectoryReader(reader: kernel).exists(for: spec) == nil)
    #expect(kernel.log.filter { $0.hasPrefix("open(/)") }.count == 3)
  }

  @Test func aUserNamespaceMappingHostRootInIsSaid() throws {
    let userns = "[namespaces]\nunshare = [\"user\"]\n"
    let message = "this user namespace maps host uid 0 in"
    #expect(try warnings(userns).contains { $0.message.hasPrefix(message) })
    #expect(try !warnings(userns, as: PlannerTests.user).contains { $0.message.hasPrefix(message) })
    let mapped =
      userns + "[user]\nuid_map = [{ inside = 0, outside = 100000, count = 65536 }]\n"
      + "gid_map = [{ inside = 0, outside = 100000, count = 65536 }]\n"
    #expect(try !warnings(mapped).contains { $0.message.hasPrefix(message) })
  }
}
