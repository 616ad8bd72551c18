/// The pseudo-terminal `run -t` gives the command (pty(7)): nsbuild opens both ends before it forks the sandbox
/// process, which inherits them and takes the replica as its fds 0, 1 and 2 (closing both ends' own fds), so the
/// processes below it, the command included, never hold the caller's terminal or the master. nsbuild keeps the master
/// and relays it to its caller's terminal.
///
/// A reference, kept by the ``Launcher``: the fds the step that opens it sets are those fork(2) copies to the child.
final class PseudoTerminal {
  var master: Int32?
  var replica: Int32?

  init() {}
}

extension StepRunner {
  /// ``Syscall/openPseudoTerminal``: both ends kept for the steps after it.
  func openPseudoTerminal() throws(SyscallError) {
    let (master, replica) = try kernel.openPseudoTerminal()
    pty?.master = master
    pty?.replica = replica
  }

  /// The fd of one end of the pseudo-terminal an earlier step opened.
  func pseudoTerminal(_ end: KeyPath<PseudoTerminal, Int32?>) throws(SyscallError) -> Int32 {
    guard let fd = pty?[keyPath: end] else {
      throw SyscallError(call: "ioctl", errno: ErrnoNames.EBADF, path: "the pseudo-terminal (not opened)")
    }
    return fd
  }

  /// ``Syscall/useTerminalReplica``, in the sandbox process: the replica becomes fds 0, 1 and 2.
  func useTerminalReplica() throws(SyscallError) {
    try kernel.useTerminalReplica(try pseudoTerminal(\.replica), master: try pseudoTerminal(\.master))
    pty?.master = nil
    pty?.replica = nil
  }

  /// ``Syscall/relayTerminal``, in nsbuild once the sandbox process runs: nsbuild's replica is closed first (only
  /// the sandbox's processes hold it then), the master once the sandbox process ended.
  func relayTerminal() throws(SyscallError) {
    let master = try pseudoTerminal(\.master)
    if let replica = pty?.replica {
      kernel.close(replica)
      pty?.replica = nil
    }
    defer {
      kernel.close(master)
      pty?.master = nil
    }
    try kernel.relayTerminal(master: master, until: sandboxPID)
  }
}
