import Foundation
import Testing

/// run reaches every mount point and source by fd (the new mount API: open_tree(2), fsmount(2), move_mount(2)),
/// never as /proc/self/fd/N. A spec whose own mount covers /proc with a folder of fake `self/fd/N` symlinks (the class
/// of runc's CVE-2025-52881 and CVE-2023-28642) would, through such paths, send later mounts to paths plan never
/// named: here they land exactly where planned, and nothing lands on the host. check still refuses a mount on /proc
/// by name.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct ProcCoverTests: ScratchFolderTests {
  /// `folder`/fake/self/fd/0…255, each a symlink to `folder`/victim; the folders the later mounts use.
  func makeFakeProc(in folder: String) throws {
    let fd = folder + "/fake/self/fd"
    try FileManager.default.createDirectory(atPath: fd, withIntermediateDirectories: true)
    for folderName in ["victim", "mnt", "src", "lower", "dev"] {
      try FileManager.default.createDirectory(atPath: folder + "/" + folderName, withIntermediateDirectories: false)
    }
    try Data("from src\n".utf8).write(to: URL(fileURLWithPath: folder + "/src/marker"))
    try Data("from lower\n".utf8).write(to: URL(fileURLWithPath: folder + "/lower/layer"))
    for number in 0..<256 {
      try FileManager.default.createSymbolicLink(atPath: "\(fd)/\(number)", withDestinationPath: folder + "/victim")
    }
  }

  /// Every kind of mount after the fake /proc: a tmpfs, a bind, a file made on the tmpfs, a minimal /dev (binds of
  /// device nodes, a devpts), an overlay. Each is checked from inside by its file system type and contents; the
  /// victim folder every fake link points to stays empty and unmounted.
  @Test func mountsAfterAFakeProcLandWherePlanned() throws {
    try withFolder { folder in
      try makeFakeProc(in: folder)
      try FileManager.default.createSymbolicLink(atPath: folder + "/link", withDestinationPath: "/proc")
      let before = try HostSnapshot.take()
      let spec = try write(
        """
        version = 1
        [namespaces]
        unshare = ["mount"]
        [[mounts]]
        type = "bind"
        source = "\(folder)/fake"
        target = "\(folder)/link"
        [[mounts]]
        type = "tmpfs"
        target = "\(folder)/mnt"
        [[files]]
        type = "file"
        path = "\(folder)/mnt/made"
        content = "made on the tmpfs"
        [[mounts]]
        type = "bind"
        source = "\(folder)/src"
        target = "\(folder)/mnt/bound"
        [[mounts]]
        type = "dev"
        target = "\(folder)/dev"
        [[mounts]]
        type = "overlay"
        target = "\(folder)/mnt/overlay"
        lower = ["\(folder)/lower"]
        upper = "tmpfs"
        """, to: folder)
      let script = """
        ls /proc/self/fd/0 >/dev/null && echo "proc covered"
        stat -f -c %T \(folder)/mnt \(folder)/dev \(folder)/dev/pts \(folder)/mnt/overlay \(folder)/victim
        cat \(folder)/mnt/made; echo; cat \(folder)/mnt/bound/marker \(folder)/mnt/overlay/layer
        ls -A \(folder)/victim | wc -l; echo x > \(folder)/dev/null && echo null works
        """
      let result = try NSBuildProcess.run(["run", spec, "--", "/bin/sh", "-c", script])
      #expect(result.status == 0, "\(result.stderr)")
      let victimType = try NSBuildProcess.runCommand("/usr/bin/stat", ["-f", "-c", "%T", folder + "/victim"])
      #expect(
        result.stdout == """
          proc covered
          tmpfs
          tmpfs
          devpts
          overlayfs
          \(victimType.stdout)made on the tmpfs
          from src
          from lower
          0
          null works

          """, "\(result.stderr)")
      #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/victim").isEmpty)
      try HostSnapshot.expectUnchanged(since: before)
    }
  }

  @Test func checkRefusesAMountOnProc() throws {
    try withFolder { folder in
      try makeFakeProc(in: folder)
      let spec = try write(
        """
        version = 1
        [namespaces]
        unshare = ["mount"]
        [[mounts]]
        type = "bind"
        source = "\(folder)/fake"
        target = "/proc"
        [[mounts]]
        type = "tmpfs"
        target = "\(folder)/mnt"
        """, to: folder)
      let check = try NSBuildProcess.run(["check", spec])
      #expect(check.status != 0)
      #expect(check.stderr.contains("covers /proc/self/fd"), "\(check.stderr)")
      let run = try NSBuildProcess.run(["run", spec, "--", "/bin/true"])
      #expect(run.status != 0)
      #expect(!run.stderr.contains("nsbuild: step"))
    }
  }
}
