import SpecParser

/// Entering existing namespaces (``Syscall/openNamespace(namespace:file:slot:)``, ``Syscall/pidfdOpen(pid:startTime:slot:)``,
/// ``Syscall/setns(slot:namespaces:)``).
extension StepRunner {
  /// Opens the namespace file; a process's `/proc/PID/ns/TYPE` is kept only if that pid still started when `plan`
  /// saw it start, read after the open: a process that took the pid since would show another start time.
  func openNamespace(_ namespace: Namespace, _ file: NamespaceFile, into slot: Int) throws(SyscallError) {
    let path = file.path(for: namespace)
    switch file {
    case .unresolvedSandbox(let name):
      throw SyscallError(
        call: "open", errno: ErrnoNames.ESRCH, path: "the init of sandbox \(name), which is not running")
    case .path: fds[slot] = try kernel.openNamespace(path)
    case .process(let pid, let startTime):
      let fd = try kernel.openNamespace(path)
      try verify(ProcessIdentity(pid: pid, startTime: startTime), holding: fd, path: path)
      fds[slot] = fd
    }
  }

  /// pidfd_open(2), then the same start-time check: the pidfd then names that process for good.
  func openProcess(_ identity: ProcessIdentity, into slot: Int) throws(SyscallError) {
    let fd = try kernel.pidfdOpen(identity.pid)
    try verify(identity, holding: fd, path: "pid \(identity.pid)")
    fds[slot] = fd
  }

  /// setns(2) of the fd in `slot`, which is closed either way: nothing of the target stays open in the sandbox.
  func enter(_ slot: Int, _ namespaces: CloneFlags) throws(SyscallError) {
    let held = try fd(slot)
    fds[slot] = nil
    defer { kernel.close(held) }
    try kernel.setns(held, namespaces)
  }

  /// Closes `fd` and fails with ESRCH when process `identity.pid` is not the one that started at its start time.
  private func verify(_ identity: ProcessIdentity, holding fd: Int32, path: String) throws(SyscallError) {
    guard identity.isAlive(reader: kernel) else {
      kernel.close(fd)
      throw SyscallError(
        call: "open", errno: ErrnoNames.ESRCH,
        path:
          "\(path): pid \(identity.pid) is not the process that started at \(identity.startTime) (it ended; the pid may have been reused)"
      )
    }
  }
}
