import Foundation
import SpecParser
import Testing

@testable import Builder

/// Each host check becomes a plan warning, driven by a fake /proc and /etc read through the real kernel.
@Suite struct HostWarningTests {
  /// A folder laid out like `/` with the given files, read by ``HostFactsReader``.
  func facts(_ files: [String: String], paths: [String] = [], uid: UInt32 = 1000) throws -> HostFacts {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("nsbuild-fakeproc-\(UUID().uuidString)")
      .path
    defer { try? FileManager.default.removeItem(atPath: root) }
    for (path, text) in files {
      let full = root + path
      try FileManager.default.createDirectory(
        atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try Data(text.utf8).write(to: URL(fileURLWithPath: full))
    }
    return HostFactsReader(reader: RealKernel(), root: root).read(paths: paths, uid: uid)
  }

  static let healthy = [
    "/proc/sys/user/max_user_namespaces": "1000\n", "/proc/self/ns/time": "", "/proc/self/mountinfo": "",
    "/etc/subuid": "1000:100000:65536\n",
  ]

  func warnings(_ specText: String, _ files: [String: String], paths: [String]? = nil) throws -> [String] {
    let check = SpecDecoder.decode(source: Array(specText.utf8), file: "w.toml", directory: "/work")
    let spec = try #require(check.spec, "\(check.diagnostics.map(\.message))")
    var state = PlannerTests.user
    state.host = try facts(files, paths: paths ?? Planner.hostPaths(of: spec))
    state.newuidmap = "/usr/bin/newuidmap"
    state.newgidmap = "/usr/bin/newgidmap"
    return try Planner(spec: spec, state: state).plan(command: ["true"]).warnings.map(\.message)
  }

  static let userSpec = "version = 1\n[namespaces]\nunshare = [\"user\", \"mount\", \"pid\"]\n"

  @Test func healthyHostGivesNoWarnings() throws {
    #expect(try warnings(Self.userSpec, Self.healthy).isEmpty)
  }

  /// Without a user namespace, capset(2) cannot raise a capability outside nsbuild's bounding set: the plan keeps
  /// only those in it, and warns about the rest.
  @Test func capabilitiesOutsideTheBoundingSetAreLeftOutWithAWarning() throws {
    let text =
      "version = 1\n[namespaces]\nunshare = [\"mount\"]\n[process]\n"
      + "capabilities = [\"CAP_NET_ADMIN\", \"CAP_SYS_RESOURCE\"]\n"
    let spec = try #require(SpecDecoder.decode(source: Array(text.utf8), file: "c.toml", directory: "/").spec)
    var state = PlannerTests.root
    // Every capability up to 40 but CAP_SYS_RESOURCE (24), as /proc/self/status prints it.
    state.host = try facts(["/proc/self/status": "Name:\tnsbuild\nCapBnd:\t000001fffeffffff\n"], uid: 0)
    #expect(state.host.boundingSet == 0x1_fffe_ffffff)
    let plan = try Planner(spec: spec, state: state).plan(command: ["true"])
    #expect(
      plan.warnings.map(\.message) == [
        "not in nsbuild's capability bounding set here, so the command runs without them: CAP_SYS_RESOURCE"
      ])
    let netAdmin = try #require(Capability(name: "CAP_NET_ADMIN"))
    #expect(plan.steps.contains { $0.calls.contains(.capset(capabilities: [netAdmin])) })
    // With a user namespace the new namespace grants them all, so nothing is left out.
    state.host.boundingSet = 0
    let inUserNS = try #require(
      SpecDecoder.decode(
        source: Array(text.replacingOccurrences(of: "[\"mount\"]", with: "[\"user\", \"mount\"]").utf8),
        file: "c.toml", directory: "/"
      ).spec)
    let inUserNSWarnings = try Planner(spec: inUserNS, state: state).plan(command: ["true"]).warnings
    #expect(!inUserNSWarnings.contains { $0.message.hasPrefix("not in nsbuild's capability bounding set") })
  }

  @Test func userNamespacesDisabled() throws {
    var files = Self.healthy
    files["/proc/sys/user/max_user_namespaces"] = "0\n"
    #expect(
      try warnings(Self.userSpec, files) == ["user namespaces are disabled here (sysctl user.max_user_namespaces = 0)"])
  }

  @Test func appArmorRestriction() throws {
    var files = Self.healthy
    files["/proc/sys/kernel/apparmor_restrict_unprivileged_userns"] = "1\n"
    #expect(
      try warnings(Self.userSpec, files).first?.hasPrefix("AppArmor restricts unprivileged user namespaces") == true)
  }

  @Test func noTimeNamespaces() throws {
    var files = Self.healthy
    files["/proc/self/ns/time"] = nil
    let spec = "version = 1\n[namespaces]\nunshare = [\"time\"]\n[time]\nmonotonic = 5\n"
    #expect(try warnings(spec, files) == ["this kernel has no time namespaces (Linux 5.6+ with CONFIG_TIME_NS)"])
  }

  @Test func oldKernelWithoutMountSetattr() {
    let kernel = RecordingKernel()
    kernel.release = "5.10.0-28-amd64"
    #expect(HostFactsReader(reader: kernel).read(paths: [], uid: 0).hasMountSetattr == false)
    kernel.release = "6.1.0"
    #expect(HostFactsReader(reader: kernel).read(paths: [], uid: 0).hasMountSetattr == true)
  }

  @Test func noSubordinateRange() throws {
    var files = Self.healthy
    files["/etc/subuid"] = "2000:100000:65536\n"
    let spec =
      Self.userSpec
      + "[user]\nuid_map = [{ inside = 0, outside = \"caller\", count = 1 }, { inside = 1, outside = 100000, count = 10 }]\n"
    #expect(try warnings(spec, files) == ["uid 1000 has no range in /etc/subuid, so newuidmap will refuse these maps"])
  }

  /// A mount on a folder of proc that holds something makes the kernel refuse a fresh proc in a user namespace; one
  /// on the permanently empty binfmt_misc folder does not, nor one on another proc's tree while /proc is clear.
  @Test func coveredProcInAUserNamespace() throws {
    var files = Self.healthy
    let spec = Self.userSpec + "[[mounts]]\ntype = \"proc\"\ntarget = \"/proc\"\n"
    let proc = "22 27 0:21 / /proc rw - proc proc rw\n"
    files["/proc/self/mountinfo"] = proc + "40 22 0:35 / /proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw\n"
    #expect(try warnings(spec, files).isEmpty)
    files["/proc/self/mountinfo"] = proc + "41 22 0:36 / /proc/sys rw - tmpfs none rw\n"
    #expect(
      try warnings(spec, files) == [
        "the host's /proc is partly covered (/proc/sys): the kernel refuses a fresh proc inside a user namespace then"
      ])
    // A second, uncovered proc is fully visible: the kernel needs only one.
    files["/proc/self/mountinfo"]! += "50 27 0:21 / /srv/p rw - proc proc rw\n"
    #expect(try warnings(spec, files).isEmpty)
    // A bind of a folder within proc does not count as visible.
    files["/proc/self/mountinfo"] =
      proc + "41 22 0:36 / /proc/sys rw - tmpfs none rw\n50 27 0:21 /sys /srv/p rw - proc proc rw\n"
    #expect(try warnings(spec, files).count == 1)
  }

  /// sysfs follows the same rule: /sys/fs/cgroup and the like are permanently empty, /sys/kernel/mm is not. A
  /// read-only host /sys (as in a container) takes only a read-only fresh sysfs.
  @Test func coveredSysInAUserNamespace() throws {
    var files = Self.healthy
    let spec =
      "version = 1\n[namespaces]\nunshare = [\"user\", \"mount\", \"net\"]\n[[mounts]]\ntype = \"sysfs\"\ntarget = \"/sys\"\n"
    let sys = "23 27 0:22 / /sys rw - sysfs sysfs rw\n31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
    files["/proc/self/mountinfo"] = sys + "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
    #expect(try warnings(spec, files).isEmpty)
    files["/proc/self/mountinfo"] = sys + "33 23 0:30 / /sys/kernel/mm rw - tmpfs none rw\n"
    #expect(
      try warnings(spec, files) == [
        "the host's /sys is partly covered (/sys/kernel/mm): the kernel refuses a fresh sysfs inside a user namespace then"
      ])
    files["/proc/self/mountinfo"] = "23 27 0:22 / /sys ro,nosuid - sysfs sysfs ro\n"
    #expect(
      try warnings(spec, files) == [
        "the host's /sys is read-only and this sysfs is not (add \"ro\" to its options): the kernel refuses a fresh sysfs inside a user namespace then"
      ])
    #expect(
      try warnings(
        spec.replacingOccurrences(of: "target = \"/sys\"\n", with: "target = \"/sys\"\noptions = [\"ro\"]\n"), files
      ).isEmpty)
  }

  @Test func missingMountSource() throws {
    let spec =
      "version = 1\n[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"bind\"\nsource = \"/nsbuild-nowhere\"\ntarget = \"/mnt\"\n"
    #expect(try warnings(spec, Self.healthy) == ["the mount source /nsbuild-nowhere does not exist"])
  }

  @Test func laterMountOnTheSameTargetHidesAnEarlierOne() throws {
    let spec = """
      version = 1
      [namespaces]
      unshare = ["mount"]
      [[mounts]]
      type = "tmpfs"
      target = "/srv"
      [[mounts]]
      type = "tmpfs"
      target = "/srv"
      """
    #expect(
      try warnings(spec, Self.healthy) == [
        "the mount on /srv at line 7 hides this one, mounted before it on the same target"
      ])
  }

  @Test func parentWrittenAfterItsChildIsMovedFirstAndSaysSo() throws {
    let spec = """
      version = 1
      [namespaces]
      unshare = ["mount"]
      [[mounts]]
      type = "tmpfs"
      target = "/srv/data"
      [[mounts]]
      type = "tmpfs"
      target = "/srv"
      options = ["ro"]
      """
    #expect(
      try warnings(spec, Self.healthy) == [
        "this mount on /srv is mounted before /srv/data, written earlier (line 4): parents go first, or it would hide what is beneath it"
      ])
    let decoded = try #require(SpecDecoder.decode(source: Array(spec.utf8), file: "w.toml", directory: "/").spec)
    let steps = try Planner(spec: decoded, state: PlannerTests.root).plan(command: ["true"]).steps
    let mounts = steps.filter { $0.kind == .mount }
    #expect(mounts.map(\.title) == ["mount tmpfs on /srv", "mount tmpfs on /srv/data"])
    // The read-only /srv is mounted writable, gets /srv/data's mount point, and only then turns read-only.
    #expect(
      mounts.first?.calls == [
        .resolve(root: 0, path: "/srv", create: .directory, slot: 1, lookup: .noSymlinks),
        .lockShared(slot: 1, path: "/srv"),
        .fsopen(fstype: "tmpfs", slot: 2),
        .fsconfigCreate(context: 2, path: "/srv"),
        .fsmount(context: 2, attributes: [], slot: 3, path: "/srv"),
        .moveMount(from: 3, to: 1, path: "/srv"),
        // On the host's tree, what lies beneath a mount is looked up from that mount's root: the fd fsmount(2) gave.
        .resolve(root: 3, path: "/data", create: .directory, slot: 4),
        .setattrAt(slot: 3, path: "/srv", recursive: false, set: .rdonly, clear: []),
      ])
  }

  @Test func sysfsInAUserNamespaceWithoutNetIsACheckError() throws {
    let spec = Self.userSpec + "[[mounts]]\ntype = \"sysfs\"\ntarget = \"/sys\"\n"
    let check = SpecDecoder.decode(source: Array(spec.utf8), file: "w.toml", directory: "/work")
    #expect(
      check.diagnostics.map(\.message) == [
        "a sysfs mount in a user namespace needs the net namespace (the kernel refuses it otherwise)"
      ])
  }
}
