import Foundation
import Testing

/// run reaches its steps' fds as /proc/self/fd/N. A spec whose own mount covers /proc with a folder of fake
/// `self/fd/N` symlinks would send later mounts to paths plan never named: check refuses a mount on /proc, and run
/// refuses a /proc that is not proc however it got there (here through a symlink to it) instead of following it.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct ProcCoverTests: ScratchFolderTests {
  /// `folder`/fake/self/fd/0…255, each a symlink to `folder`/victim.
  func makeFakeProc(in folder: String) throws {
    let fd = folder + "/fake/self/fd"
    try FileManager.default.createDirectory(atPath: fd, withIntermediateDirectories: true)
    for folderName in ["victim", "mnt"] {
      try FileManager.default.createDirectory(atPath: folder + "/" + folderName, withIntermediateDirectories: false)
    }
    for number in 0..<256 {
      try FileManager.default.createSymbolicLink(atPath: "\(fd)/\(number)", withDestinationPath: folder + "/victim")
    }
  }

  @Test func aMountThatTurnsProcIntoAFolderIsRefusedNotFollowed() throws {
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
        """, to: folder)
      let result = try NSBuildProcess.run(["run", spec, "--", "/bin/true"])
      #expect(result.status == 125, "the tmpfs went where the fake /proc/self/fd said: \(result.stderr)")
      #expect(result.stderr.contains("statfs(2): EXDEV"), "\(result.stderr)")
      #expect(result.stderr.contains("not proc"), "\(result.stderr)")
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
