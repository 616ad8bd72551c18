import Foundation
import Testing

/// The second fresh user's case of the terminal handed back: the interactive shell named in the spec itself (not
/// after `--`), in a user and a pid namespace, ended by end-of-file (^D) as well as `exit`; the outer non-interactive
/// sh's `read` must get the line typed next, not return empty as it did with bwrap --unshare-pid (measured: `GOT=`).
extension TerminalTests {
  @Test(arguments: ["eof", "exit", "exit 3"])
  func anInteractiveShellNamedInTheSpecGivesTheTerminalBack(ending: String) throws {
    try withFolder { folder in
      let spec = try write(
        """
        version = 1
        [namespaces]
        unshare = ["user", "mount", "pid"]
        [process]
        args = ["/bin/sh", "-i"]
        env = { PS1 = "sandbox$ " }
        new_session = false

        """, to: folder)
      try Data(Self.driver.utf8).write(to: URL(fileURLWithPath: folder + "/driver.py"))
      let result = try NSBuildProcess.runCommand(
        "/usr/bin/python3", [folder + "/driver.py", NSBuildProcess.binary, spec, ending, "", "sandbox$ "])
      #expect(result.stdout.contains("AFTER"), "\(result.stdout) \(result.stderr)")
      #expect(result.stdout.contains("GOT=hello"), "\(result.stdout) \(result.stderr)")
    }
  }
}
