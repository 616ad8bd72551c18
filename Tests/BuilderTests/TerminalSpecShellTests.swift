import Foundation
import Testing

/// The second fresh user's case of the terminal handed back: the interactive shell named in the spec itself (not
/// after `--`), in a user and a pid namespace, ended by end-of-file (^D) as well as `exit`; the outer non-interactive
/// sh's `read` must get the line typed next, not return empty as it did with bwrap --unshare-pid (measured: `GOT=`).
extension TerminalTests {
  static let specDriver = """
    import os, pty, select, sys, time
    binary, spec, ending = sys.argv[1:4]
    pid, fd = pty.fork()
    if pid == 0:
        script = '"$0" run "$1"; echo AFTER; read line; echo "GOT=$line"'
        os.execv('/bin/sh', ['sh', '-c', script, binary, spec])
    def read_until(marker, seconds=20):
        seen = b''
        end = time.time() + seconds
        while marker not in seen and time.time() < end:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    data = os.read(fd, 4096)
                except OSError:
                    break
                if not data:
                    break
                seen += data
        return seen
    seen = read_until(b'sandbox$ ')
    os.write(fd, b'\\x04' if ending == 'eof' else ending.encode() + b'\\n')
    seen += read_until(b'AFTER')
    os.write(fd, b'hello\\n')
    seen += read_until(b'GOT=hello', 5)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    sys.stdout.write(seen.decode(errors='replace'))
    """

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
      try Data(Self.specDriver.utf8).write(to: URL(fileURLWithPath: folder + "/spec-driver.py"))
      let result = try NSBuildProcess.runCommand(
        "/usr/bin/python3", [folder + "/spec-driver.py", NSBuildProcess.binary, spec, ending])
      #expect(result.stdout.contains("AFTER"), "\(result.stdout) \(result.stderr)")
      #expect(result.stdout.contains("GOT=hello"), "\(result.stdout) \(result.stderr)")
    }
  }
}
