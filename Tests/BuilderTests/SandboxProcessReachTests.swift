import Foundation
import Testing

/// The sandbox process stays outside the new root for the sandbox's whole life. A command that keeps CAP_SYS_PTRACE
/// in its user namespace and can see that process (here: the host's /proc bound in, no pid namespace) must not reach
/// the host's tree through its /proc entries: it moved to / before pivot_root(2), and it is not dumpable.
@Suite struct SandboxProcessReachTests: ScratchFolderTests {
  @Test(.enabled(if: NSBuildProcess.isRoot, "runs a sandbox with a 0 -> 100000 map, which needs root"))
  func theCommandCannotReachTheHostThroughTheSandboxProcess() throws {
    try withFolder { folder in
      FileManager.default.createFile(atPath: folder + "/host-secret", contents: Data("secret\n".utf8))
      let spec = try write(
        """
        version = 1
        [namespaces]
        unshare = ["user", "mount", "uts", "ipc"]
        [user]
        uid_map = [{ inside = 0, outside = 100000, count = 65536 }]
        gid_map = [{ inside = 0, outside = 100000, count = 65536 }]
        [root]
        type = "tmpfs"
        \(usrFromHost)
        [[mounts]]
        type = "bind"
        source = "/proc"
        target = "/proc"
        [process]
        capabilities = ["CAP_SYS_PTRACE"]
        """, to: folder)
      // The command's parent is init; init's parent is the sandbox process. Its cwd was nsbuild's (this folder).
      // (No /dev in this root: errors go to the command's stderr as they are.)
      let script = """
        pp() { sed -n 's/^PPid:[[:space:]]*//p' /proc/$1/status; }
        S=$(pp $(pp $$))
        [ -n "$S" ] && [ "$S" != 0 ] && echo "found $S"
        cat /proc/$S/cwd/host-secret && echo REACHED
        ls /proc/$S/root/ | grep -q . && echo ROOT-REACHED
        ls /proc/$S/fd/ | grep -q . && echo FD-REACHED
        echo done
        """
      let result = try NSBuildProcess.run(
        ["run", "--no-strict-modes", spec, "--", "/bin/sh", "-c", script], directory: folder)
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stdout.contains("found "), "\(result.stdout)")
      #expect(result.stdout.hasSuffix("done\n"), "\(result.stdout)")
      #expect(!result.stdout.contains("REACHED"), "\(result.stdout)")
      #expect(!result.stdout.contains("secret"), "\(result.stdout)")
    }
  }
}
