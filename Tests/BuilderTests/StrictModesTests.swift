import Foundation
import Testing

/// sshd's StrictModes for spec files: `run` and `plan` refuse a spec that another user could change (the file, a
/// folder above it, a symlink on the way), `--no-strict-modes` lets it through, and `check` warns.
@Suite(.serialized) struct StrictModesTests: ScratchFolderTests {
  static let spec = """
    version = 1
    [namespaces]
    unshare = ["uts"]
    [uts]
    hostname = "strict"
    [process]
    args = ["/bin/true"]

    """

  func chmod(_ path: String, _ mode: Int) throws {
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
  }

  func chown(_ path: String, _ uid: Int) throws {
    try FileManager.default.setAttributes([.ownerAccountID: uid], ofItemAtPath: path)
  }

  @Test(.enabled(if: NSBuildProcess.isRoot, "runs a sandbox, which needs root"))
  func groupWritableFolderIsRefusedByRunAndPlanUnlessOverridden() throws {
    try withFolder { folder in
      let path = try write(Self.spec, to: folder)
      try chmod(folder, 0o775)
      let run = try NSBuildProcess.run(["run", path])
      #expect(run.status == 125)
      #expect(run.stderr.contains("refusing spec '\(path)': folder \(folder) (owner uid 0 (root), mode 0775)"))
      #expect(run.stderr.contains("is writable by its group"))
      #expect(run.stderr.contains("--no-strict-modes"))
      let plan = try NSBuildProcess.run(["plan", "--format", "json", path])
      #expect(plan.status == 1)
      #expect(plan.stdout.contains("\"code\" : \"strict-modes\""))
      let overridden = try NSBuildProcess.run(["run", "--no-strict-modes", path])
      #expect(overridden.status == 0, "\(overridden.stderr)")
      #expect(overridden.stderr.contains("warning: folder \(folder)"))
      let check = try NSBuildProcess.run(["check", path])
      #expect(check.status == 0)
      #expect(check.stderr.contains("warning: folder \(folder)"))
      try chmod(folder, 0o755)
      let safe = try NSBuildProcess.run(["run", path])
      #expect(safe.status == 0, "\(safe.stderr)")
      #expect(!safe.stderr.contains("(owner uid"), "\(safe.stderr)")
    }
  }

  @Test(.enabled(if: NSBuildProcess.isRoot, "chown needs root"))
  func folderOrFileOwnedByAnotherUserIsRefused() throws {
    try withFolder { folder in
      let path = try write(Self.spec, to: folder)
      try chown(folder, 65534)
      let byFolder = try NSBuildProcess.run(["run", path])
      #expect(byFolder.status == 125)
      #expect(byFolder.stderr.contains("folder \(folder) (owner uid 65534"))
      #expect(byFolder.stderr.contains("mode 0755) belongs to another user"))
      try chown(folder, 0)
      try chown(path, 65534)
      let byFile = try NSBuildProcess.run(["run", path])
      #expect(byFile.status == 125)
      #expect(byFile.stderr.contains("file \(path) (owner uid 65534"))
      #expect(try NSBuildProcess.run(["run", "--no-strict-modes", path]).status == 0)
    }
  }

  @Test(.enabled(if: NSBuildProcess.isRoot, "chown and setpriv need root"))
  func theCallersOwnSpecIsTrusted() throws {
    try withFolder { folder in
      let path = try write(Self.spec, to: folder)
      try chown(path, 65534)
      // Owned by the caller (uid 65534 here): nothing to say. Owned by root, as the folder is: nothing either.
      let own = try NSBuildProcess.run(["check", path], binary: folder + "/nsbuild", asUser: 65534)
      #expect(own.status == 0, "\(own.stderr)")
      #expect(!own.stderr.contains("(owner uid"), "\(own.stderr)")
      let json = try NSBuildProcess.run(["check", "--format", "json", path])
      #expect(json.stdout.contains("\"code\" : \"strict-modes\""))
      #expect(json.stdout.contains("\"severity\" : \"warning\""))
    }
  }

  @Test(.enabled(if: NSBuildProcess.isRoot, "chown needs root"))
  func stickyFolderIsAcceptedButNotAnotherUsersEntryInIt() throws {
    try withFolder { folder in
      let path = try write(Self.spec, to: folder)
      // /tmp itself lies on the way to every scratch folder: its 1777 is accepted.
      try chmod(folder, 0o1777)
      let sticky = try NSBuildProcess.run(["run", path])
      #expect(sticky.status == 0, "\(sticky.stderr)")
      // In a sticky folder anyone may create a symlink; one that is not root's or the caller's is refused.
      let link = folder + "/link.toml"
      try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "s.toml")
      #expect(lchown(link, 65534, 65534) == 0)
      let linked = try NSBuildProcess.run(["run", link])
      #expect(linked.status == 125)
      #expect(linked.stderr.contains("symlink \(link) (owner uid 65534"))
    }
  }

  @Test(.enabled(if: NSBuildProcess.isRoot, "runs a sandbox, which needs root"))
  func foldersBehindASymlinkOnTheWayCount() throws {
    try withFolder { folder in
      try FileManager.default.createDirectory(atPath: folder + "/real", withIntermediateDirectories: false)
      _ = try write(Self.spec, to: folder + "/real")
      try FileManager.default.createSymbolicLink(atPath: folder + "/via", withDestinationPath: "real")
      #expect(try NSBuildProcess.run(["run", folder + "/via/s.toml"]).status == 0)
      try chmod(folder + "/real", 0o777)
      let refused = try NSBuildProcess.run(["run", folder + "/via/s.toml"])
      #expect(refused.status == 125)
      #expect(
        refused.stderr.contains("folder \(folder)/real (owner uid 0 (root), mode 0777) is writable by every user"))
    }
  }
}
