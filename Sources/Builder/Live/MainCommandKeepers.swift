import SpecParser

extension MainCommandSteps {
  /// The keepers of `record`'s main command that still run, read through `reader`: the recorded one (init for the
  /// command `up` started) and, while the record says an earlier apply left the main command not yet replaced
  /// (``SandboxRecord/mainCommandOutdated``), any keeper that apply forked before it was killed, before it wrote the
  /// record. Those would otherwise stay, with their command, beside the one this apply starts.
  ///
  /// An unrecorded keeper is a process that writes to the sandbox's log (`log`, as every process of the sandbox
  /// does), stands outside its pid namespace (`/proc/PID/ns/pid` is not init's) and forks into it
  /// (`/proc/PID/ns/pid_for_children` is init's, set by setns(2), pid_namespaces(7)), and is neither the sandbox
  /// process nor the recorded keeper. Each is named by pid and start time; its command is its first child.
  public static func keepers<Reader: SystemReader>(of record: SandboxRecord, log: String, reader: Reader) -> [Keeper] {
    var keepers: [Keeper] = []
    let recorded = record.mainKeeper ?? record.initProcess
    if recorded.isAlive(reader: reader) {
      let command =
        record.mainCommand ?? SandboxProcesses.mainCommand(of: record.initProcess, in: record.plan, reader: reader)
      keepers.append(
        Keeper(
          process: recorded, isInit: record.mainKeeper == nil,
          command: command.flatMap { $0.isAlive(reader: reader) ? $0 : nil }))
    }
    guard record.mainCommandOutdated == true else { return keepers }
    return keepers + unrecorded(of: record, log: log, reader: reader)
  }

  private static func unrecorded<Reader: SystemReader>(of record: SandboxRecord, log: String, reader: Reader)
    -> [Keeper]
  {
    let known = Set([record.initProcess.pid, record.sandboxProcess?.pid, record.mainKeeper?.pid].compactMap { $0 })
    guard let sandboxPID = namespaceLink(record.initProcess.pid, "pid", reader) else { return [] }
    return SandboxProcesses.writing(to: log, reader: reader).compactMap { pid -> Keeper? in
      guard !known.contains(pid), namespaceLink(pid, "pid", reader) != sandboxPID,
        namespaceLink(pid, "pid_for_children", reader) == sandboxPID,
        let process = ProcessIdentity.current(of: pid, reader: reader)
      else { return nil }
      return Keeper(process: process, isInit: false, command: firstChild(of: process, reader), unrecorded: true)
    }
  }

  /// The target of `/proc/PID/ns/NAME` (`pid:[4026531836]`), read without following it.
  private static func namespaceLink<Reader: SystemReader>(_ pid: Int32, _ name: String, _ reader: Reader) -> String? {
    guard let folder = try? reader.openDirectoryWithoutSymlinks("/proc/\(pid)/ns") else { return nil }
    defer { reader.close(folder) }
    return try? reader.readLink(folder, name)
  }

  /// The first child `process` forked that still runs (`/proc/PID/task/PID/children`, proc(5)).
  private static func firstChild<Reader: SystemReader>(of process: ProcessIdentity, _ reader: Reader)
    -> ProcessIdentity?
  {
    guard let text = try? reader.readFile("/proc/\(process.pid)/task/\(process.pid)/children"),
      let first = text.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") }).first,
      let pid = Int32(String(decoding: first, as: UTF8.self))
    else { return nil }
    return ProcessIdentity.current(of: pid, reader: reader)
  }
}
