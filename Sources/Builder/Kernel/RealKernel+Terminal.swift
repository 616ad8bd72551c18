import CShim
import Glibc

/// A process's name, and the pseudo-terminal `run -t` gives the command (pty(7)).
extension RealKernel {
  public func nameProcess(_ name: String) throws(SyscallError) {
    _ = try retry("prctl(PR_SET_NAME)") { nsb_name_process(name) }
  }

  public func openPseudoTerminal() throws(SyscallError) -> (master: Int32, replica: Int32) {
    var master: Int32 = -1
    var replica: Int32 = -1
    _ = try retry("posix_openpt", path: "/dev/ptmx") { nsb_open_pseudo_terminal(&master, &replica) }
    return (master, replica)
  }

  public func copyWindowSize(from: Int32, to: Int32) throws(SyscallError) {
    _ = try retry("ioctl(TIOCSWINSZ)") { nsb_copy_window_size(from, to) }
  }

  public func useTerminalReplica(_ replica: Int32, master: Int32) throws(SyscallError) {
    _ = try retry("dup2") { nsb_use_terminal_replica(replica, master) }
  }

  public func setControllingTerminal(_ fd: Int32) throws(SyscallError) {
    _ = try retry("ioctl(TIOCSCTTY)") { nsb_set_controlling_terminal(fd) }
  }

  public func openTerminalReplica(_ replica: Int32) throws(SyscallError) -> Int32 {
    try retry("openat2", path: "/dev/pts (the pseudo-terminal's replica)") { nsb_open_replica_path(replica) }
  }

  public func relayTerminal(master: Int32, until child: Int32) throws(SyscallError) {
    let pidfd = try openProcess(child)
    defer { close(pidfd) }
    let resized = try retry("signalfd", path: "SIGWINCH") { nsb_window_change_fd() }
    defer {
      close(resized)
      _ = nsb_unblock_window_change()
    }
    _ = try retry("fcntl(O_NONBLOCK)") { fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK) }
    _ = try retry("tcsetattr", path: "stdin") { nsb_make_raw(0) }
    // However the loop ends (the sandbox ended, or a call failed), the caller's terminal is as it was.
    defer { _ = try? retry("tcsetattr", path: "stdin") { nsb_restore_terminal(0) } }
    var relay = TerminalRelay(kernel: self, master: master)
    try relay.run(resized: resized, ended: pidfd)
  }
}

/// Copies bytes between the caller's terminal (fds 0 and 1) and the master of the command's pseudo-terminal, which
/// is non-blocking: input waits in `pending` while the command reads none, so nsbuild never blocks on the master and
/// always drains the command's output.
struct TerminalRelay {
  let kernel: RealKernel
  let master: Int32
  var pending: [UInt8] = []
  var inputOpen = true
  var masterOpen = true

  mutating func run(resized: Int32, ended: Int32) throws(SyscallError) {
    while true {
      var fds = [
        pollfd(fd: inputOpen && pending.isEmpty ? 0 : -1, events: Int16(POLLIN), revents: 0),
        pollfd(
          fd: masterOpen ? master : -1, events: Int16(POLLIN) | (pending.isEmpty ? 0 : Int16(POLLOUT)), revents: 0),
        pollfd(fd: resized, events: Int16(POLLIN), revents: 0),
        pollfd(fd: ended, events: Int16(POLLIN), revents: 0),
      ]
      if poll(&fds, nfds_t(fds.count), -1) < 0 {
        // A signal nsbuild passes on (TERM, INT, HUP…) interrupts poll(2); the relay goes on until the sandbox ends.
        if errno == EINTR { continue }
        throw SyscallError(call: "poll", errno: errno, path: "the terminal relay")
      }
      if fds[2].revents != 0 { windowChanged(resized) }
      if fds[0].revents != 0 { readInput() }
      if fds[1].revents & Int16(POLLOUT) != 0 { writeInput() }
      if fds[1].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { copyOutput() }
      if fds[3].revents != 0 { break }
    }
    // What the command wrote just before it ended.
    while masterOpen { if !copyOutput() { break } }
  }

  /// The caller's terminal changed size: the pseudo-terminal takes it, and the kernel sends SIGWINCH to its
  /// foreground process group.
  private func windowChanged(_ resized: Int32) {
    var buffer = [UInt8](repeating: 0, count: 128 * 4)
    while read(resized, &buffer, buffer.count) > 0 {}
    try? kernel.copyWindowSize(from: 0, to: master)
  }

  private mutating func readInput() {
    var buffer = [UInt8](repeating: 0, count: 4096)
    let count = read(0, &buffer, buffer.count)
    if count > 0 {
      pending += buffer.prefix(count)
    } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
      // End of file or a hang-up: nothing more comes from the caller.
      inputOpen = false
    }
  }

  private mutating func writeInput() {
    let count = pending.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
    if count > 0 {
      pending.removeFirst(count)
    } else if count < 0, errno != EINTR, errno != EAGAIN {
      pending = []
    }
  }

  /// One read of the master, written out in full; false when nothing more is there for now.
  @discardableResult
  private mutating func copyOutput() -> Bool {
    var buffer = [UInt8](repeating: 0, count: 16384)
    let count = read(master, &buffer, buffer.count)
    if count > 0 {
      // A closed stdout (a pipe whose reader left) only loses the output; the relay goes on.
      try? kernel.write(1, Array(buffer.prefix(count)))
      return true
    }
    // EIO: no process holds the replica any more.
    if count == 0 || (errno != EINTR && errno != EAGAIN) { masterOpen = false }
    return false
  }
}
