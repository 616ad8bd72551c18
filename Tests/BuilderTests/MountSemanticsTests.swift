import Foundation
import Testing

/// What the kernel makes of a mount beyond mounting it: overlays in a user namespace, mounts hidden beneath an
/// overlay's layers or a bind's source, and propagation to and from the host. Checked from inside and from the host.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces and to run as another user"))
struct MountSemanticsTests: ScratchFolderTests {
  /// Rootless (setpriv to uid 65534, mapped to root inside), an overlay's lower folders can be removed and renamed
  /// through the overlay, with a persistent upper folder and with a tmpfs one: the kernel keeps the whiteouts and
  /// redirects in `user.overlay.*` xattrs (`userxattr`), which plan shows. The lower folder stays as it was.
  @Test func rootlessOverlayRemovesAndRenamesLowerFolders() throws {
    try withFolder { folder in
      let layers = ["lower", "upper", "work", "o1", "o2"]
      for path in layers + ["lower/d/sub", "lower/e"] {
        try FileManager.default.createDirectory(atPath: folder + "/" + path, withIntermediateDirectories: true)
      }
      try Data("1".utf8).write(to: URL(fileURLWithPath: folder + "/lower/d/sub/f"))
      // All of it the rootless user's: a file of an ID outside the map cannot be copied up (EOVERFLOW).
      let owned = try NSBuildProcess.runCommand("/bin/chown", ["-R", "65534:65534"] + layers.map { folder + "/" + $0 })
      #expect(owned.status == 0, "\(owned.stderr)")
      try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder)
      let spec = try write(
        """
        version = 1
        [namespaces]
        unshare = ["user", "mount", "pid"]
        [[mounts]]
        type = "overlay"
        target = "\(folder)/o1"
        lower = ["\(folder)/lower"]
        upper = "\(folder)/upper"
        work = "\(folder)/work"
        [[mounts]]
        type = "overlay"
        target = "\(folder)/o2"
        lower = ["\(folder)/lower"]
        upper = "tmpfs"
        """, to: folder)
      try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: spec)
      let plan = try NSBuildProcess.run(["plan", spec, "--", "true"], binary: folder + "/nsbuild", asUser: 65534)
      #expect(plan.stdout.components(separatedBy: ",userxattr\")").count == 3, "\(plan.stdout)")
      let script = "for o in o1 o2; do cd \(folder)/$o && rm -r d && mv e e2 && ls && cd /; done"
      let result = try NSBuildProcess.run(
        ["run", spec, "--", "/bin/sh", "-c", script], binary: folder + "/nsbuild", asUser: 65534)
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stdout == "e2\ne2\n", "\(result.stderr)")
      // From the host: the lower folder as it was; the persistent upper holds the rename.
      #expect(FileManager.default.fileExists(atPath: folder + "/lower/d/sub/f"))
      #expect(FileManager.default.fileExists(atPath: folder + "/lower/e"))
      #expect(FileManager.default.fileExists(atPath: folder + "/upper/e2"))
    }
  }
}
