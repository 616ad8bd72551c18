import Foundation
import Testing

/// `exec -t`: a command in a live sandbox gets a pseudo-terminal of its own, as `run -t`'s does; a spec's
/// `terminal = true` is its main command's and does not make `exec` ask for one.
extension LiveSandboxTests {
  /// Runs the arguments in a new outer pty, prints what it showed, then `OUTER=<its name>`.
  static let ptyDriver = #"""
    import os, select, sys
    master, replica = os.openpty()
    outer = os.ttyname(replica)
    pid = os.fork()
    if pid == 0:
        os.setsid()
        import fcntl, termios
        fcntl.ioctl(replica, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(replica, fd)
        os.execv(sys.argv[1], sys.argv[1:])
    os.close(replica)
    seen = b''
    while True:
        if select.select([master], [], [], 30)[0] == []:
            break
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        seen += data
    os.waitpid(pid, 0)
    sys.stdout.write(seen.decode(errors='replace') + '\nOUTER=' + outer + '\n')
    """#

  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "needs python3"))
  func execWithATerminalGivesTheCommandItsOwn() throws {
    try withLive { live in
      let spec = try write(Self.procHolder + "\n[process]\nterminal = true\n", to: live.folder)
      #expect(try live.run(["up", "--name", "tty", spec]).status == 0)
      // Without -t, no terminal is asked for (stdin is /dev/null here): the spec's key is the main command's.
      let plain = try live.run(["exec", "tty", "--", "/bin/true"])
      #expect(plain.status == 0, "\(plain.stderr)")
      try Data(Self.ptyDriver.utf8).write(to: URL(fileURLWithPath: live.folder + "/driver.py"))
      let result = try NSBuildProcess.runCommand(
        "/usr/bin/env",
        [
          "NSBUILD_STATE_DIR=" + live.state, "/usr/bin/python3", live.folder + "/driver.py", live.folder + "/nsbuild",
          "exec", "-t", "tty", "--", "/bin/sh", "-c", "echo \"FD0=$(readlink /proc/self/fd/0)\"; tty -s && echo TTY",
        ])
      let outer = try #require(result.stdout.split(separator: "\n").last { $0.hasPrefix("OUTER=") }?.dropFirst(6))
      let fd0 = result.stdout.split(whereSeparator: \.isNewline).first { $0.hasPrefix("FD0=") }
      #expect(fd0?.hasPrefix("FD0=/dev/pts/") == true, "\(result.stdout) \(result.stderr)")
      #expect(fd0.map { $0.dropFirst(4) } != outer, "\(result.stdout)")
      #expect(result.stdout.contains("TTY"), "\(result.stdout) \(result.stderr)")
    }
  }
}
