import Foundation
import SpecParser
import Testing

@testable import Builder

/// Errors of *at() calls beneath a root fd name the whole spec path, not the last name the kernel was given.
@Suite struct WholePathErrorTests: ScratchFolderTests {
  @Test func injectedErrnoOnEachAtCallNamesTheWholePath() throws {
    // The walk beneath the root opens one name at a time from the folder before it: the recording kernel hands out
    // fd 21 first, so `b` in /a/b and `e` in /d/e are looked up in fd 21, and are missing.
    let missing = ["openat2(21, b)": ErrnoNames.ENOENT, "openat2(21, e)": ErrnoNames.ENOENT]
    typealias Case = (
      failing: String, errno: Int32, act: (RootedPaths<RecordingKernel>) throws -> Void, call: String, path: String
    )
    let cases: [Case] = [
      // /a/b is missing (below): making it fails, and the error names /a/b, not "b".
      ("mkdirat", ErrnoNames.ENOTDIR, { try $0.makeDirectory("/a/b/c", mode: 0o755) }, "mkdirat", "/a/b"),
      ("writefile", ErrnoNames.EACCES, { try $0.writeFile("/x/y", contents: "z", mode: 0o644) }, "openat", "/x/y"),
      ("symlinkat", ErrnoNames.EROFS, { try $0.symlink("/l/m", to: "/n") }, "symlinkat", "/l/m"),
      ("fchmod-dir", ErrnoNames.EPERM, { try $0.makeDirectory("/d/e", mode: 0o700) }, "fchmod", "/d/e"),
      ("mkdirat(", ErrnoNames.EACCES, { try $0.makeDirectory("/d/e", mode: 0o700) }, "mkdirat", "/d/e"),
    ]
    for test in cases {
      let kernel = RecordingKernel()
      kernel.failures = missing.merging([test.failing: test.errno]) { $1 }
      let paths = RootedPaths(kernel: kernel, root: 5)
      let error = try #require(throws: SyscallError.self) { try test.act(paths) }
      #expect(error.call == test.call, "\(kernel.log)")
      #expect(error.errno == test.errno, "\(kernel.log)")
      #expect(error.path == test.path, "\(kernel.log)")
    }
  }

  @Test(.enabled(if: NSBuildProcess.isRoot, "runs a sandbox, which needs root"))
  func aFileInTheWayOfAFolderIsNamedByItsWholePath() throws {
    try withFolder { folder in
      try FileManager.default.createDirectory(atPath: folder + "/src", withIntermediateDirectories: false)
      FileManager.default.createFile(atPath: folder + "/src/a", contents: Data())
      let spec = try write(
        """
        version = 1
        [namespaces]
        unshare = ["mount"]
        [root]
        type = "tmpfs"
        [[mounts]]
        type = "bind"
        source = "src"
        target = "/mnt"
        [[files]]
        type = "dir"
        path = "/mnt/a/b/c"
        [process]
        args = ["/bin/true"]

        """, to: folder)
      let result = try NSBuildProcess.run(["run", spec])
      #expect(result.status == 125)
      #expect(result.stderr.contains("create dir /mnt/a/b/c: /mnt/a/b: openat2(2): ENOTDIR (Not a directory)"))
      #expect(result.stderr.contains("s.toml:10:1"))
    }
  }
}
