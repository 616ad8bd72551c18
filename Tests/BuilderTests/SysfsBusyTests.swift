import Foundation
import Testing

/// A fresh sysfs without a net namespace is the caller's own, which the kernel will not mount where it already is:
/// plan says so on the mount step, and run's failure repeats it with a way out.
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
  func sysfsOnTheHostsSysWithoutANetNamespaceIsForeseen() throws {
    try withFolder { folder in
      let path = try write(Self.spec(unshare: "\"mount\", \"pid\""), to: folder)
      let plan = try NSBuildProcess.run(["plan", path, "--", "true"])
      #expect(plan.stdout.contains("the host's sysfs is already mounted on /sys"), "\(plan.stdout)")
      let before = try HostSnapshot.take()
      let run = try NSBuildProcess.run(["run", path])
      #expect(run.status == 125)
      #expect(run.stderr.contains("mount(2): EBUSY"), "\(run.stderr)")
      #expect(run.stderr.contains("= note: plan warned: the host's sysfs is already mounted on /sys"), "\(run.stderr)")
      #expect(run.stderr.contains("= help: without a net namespace"), "\(run.stderr)")
      try HostSnapshot.expectUnchanged(since: before)
    }
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
