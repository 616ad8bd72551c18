import Foundation
import Testing

/// The caller's terminal after a command that had it in the foreground (`new_session = false`), in a real pty.
@Suite(
  .enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"),
  .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "needs python3 for its pty module"))
struct TerminalTests: ScratchFolderTests {
  /// In a new pty whose session leader is a non-interactive sh (as a script, or a program's `system()`): sh starts
  /// nsbuild (`run SPEC`, then the words of the fourth argument), whose command is an interactive shell; it takes the
  /// terminal's foreground for its own process group, shows `prompt` (fifth argument), then ends as `ending` says
  /// (`eof` is ^D); then the outer sh reads a line from the terminal. Prints what the pty showed.
  static let driver = """
    import os, pty, select, sys, time
    binary, spec, ending, command, prompt = sys.argv[1:6]
    pid, fd = pty.fork()
    if pid == 0:
        script = '"$0" run "$1" ' + command + '; echo AFTER; read line; echo "GOT=$line"'
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
    seen = read_until(prompt.encode())
    os.write(fd, b'\\x04' if ending == 'eof' else ending.encode() + b'\\n')
    seen += read_until(b'AFTER')
    os.write(fd, b'hello\\n')
    seen += read_until(b'GOT=hello', 5)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    sys.stdout.write(seen.decode(errors='replace'))
    """

  /// Before, the outer sh's `read` failed (EIO: its group was no longer in the foreground) after the inner shell was
  /// killed, and even after a plain `exit`, since a shell inside a pid namespace cannot name nsbuild's group to hand
  /// the terminal back.
  @Test(arguments: [("exit 3", true), ("kill -KILL $$", true), ("exit 3", false), ("kill -KILL $$", false)])
  func theCallerGetsItsTerminalBackHoweverTheCommandEnds(ending: String, pidNamespace: Bool) throws {
    try withFolder { folder in
      let namespaces = pidNamespace ? "\"mount\", \"pid\"" : "\"mount\""
      let spec = try write(
        "version = 1\n[namespaces]\nunshare = [\(namespaces)]\n[process]\nnew_session = false\n", to: folder)
      try Data(Self.driver.utf8).write(to: URL(fileURLWithPath: folder + "/driver.py"))
      let result = try NSBuildProcess.runCommand(
        "/usr/bin/python3", [folder + "/driver.py", NSBuildProcess.binary, spec, ending, "-- /bin/sh -i", "# "])
      #expect(result.stdout.contains("AFTER"), "\(result.stdout) \(result.stderr)")
      #expect(result.stdout.contains("GOT=hello"), "\(result.stdout) \(result.stderr)")
    }
  }
}
