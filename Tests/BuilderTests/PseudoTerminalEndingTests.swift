import Foundation
import Testing

/// `run -t` ending otherwise than by the command's exit: the caller's termios come back all the same.
extension PseudoTerminalTests {
  /// As ``driver``'s outer sh, with a command that prints READY and then waits; with `term`, the driver sends SIGTERM
  /// to nsbuild (the outer sh's child) once it sees READY. Prints what the outer pty showed.
  static let endingDriver = #"""
    import os, select, signal, sys, time
    binary, spec, folder, how = sys.argv[1:5]
    master, replica = os.openpty()
    pid = os.fork()
    if pid == 0:
        os.setsid()
        import fcntl, termios
        fcntl.ioctl(replica, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(replica, fd)
        script = ('stty -g > "$2/before"; "$0" run -t "$1"; echo "STATUS=$?"; stty -g > "$2/after"; echo AFTER; '
                  'read line; echo "GOT=$line"')
        os.execv('/bin/sh', ['sh', '-c', script, binary, spec, folder])
    os.close(replica)
    seen = b''
    def until(marker, seconds=30):
        global seen
        end = time.time() + seconds
        while marker not in seen and time.time() < end:
            if select.select([master], [], [], 0.1)[0]:
                try:
                    data = os.read(master, 4096)
                except OSError:
                    return
                if not data:
                    return
                seen += data
    until(b'READY')
    if how == 'term':
        with open('/proc/%d/task/%d/children' % (pid, pid)) as children:
            nsbuild = int(children.read().split()[0])
        os.kill(nsbuild, signal.SIGTERM)
    until(b'AFTER')
    os.write(master, b'hello\n')
    until(b'GOT=hello', 10)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    sys.stdout.write(seen.decode(errors='replace'))
    """#

  /// A command killed (by itself, SIGKILL: 137), and nsbuild sent SIGTERM, which it passes on to the command (143).
  @Test(arguments: [("echo READY; kill -KILL $$", "self", 137), ("echo READY; exec sleep 30", "term", 143)])
  func theCallersTermiosComeBackHoweverTheRunEnds(command: String, how: String, status: Int) throws {
    try withFolder { folder in
      let spec = try write(
        """
        version = 1
        [namespaces]
        unshare = ["user", "mount", "pid"]
        [process]
        args = ["/bin/sh", "-c", "\(command)"]
        terminal = true

        """, to: folder)
      try Data(Self.endingDriver.utf8).write(to: URL(fileURLWithPath: folder + "/driver.py"))
      let result = try NSBuildProcess.runCommand(
        "/usr/bin/python3", [folder + "/driver.py", NSBuildProcess.binary, spec, folder, how])
      let context = "\(result.stdout) \(result.stderr)"
      #expect(result.stdout.contains("STATUS=\(status)"), "\(context)")
      #expect(result.stdout.contains("GOT=hello"), "\(context)")
      let before = try String(contentsOfFile: folder + "/before", encoding: .utf8)
      let after = try String(contentsOfFile: folder + "/after", encoding: .utf8)
      #expect(!before.isEmpty && before == after)
    }
  }

  /// As `docker run -t`: nothing to make raw, nothing to relay.
  @Test func aTerminalIsRefusedWithoutOne() throws {
    try withFolder { folder in
      let spec = try write("version = 1\n[namespaces]\nunshare = [\"user\"]\n", to: folder)
      let result = try NSBuildProcess.run(["run", "-t", spec, "--", "/bin/true"])
      #expect(result.status == 125)
      #expect(result.stderr.contains("error: the input device is not a TTY"), "\(result.stderr)")
    }
  }
}

/// `run -t` with a minimal /dev: the command's pseudo-terminal is bound there as `console`, where ttyname(3) finds
/// it (the replica lies on the host's devpts, not on the sandbox's private one); with and without a user namespace
/// (nsbuild, then init, opens it again by its path).
extension PseudoTerminalTests {
  @Test(arguments: [true, false])
  func aMinimalDevShowsThePseudoTerminalAsTheConsole(userNamespace: Bool) throws {
    try withFolder { folder in
      let spec = try write(
        """
        version = 1
        [namespaces]
        unshare = [\(userNamespace ? "\"user\", " : "")"mount", "pid"]
        [[mounts]]
        type = "dev"
        target = "/dev"
        [process]
        args = ["/bin/sh", "-c", "echo \\"TTY=$(tty)\\"; stat -c 'CONSOLE=%t,%T' /dev/console; stat -L -c 'FD0=%t,%T' /proc/self/fd/0"]
        terminal = true

        """, to: folder)
      try Data(LiveSandboxTests.ptyDriver.utf8).write(to: URL(fileURLWithPath: folder + "/driver.py"))
      let result = try NSBuildProcess.runCommand(
        "/usr/bin/python3", [folder + "/driver.py", NSBuildProcess.binary, "run", spec])
      let lines = result.stdout.split(whereSeparator: \.isNewline).map(String.init)
      #expect(lines.contains("TTY=/dev/console"), "\(result.stdout) \(result.stderr)")
      let console = lines.first { $0.hasPrefix("CONSOLE=") }?.dropFirst(8)
      let fd0 = lines.first { $0.hasPrefix("FD0=") }?.dropFirst(4)
      #expect(console != nil && console == fd0, "\(result.stdout)")
    }
  }
}
