import Foundation
import Testing

/// `run -t`: the command's own pseudo-terminal, driven through a real outer pty as a person at a terminal would.
@Suite(
  .enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"),
  .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "needs python3 for its pty module"),
  .enabled(if: FileManager.default.isExecutableFile(atPath: "/bin/bash"), "needs bash for job control"))
struct PseudoTerminalTests: ScratchFolderTests {
  /// In a new outer pty (24x80) whose session leader is a non-interactive sh: sh saves `stty -g`, runs
  /// `nsbuild run -t SPEC`, whose command is an interactive bash, saves `stty -g` again, then reads a line from the
  /// outer terminal. The driver runs a background job, stops and kills it through `fg`, ^Z and ^C, resizes the outer
  /// pty, tries TIOCSTI inside, lists the fds inside, then exits; it prints what the outer pty showed, then a line
  /// `OUTER=<name of the outer pty>`.
  static let driver = #"""
    import fcntl, os, select, struct, sys, termios, time
    binary, spec, folder = sys.argv[1:4]
    master, replica = os.openpty()
    outer = os.ttyname(replica)
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 80, 0, 0))
    pid = os.fork()
    if pid == 0:
        os.setsid()
        fcntl.ioctl(replica, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(replica, fd)
        script = ('stty -g > "$2/before"; "$0" run -t "$1"; echo "STATUS=$?"; stty -g > "$2/after"; echo AFTER; '
                  'read line; echo "GOT=$line"')
        os.execv('/bin/sh', ['sh', '-c', script, binary, spec, folder])
    os.close(replica)
    seen = b''
    # Markers are looked for in what came since the last line sent.
    mark = 0
    def until(marker, seconds=30):
        global seen
        end = time.time() + seconds
        while marker not in seen[mark:] and time.time() < end:
            if select.select([master], [], [], 0.1)[0]:
                try:
                    data = os.read(master, 4096)
                except OSError:
                    return False
                if not data:
                    return False
                seen += data
        return marker in seen[mark:]
    def send(text):
        global mark
        mark = len(seen)
        os.write(master, text.encode())
    def repeat(key, marker):
        # A key that comes before the job is in the foreground reaches bash, which ignores it.
        global mark
        mark = len(seen)
        for _ in range(100):
            os.write(master, key.encode())
            if until(marker, 0.3):
                return
    until(b'sbx$ ')
    send('sleep 30 &\n')
    until(b'sbx$ ')
    send('jobs; echo "JOBS-$((1+1))"\n')
    until(b'JOBS-2')
    send('fg\n')
    until(b'sleep 30\r\n')
    repeat('\x1a', b'Stopped')
    send('jobs; echo "STOPPED-$((2+2))"\n')
    until(b'STOPPED-4')
    send('fg\n')
    until(b'sleep 30\r\n')
    # bash drops the rest of a line whose foreground job ^C ended: the status is asked for on a line of its own.
    repeat('\x03', b'sbx$ ')
    send('echo "FG-$((5+5))=$?"\n')
    until(b'sbx$ ')
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack('HHHH', 33, 77, 0, 0))
    send('echo "SIZE=$(stty size)"\n')
    until(b'sbx$ ')
    send('/usr/bin/python3 -c "import fcntl, termios; [fcntl.ioctl(0, termios.TIOCSTI, bytes([c])) for c in b\'echo INJECTED\\n\']"; echo "STI-$((4+4))=$?"\n')
    until(b'STI-8=')
    until(b'sbx$ ')
    send('ls -l /proc/self/fd/ /proc/1/fd/; echo "FDS-$((3+3))"\n')
    until(b'FDS-6')
    until(b'sbx$ ')
    send('exit\n')
    until(b'AFTER')
    send('hello\n')
    until(b'GOT=')
    until(b'\n', 5)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    sys.stdout.write(seen.decode(errors='replace') + '\nOUTER=' + outer + '\n')
    """#

  @Test func aShellGetsJobControlAndTheCallersTerminalIsLeftAsItWas() throws {
    try withFolder { folder in
      let spec = try write(
        """
        version = 1
        [namespaces]
        unshare = ["user", "mount", "pid"]
        [[mounts]]
        type = "proc"
        target = "/proc"
        [process]
        args = ["/bin/bash", "--norc", "--noprofile", "-i"]
        env = { PS1 = "sbx$ " }

        """, to: folder)
      try Data(Self.driver.utf8).write(to: URL(fileURLWithPath: folder + "/driver.py"))
      let result = try NSBuildProcess.runCommand(
        "/usr/bin/python3", [folder + "/driver.py", NSBuildProcess.binary, spec, folder])
      let shown = result.stdout
      let context = "\(shown) \(result.stderr)"
      // `jobs` lists the background job running, then stopped by ^Z; `fg` ended by ^C is a SIGINT (128+2).
      #expect(shown.contains("Running") && shown.contains("sleep 30"), "\(context)")
      #expect(shown.contains("Stopped"), "\(context)")
      #expect(shown.contains("FG-10=130"), "\(context)")
      // The outer pty's new size reached the command's pty.
      #expect(shown.contains("SIZE=33 77"), "\(context)")
      // TIOCSTI reached the command's own pty at most: the outer sh read the line typed, not an injected one.
      #expect(shown.contains("STATUS=0"), "\(context)")
      #expect(shown.contains("GOT=hello"), "\(context)")
      // No fd of the command, nor of init, is the outer pty.
      let outer = try #require(shown.split(separator: "\n").last { $0.hasPrefix("OUTER=") }?.dropFirst(6))
      let links = shown.split(whereSeparator: \.isNewline).filter { $0.contains(" -> ") }
      // The command's 0, 1 and 2 (and ls's), on its own pty.
      #expect(links.filter { $0.contains("-> /dev/pts/") }.count >= 3, "\(context)")
      #expect(!links.contains { $0.hasSuffix("-> " + outer) }, "\(context)")
      // The caller's termios are as they were before nsbuild made them raw.
      let before = try String(contentsOfFile: folder + "/before", encoding: .utf8)
      let after = try String(contentsOfFile: folder + "/after", encoding: .utf8)
      #expect(!before.isEmpty && before == after)
    }
  }
}
