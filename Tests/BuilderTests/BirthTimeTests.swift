import Foundation
import Testing

/// `plan` says where a failed run's undo cannot be exact: on a file system without birth times.
@Suite(
  .enabled(if: NSBuildProcess.isRoot, "needs root to mount a ramfs"),
  .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"), "needs unshare(1) (util-linux)"))
struct BirthTimeTests: ScratchFolderTests {
  /// A mount point to be made on a ramfs (which keeps no birth times) is named in a warning; the same spec planned
  /// on the scratch folder's own file system is not, unless that one keeps none either (then both warn).
  @Test func planNamesWhatUndoCannotTellApart() throws {
    try withFolder { folder in
      try FileManager.default.createDirectory(atPath: folder + "/rf", withIntermediateDirectories: false)
      let spec = try write(
        "version = 1\n[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"tmpfs\"\ntarget = \"\(folder)/rf/new/point\"\n",
        to: folder)
      // In a mount namespace of its own, so the ramfs never shows on the host.
      let onRamfs = try NSBuildProcess.runCommand(
        "/usr/bin/unshare",
        [
          "-m", "--propagation", "private", "/bin/sh", "-c",
          "mount -t ramfs none \"$0/rf\" && \"$1\" plan \"$2\" -- true",
          folder, NSBuildProcess.binary, spec,
        ])
      let warning = "leaves what it made at \(folder)/rf/new/point: the file system there keeps no birth times"
      #expect(onRamfs.stdout.contains(warning) || onRamfs.stderr.contains(warning), "\(onRamfs)")
      let onDisk = try NSBuildProcess.run(["plan", spec, "--", "true"])
      let keepsBirthTimes = !(onDisk.stdout + onDisk.stderr).contains("keeps no birth times")
      #expect(keepsBirthTimes == folderKeepsBirthTimes(folder), "\(onDisk)")
    }
  }

  /// Whether a folder made just now in `folder` has a birth time, as stat(1) reads it (`%W` is 0 when unknown).
  func folderKeepsBirthTimes(_ folder: String) -> Bool {
    let fresh = folder + "/fresh"
    try? FileManager.default.createDirectory(atPath: fresh, withIntermediateDirectories: false)
    let birth = try? NSBuildProcess.runCommand("/usr/bin/stat", ["-c", "%W", fresh])
    return birth.map { $0.status == 0 && $0.stdout != "0\n" } ?? false
  }
}
