/// What a live sandbox's processes look like from the host, and how `down` ends them.
public enum SandboxProcesses {
  /// The namespaces process `pid` is in, as readlink(2) of each `/proc/PID/ns/NAME` shows them (`uts:[4026532210]`),
  /// by name (namespaces(7)); those that cannot be read are left out.
  public static func namespaceIDs<Reader: SystemReader>(of pid: Int32, reader: Reader) -> [String: String] {
    let folder = "/proc/\(pid)/ns"
    guard let fd = try? reader.openDirectoryWithoutSymlinks(folder) else { return [:] }
    defer { reader.close(fd) }
    let names = (try? reader.directoryEntries(fd)) ?? []
    var ids: [String: String] = [:]
    for name in names {
      if let link = try? reader.readLink(fd, name) { ids[name] = link }
    }
    return ids
  }

  /// How ``end(_:graceMilliseconds:kernel:)`` ended a process.
  public enum Ending: Sendable, Hashable {
    /// It had ended already (or its pid now names another process, which is left alone).
    case alreadyGone
    /// SIGTERM ended it within the grace time.
    case terminated
    /// It was still there after the grace time: SIGKILL ended it.
    case killed
  }

  /// Ends the process `identity` names and waits until it has: SIGTERM, then SIGKILL after `graceMilliseconds`.
  /// The signals go through a pidfd (pidfd_open(2), pidfd_send_signal(2)) opened while the pid and start time still
  /// match the recorded ones, so a recycled pid is never signalled; poll(2) of the pidfd tells its end.
  /// - Throws: ``SyscallError`` from pidfd_open(2), pidfd_send_signal(2) or poll(2) (not ESRCH: a process that ended
  ///   meanwhile is ``Ending/alreadyGone`` or ended).
  /// The main command of a sandbox `up` just made with one (`plan` execs one): init's first child, from
  /// `/proc/PID/task/PID/children` (proc(5)), which lists children oldest first; nil without a main command or when
  /// it cannot be read.
  public static func mainCommand<Reader: SystemReader>(of initProcess: ProcessIdentity, in plan: Plan, reader: Reader)
    -> ProcessIdentity?
  {
    guard plan.steps.contains(where: { $0.kind == .exec }),
      let text = try? reader.readFile("/proc/\(initProcess.pid)/task/\(initProcess.pid)/children"),
      let first = text.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") }).first,
      let pid = Int32(String(decoding: first, as: UTF8.self))
    else { return nil }
    return ProcessIdentity.current(of: pid, reader: reader)
  }

  public static func end<Kernel: LinuxKernel>(
    _ identity: ProcessIdentity, graceMilliseconds: Int32, kernel: Kernel
  ) throws(SyscallError) -> Ending {
    guard identity.isAlive(reader: kernel) else { return .alreadyGone }
    let pidfd: Int32
    do { pidfd = try kernel.openProcess(identity.pid) } catch {
      if error.errno == ErrnoNames.ESRCH { return .alreadyGone }
      throw error
    }
    defer { kernel.close(pidfd) }
    // The pidfd names whatever process had the pid when it was opened: still the recorded one, or not ours.
    guard identity.isAlive(reader: kernel) else { return .alreadyGone }
    if try send(15, to: pidfd, kernel), try kernel.waitForEnd(pidfd, milliseconds: graceMilliseconds) {
      return .terminated
    }
    _ = try send(9, to: pidfd, kernel)
    _ = try kernel.waitForEnd(pidfd, milliseconds: nil)
    return .killed
  }

  /// Whether `signal` was sent (false: the process had ended, ESRCH).
  private static func send<Kernel: LinuxKernel>(_ signal: Int32, to pidfd: Int32, _ kernel: Kernel)
    throws(SyscallError) -> Bool
  {
    do { try kernel.signalProcess(pidfd, signal) } catch {
      if error.errno == ErrnoNames.ESRCH { return false }
      throw error
    }
    return true
  }
}
