import Foundation
import Testing

@testable import Builder

/// A fresh sysfs without a net namespace is the caller's own, which mount(2) will not mount where it already is:
/// where the kernel lacks the new mount API (and nsbuild falls back to mount(2)), plan says so on the mount step.
/// move_mount(2) stacks it there, so with that API it mounts.
@Suite struct SysfsBusyTests: ScratchFolderTests {
  static func spec(unshare: String) -> String {
    """
    version = 1
    [namespaces]
    unshare = [\(unshare)]
    [[mounts]]
    type = "sysfs"
    target = "/sys"
    [process]
    args = ["/bin/sh", "-c", "test -d /sys/kernel"]
    """
  }

  @Test(.enabled(if: NSBuildProcess.isRoot, "mounting needs root"))
  func sysfsOnTheHostsSysWithoutANetNamespaceMountsThroughTheNewMountAPI() throws {
    try withFolder { folder in
      let path = try write(Self.spec(unshare: "\"mount\", \"pid\""), to: folder)
      let plan = try NSBuildProcess.run(["plan", path, "--", "true"])
      #expect(!(plan.stdout + plan.stderr).contains("sysfs is already mounted"), "\(plan.stdout)")
      let before = try HostSnapshot.take()
      let run = try NSBuildProcess.run(["run", path])
      #expect(run.status == 0, "\(run.stderr)")
      try HostSnapshot.expectUnchanged(since: before)
    }
  }

  /// Where the kernel lacks a call of the new mount API (a fake observation), plan foresees mount(2)'s EBUSY.
  @Test func sysfsOnTheHostsSysWithoutANetNamespaceIsForeseenWithMount() throws {
    let spec = try decodeSpec(Self.spec(unshare: "\"mount\", \"pid\""))
    var state = PlannerTests.root
    state.host.mounts = HostMount.parse("22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n")
    let warned = { (state: ObservedState) in
      (try? Planner(spec: spec, state: state).plan())?.warnings.contains {
        $0.message.hasPrefix("the host's sysfs is already mounted on /sys")
      } == true
    }
    #expect(!warned(state))
    state.host.missingMountCall = "fsopen"
    #expect(warned(state))
  }

  @Test(.enabled(if: NSBuildProcess.isRoot, "mounting needs root"))
  func sysfsWithItsOwnNetNamespaceIsNotWarnedOfAndMounts() throws {
    try withFolder { folder in
      let path = try write(Self.spec(unshare: "\"mount\", \"pid\", \"net\""), to: folder)
      let plan = try NSBuildProcess.run(["plan", path, "--", "true"])
      #expect(!(plan.stdout + plan.stderr).contains("sysfs is already mounted"))
      let run = try NSBuildProcess.run(["run", path])
      #expect(run.status == 0, "\(run.stderr)")
    }
  }

  /// Elsewhere than where the caller's sysfs is mounted (here a root folder's /sys), the same sysfs mounts again.
  @Test(.enabled(if: NSBuildProcess.isRoot, "mounting needs root"))
  func sysfsInARootFolderWithoutANetNamespaceIsNotWarnedOfAndMounts() throws {
    try withFolder { folder in
      try FileManager.default.createDirectory(atPath: folder + "/rootfs/sys", withIntermediateDirectories: true)
      let path = try write(
        """
        version = 1
        [namespaces]
        unshare = ["mount", "pid"]
        [root]
        path = "rootfs"
        \(usrFromHost)
        [[mounts]]
        type = "sysfs"
        target = "/sys"
        [process]
        args = ["/bin/sh", "-c", "test -d /sys/kernel"]

        """, to: folder)
      let plan = try NSBuildProcess.run(["plan", path])
      #expect(!(plan.stdout + plan.stderr).contains("sysfs is already mounted"))
      let run = try NSBuildProcess.run(["run", path])
      #expect(run.status == 0, "\(run.stderr)")
    }
  }
}
