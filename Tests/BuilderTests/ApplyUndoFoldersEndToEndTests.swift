import Foundation
import Testing

/// A failed `apply` takes back the folders its steps made on the host's tree (mount points, `[[files]]` folders and
/// their parents), as a failed `up` does: checked on the host after an apply whose last step fails.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces"))
struct ApplyUndoFoldersEndToEndTests: ScratchFolderTests {
  let live = ApplySymlinkEndToEndTests()

  @Test func aFailedApplyRemovesTheFoldersItMade() throws {
    try withFolder { folder in
      try Data("other".utf8).write(to: URL(fileURLWithPath: folder + "/exists"))
      try live.withSandbox(folder, "version = 1\n[namespaces]\nunshare = [\"mount\", \"pid\"]\n") {
        let spec = """
          version = 1
          [namespaces]
          unshare = ["mount", "pid"]
          [[mounts]]
          type = "tmpfs"
          target = "\(folder)/newdir/deeper"
          [[files]]
          type = "dir"
          path = "\(folder)/made/by/files"
          [[files]]
          type = "file"
          path = "\(folder)/made/too/f"
          content = "mine"
          [[files]]
          type = "file"
          path = "\(folder)/exists"
          content = "mine"
          [process]
          uid = \(ApplySymlinkEndToEndTests.user)
          gid = \(ApplySymlinkEndToEndTests.user)
          args = ["\(folder)/sleep", "1000"]

          """
        try Data(spec.utf8).write(to: URL(fileURLWithPath: folder + "/new.toml"))
        let applied = try live.nsbuild(["apply", folder + "/new.toml", "--target", "live"], folder)
        #expect(applied.status != 0, "\(applied.stdout)")
        #expect(applied.stderr.contains("the sandbox is as it was before apply"), "\(applied.stderr)")
        for made in ["newdir", "made"] {
          #expect(!FileManager.default.fileExists(atPath: folder + "/" + made), "\(made) left on the host")
        }
        #expect(FileManager.default.contents(atPath: folder + "/exists") == Data("other".utf8))
      }
    }
  }
}
