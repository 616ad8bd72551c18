extension ProcessIdentity {
  /// The identity of process `pid` now, read from `/proc/PID/stat` through `reader`; nil when no such process is
  /// visible (it ended, or lies in a pid namespace this one cannot see).
  public static func current<Reader: SystemReader>(of pid: Int32, reader: Reader) -> ProcessIdentity? {
    guard pid > 0, let stat = try? reader.readFile("/proc/\(pid)/stat"), let start = startTime(fromStat: stat) else {
      return nil
    }
    return ProcessIdentity(pid: pid, startTime: start)
  }

  /// Whether the process this identity names still runs: the pid is there and started when it did, so it is not a
  /// later process that was given a recycled pid.
  /// A zombie (state `Z` or `X`, proc(5) field 3) has ended: its namespaces are released, only its exit status is
  /// left for its parent to collect.
  public func isAlive<Reader: SystemReader>(reader: Reader) -> Bool {
    guard let stat = try? reader.readFile("/proc/\(pid)/stat"), Self.startTime(fromStat: stat) == startTime else {
      return false
    }
    return !Self.hasEnded(stat: stat)
  }

  /// Whether field 3 (`state`) of a `/proc/PID/stat` line says the process ended (`Z` zombie, `X` dead).
  static func hasEnded(stat: [UInt8]) -> Bool {
    guard let close = stat.lastIndex(of: UInt8(ascii: ")")), close + 2 < stat.count else { return true }
    return [UInt8(ascii: "Z"), UInt8(ascii: "X")].contains(stat[close + 2])
  }

  /// Field 22 (`starttime`) of a `/proc/PID/stat` line (proc(5)). The command name, field 2, is in parentheses and
  /// may itself hold spaces and parentheses, so fields are counted from the last `)`.
  static func startTime(fromStat stat: [UInt8]) -> UInt64? {
    guard let close = stat.lastIndex(of: UInt8(ascii: ")")) else { return nil }
    // After ") " come fields 3 (state) onwards: starttime is the 20th of them.
    let fields = stat[(close + 1)...].split(separator: UInt8(ascii: " "))
    guard fields.count >= 20 else { return nil }
    return UInt64(String(decoding: fields[19], as: UTF8.self))
  }

  /// Field 4 (`ppid`) of a `/proc/PID/stat` line (proc(5)), counted from the last `)` as ``startTime(fromStat:)``.
  static func parentPID(fromStat stat: [UInt8]) -> Int32? {
    guard let close = stat.lastIndex(of: UInt8(ascii: ")")) else { return nil }
    let fields = stat[(close + 1)...].split(separator: UInt8(ascii: " "))
    guard fields.count >= 2 else { return nil }
    return Int32(String(decoding: fields[1], as: UTF8.self))
  }
}
