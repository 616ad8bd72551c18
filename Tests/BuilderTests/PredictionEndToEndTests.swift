import Foundation
import Testing

/// What `check` and `plan` foresee, against what `run` then does, with the built binary.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces and to switch users; CI runs as root"))
struct PredictionEndToEndTests: ScratchFolderTests {
  static var hasSetpriv: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") }

  /// plan warns, and run refuses before anything is made, rather than failing at unshare(2) with EPERM.
  @Test(.enabled(if: hasSetpriv, "needs setpriv(1) to run as another user"))
  func aSpecNeedingRootRunByAUserIsRefusedUpFront() throws {
    let text = try String(contentsOfFile: specsDirectory + "/build.toml", encoding: .utf8)
    let folder = try NSBuildProcess.publicCopy(specs: ["build.toml": text])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let binary = folder + "/nsbuild"
    let plan = try NSBuildProcess.run(["plan", "build.toml"], binary: binary, asUser: 65534, directory: folder)
    #expect(plan.status == 0, "\(plan.stderr)")
    #expect(plan.stdout.contains("build.toml:7:11: warning: this spec needs root"), "\(plan.stdout)")
    let run = try NSBuildProcess.run(
      ["run", "build.toml", "--", "true"], binary: binary, asUser: 65534, directory: folder)
    #expect(run.status == 125)
    #expect(
      run.stderr.contains(
        "build.toml:7:11: error: this spec needs root: without a user namespace, unshare(2) needs CAP_SYS_ADMIN, which uid 65534 does not have"
      ), "\(run.stderr)")
    #expect(!run.stderr.contains("step "), "no step was taken: \(run.stderr)")
  }

  /// A working directory nothing makes is refused before any mount point is made on the host.
  @Test func aMissingWorkingDirectoryIsRefusedBeforeAnythingIsMade() throws {
    try withFolder { folder in
      let spec = """
        version = 1
        [namespaces]
        unshare = ["mount", "user"]
        [[mounts]]
        type = "tmpfs"
        target = "\(folder)/point"
        [process]
        cwd = "\(folder)/missing"

        """
      let path = try write(spec, to: folder)
      let plan = try NSBuildProcess.run(["plan", path, "--", "true"])
      #expect(plan.stdout.contains("s.toml:8:7: warning: the working directory \(folder)/missing does not exist"))
      let run = try NSBuildProcess.run(["run", path, "--", "true"])
      #expect(run.status == 125)
      #expect(run.stderr.contains("s.toml:8:7: error: the working directory"), "\(run.stderr)")
      #expect(!FileManager.default.fileExists(atPath: folder + "/point"), "the mount point was made")
      // Once it exists, the same spec runs.
      try FileManager.default.createDirectory(atPath: folder + "/missing", withIntermediateDirectories: false)
      let again = try NSBuildProcess.run(["run", path, "--", "/bin/sh", "-c", "pwd"])
      #expect(again.stdout == folder + "/missing\n", "\(again.stderr)")
    }
  }

  /// `[root] readonly` makes the host's tree read-only only after the entries on it are written: check says so, and
  /// the file is there on the host afterwards.
  @Test func aReadOnlyHostTreeStillGetsItsFilesAsCheckSays() throws {
    try withFolder { folder in
      let spec = """
        version = 1
        [namespaces]
        unshare = ["mount", "user"]
        [root]
        readonly = true
        [[files]]
        type = "file"
        path = "\(folder)/made"
        content = "x"

        """
      let path = try write(spec, to: folder)
      let check = try NSBuildProcess.run(["check", path])
      #expect(
        check.stderr.contains(
          "s.toml:6:1: warning: these [[files]] entries are written into the host's own tree and stay there after the sandbox ends; `[root] readonly`"
        ), "\(check.stderr)")
      #expect(check.stderr.contains(": \(folder)/made\n"), "\(check.stderr)")
      let run = try NSBuildProcess.run(["run", path, "--", "/bin/sh", "-c", "cat \(folder)/made; touch /x || true"])
      #expect(run.stdout == "x", "\(run.stderr)")
      #expect(run.stderr.contains("Read-only file system"), "\(run.stderr)")
      #expect(FileManager.default.contents(atPath: folder + "/made") == Data("x".utf8))
    }
  }
}
