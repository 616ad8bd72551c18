import SpecParser

/// What nsbuild runs with and passes on to the command unless a step changes it: supplementary groups and resource
/// limits, read from /proc/self (never changed).
extension HostFactsReader {
  /// The `Groups:` line of /proc/self/status.
  func supplementaryGroups() -> [UInt32] {
    guard let line = statusLine("Groups:") else { return [] }
    return line.split(whereSeparator: \.isWhitespace).compactMap { UInt32($0) }
  }

  /// The current limits (/proc/self/limits), `fs.nr_open` and the effective capabilities, into `facts`.
  public func readLimits(into facts: inout HostFacts) {
    facts.limits = ProcLimits.parse(text("/proc/self/limits") ?? "")
    facts.nrOpen = text("/proc/sys/fs/nr_open").flatMap { UInt64($0.split(separator: "\n").first ?? "") }
    facts.effectiveCapabilities = effectiveCapabilities()
  }

  /// The `CapEff:` line of /proc/self/status.
  func effectiveCapabilities() -> UInt64? { capabilitySet("CapEff:") }

  /// A capability set of /proc/self/status by its label (`CapBnd:`, `CapEff:`), one bit per capability number.
  func capabilitySet(_ label: String) -> UInt64? { statusLine(label).flatMap { UInt64($0, radix: 16) } }

  /// The value after `key` on its line of /proc/self/status, trimmed.
  private func statusLine(_ key: String) -> String? {
    guard let line = (text("/proc/self/status") ?? "").split(separator: "\n").first(where: { $0.hasPrefix(key) })
    else { return nil }
    return String(line.dropFirst(key.count).trimmingPrefix(while: \.isWhitespace))
  }
}

/// /proc/PID/limits, as proc(5) describes it.
enum ProcLimits {
  /// proc(5)'s names for each resource in /proc/PID/limits.
  static let names: [(String, ResourceLimit.Resource)] = [
    ("Max cpu time", .cpu), ("Max file size", .fsize), ("Max data size", .data), ("Max stack size", .stack),
    ("Max core file size", .core), ("Max resident set", .rss), ("Max processes", .nproc),
    ("Max open files", .nofile), ("Max locked memory", .memlock), ("Max address space", .as),
    ("Max file locks", .locks), ("Max pending signals", .sigpending), ("Max msgqueue size", .msgqueue),
    ("Max nice priority", .nice), ("Max realtime priority", .rtprio), ("Max realtime timeout", .rttime),
  ]

  /// Parses /proc/PID/limits: `Max open files            1024                 524288               files`, with
  /// `unlimited` for RLIM_INFINITY (nil). Lines it does not know are skipped.
  static func parse(_ text: String) -> [ResourceLimit.Resource: ResourceLimit] {
    var result: [ResourceLimit.Resource: ResourceLimit] = [:]
    for line in text.split(separator: "\n") {
      guard let (name, resource) = names.first(where: { line.hasPrefix($0.0 + " ") }) else { continue }
      let fields = line.dropFirst(name.count).split(whereSeparator: \.isWhitespace)
      guard fields.count >= 2, let soft = limit(fields[0]), let hard = limit(fields[1]) else { continue }
      result[resource] = ResourceLimit(resource, soft: soft.value, hard: hard.value)
    }
    return result
  }

  /// A number, or `unlimited` (nil inside the box).
  private static func limit(_ field: Substring) -> (value: UInt64?, Void)? {
    if field == "unlimited" { return (nil, ()) }
    return UInt64(field).map { ($0, ()) }
  }
}
