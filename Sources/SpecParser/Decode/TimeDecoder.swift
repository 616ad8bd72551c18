/// `[time]`: offsets for the clocks a time namespace can move (time_namespaces(7)).
extension SpecSections {
  /// The kernel refuses offsets whose seconds exceed KTIME_SEC_MAX / 2 either way (kernel/time/namespace.c);
  /// 4611686018 s is about 146 years.
  static let maximumOffsetSeconds: Int64 = 4_611_686_018

  func decodeTime(_ table: TableReader) -> TimeOffsets {
    if let realtime = table.table["realtime"] {
      sink.error(
        "unsupported-clock", "the realtime clock cannot be offset", at: realtime.keyRange,
        hint: "time namespaces move only monotonic and boottime (time_namespaces(7))")
    }
    table.rejectUnknownKeys(["monotonic", "boottime", "realtime"])
    return TimeOffsets(monotonic: offset("monotonic", in: table), boottime: offset("boottime", in: table))
  }

  private func offset(_ key: String, in table: TableReader) -> ClockOffset? {
    guard let entry = table.entry(key) else { return nil }
    let nanoseconds: Int64?
    switch entry.node.value {
    case .integer(let seconds):
      guard seconds.magnitude <= Self.maximumOffsetSeconds.magnitude else {
        sink.error(
          "invalid-duration", "`\(key)` is beyond the kernel's limit of ±\(Self.maximumOffsetSeconds) s",
          at: entry.node.range)
        return nil
      }
      nanoseconds = seconds * 1_000_000_000
    case .float(let seconds): nanoseconds = Units.nanoseconds(seconds)
    case .string(let text):
      switch Units.durationNanoseconds(text) {
      case .success(let value): nanoseconds = value
      case .failure(.unknownUnit(let unit)):
        sink.error(
          "invalid-duration", "`\(key)` has an unknown unit '\(unit)'", at: entry.node.range,
          hint: ["ns", "us", "ms", "s", "m", "h", "d"].contains(unit.lowercased())
            ? "did you mean '\(unit.lowercased())'? units are lower case"
            : "units: ns, us, ms, s, m, h, d (e.g. \"90s\", \"-2h\", \"1h30m\")")
        return nil
      case .failure(.tooLarge):
        sink.error(
          "invalid-duration",
          "`\(key)` is beyond the kernel's limit of ±\(Self.maximumOffsetSeconds) s", at: entry.node.range)
        return nil
      case .failure(.malformed): nanoseconds = nil
      }
    default:
      table.mismatch(key, entry.node, expected: "a duration like \"90s\", \"-2h\" or \"7d\", or a number of seconds")
      return nil
    }
    guard let nanoseconds else {
      sink.error(
        "invalid-duration", "`\(key)` is not a duration the kernel can take", at: entry.node.range,
        hint: "write seconds, or numbers with units, each unit once and largest first: d, h, m, s, ms, us, ns "
          + "(e.g. \"90s\", \"-2h\", \"1h30m\")")
      return nil
    }
    let offset = ClockOffset(totalNanoseconds: nanoseconds)
    guard abs(offset.seconds) <= Self.maximumOffsetSeconds else {
      sink.error(
        "invalid-duration",
        "`\(key)` offset of \(offset.seconds) s is beyond the kernel's limit of ±\(Self.maximumOffsetSeconds) s",
        at: entry.node.range)
      return nil
    }
    return offset
  }
}
