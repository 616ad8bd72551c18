extension SandboxProcesses {
  /// The processes whose stdout or stderr is the file at `log` (an absolute path): those of a sandbox, whose
  /// processes all write to its `output.log` (see ``LiveLaunch``), found without its record. Read from each
  /// `/proc/PID/fd/1` and `/proc/PID/fd/2` with readlink(2) (proc(5)); a process that cannot be read (another
  /// user's, or one that ended meanwhile) is left out. Used to tell, not to act: the pids are not verified.
  public static func writing<Reader: SystemReader>(to log: String, reader: Reader) -> [Int32] {
    guard let proc = try? reader.openDirectoryWithoutSymlinks("/proc") else { return [] }
    defer { reader.close(proc) }
    let pids = ((try? reader.directoryEntries(proc)) ?? []).compactMap { Int32($0) }
    return pids.filter { pid in
      guard let fds = try? reader.openDirectoryWithoutSymlinks("/proc/\(pid)/fd") else { return false }
      defer { reader.close(fds) }
      return ["1", "2"].contains { (try? reader.readLink(fds, $0)) == log }
    }.sorted()
  }
}
