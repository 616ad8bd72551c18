/// `[process]`: the command to run, its environment, and what it runs as.
extension SpecSections {
  static let processKeys = [
    "args", "env", "clear_env", "unset", "cwd", "uid", "gid", "groups", "no_new_privs", "capabilities", "rlimits",
    "umask", "new_session", "die_with_parent", "terminal",
  ]

  func decodeProcess(_ table: TableReader) -> Process {
    table.rejectUnknownKeys(Self.processKeys)
    var process = Process()
    if let args = table.strings("args") {
      if args.isEmpty, let entry = table.table["args"] {
        sink.error("empty-args", "`args` is empty", at: entry.node.range, hint: "name a program, e.g. [\"/bin/sh\"]")
      } else if let bad = args.first(where: { $0.0.utf8.contains(0) }) {
        sink.error("invalid-args", "an argument contains a NUL byte, which execve(2) cannot pass", at: bad.1)
      } else if let first = args.first, first.0.isEmpty {
        sink.error("empty-args", "the program name is empty", at: first.1)
      } else {
        process.args = args.map(\.0)
      }
    }
    process.env = environment(table)
    process.clearEnv = table.bool("clear_env") ?? false
    process.unset = (table.strings("unset") ?? []).map(\.0)
    process.cwd = table.string("cwd").flatMap { insidePath($0, key: "cwd") }
    process.uid = processID("uid", in: table)
    process.gid = processID("gid", in: table)
    process.groups = groups(table)
    process.noNewPrivs = table.bool("no_new_privs") ?? true
    process.capabilities = capabilities(table)
    process.rlimits = table.table("rlimits").map(decodeRlimits) ?? []
    process.umask = umask(table)
    process.newSession = table.bool("new_session") ?? true
    process.dieWithParent = table.bool("die_with_parent") ?? true
    process.terminal = table.bool("terminal") ?? false
    // TIOCSCTTY makes a terminal controlling only for a session leader with none (tty_ioctl(4)).
    if process.terminal, !process.newSession, let entry = table.table["new_session"] {
      sink.error(
        "terminal-needs-session", "`terminal = true` needs the command in a session of its own",
        at: entry.node.range,
        hint: "leave `new_session` out: the command's pseudo-terminal gives an interactive shell job control")
    }
    return process
  }

  private func environment(_ table: TableReader) -> [EnvironmentVariable] {
    guard let env = table.table("env") else { return [] }
    var result: [EnvironmentVariable] = []
    for entry in env.table.entries {
      context.record(env.path.appending(entry.key), entry.node.range)
      guard case .string(let value) = entry.node.value else {
        env.mismatch(entry.key, entry.node, expected: "a string")
        continue
      }
      if entry.key.isEmpty || entry.key.contains("=") || entry.key.utf8.contains(0) {
        sink.error(
          "invalid-env", "environment variable name '\(entry.key)' must be non-empty without '=' or NUL",
          at: entry.keyRange)
      } else if value.utf8.contains(0) {
        sink.error("invalid-env", "the value of \(entry.key) contains a NUL byte", at: entry.node.range)
      } else if let value = substituted((value, entry.node.range), key: "env.\(entry.key)", use: .environment) {
        result.append(EnvironmentVariable(entry.key, value))
      }
    }
    return result
  }

  private func processID(_ key: String, in table: TableReader) -> UInt32? {
    guard let (value, range) = table.integer(key, expected: "an integer ID") else { return nil }
    guard value >= 0, value < Int64(UInt32.max) else {
      sink.error("invalid-id", "`\(key)` must be from 0 to 4294967294, not \(value)", at: range)
      return nil
    }
    return UInt32(value)
  }

  private func groups(_ table: TableReader) -> [UInt32]? {
    guard let entry = table.entry("groups") else { return nil }
    guard case .array(let nodes) = entry.node.value else {
      table.mismatch("groups", entry.node, expected: "an array of group IDs")
      return nil
    }
    var result: [UInt32] = []
    var seen: Set<UInt32> = []  // not result.contains: that is quadratic in a long list
    for node in nodes {
      guard case .integer(let value) = node.value, value >= 0, value < Int64(UInt32.max) else {
        sink.error("invalid-id", "`groups` entries must be group IDs from 0 to 4294967294", at: node.range)
        continue
      }
      if seen.insert(UInt32(value)).inserted { result.append(UInt32(value)) }
    }
    return result
  }

  private func capabilities(_ table: TableReader) -> [Capability] {
    if let entry = table.table["capabilities"], case .string(let word) = entry.node.value {
      // A bare "ALL" reads naturally; any other bare string is the array-of-names mistake it looks like.
      if word.uppercased() == "ALL" { return Capability.all }
    }
    var result: [Capability] = []
    let names = table.strings("capabilities") ?? []
    // A name next to "ALL", or twice, changes nothing: likely a leftover the reviewer should see.
    let all = names.first { $0.0.uppercased() == "ALL" }
    if names.count > 1, let all {
      sink.warning(
        "redundant-value", "\"ALL\" keeps every capability: the other names in this list add nothing", at: all.1)
    }
    for (name, range) in names {
      if name.uppercased() == "ALL" {
        result = Capability.all
        continue
      }
      guard let capability = Capability(name: name) else {
        sink.error(
          "unknown-value", "unknown capability '\(name)'", at: range,
          hint: Suggestion.didYouMean(name.uppercased(), among: Capability.names)
            ?? "capabilities(7) names such as CAP_NET_BIND_SERVICE, or \"ALL\"")
        continue
      }
      if result.contains(capability) {
        // Looked up once above: testing the whole list again for each repeated name was quadratic (a spec of
        // 20,000 repeated names took 50 s to check).
        if all == nil {
          sink.warning("duplicate-value", "capability \(capability) is listed twice", at: range)
        }
      } else {
        result.append(capability)
      }
    }
    return result
  }

  private func umask(_ table: TableReader) -> UInt32? {
    guard let entry = table.entry("umask") else { return nil }
    switch entry.node.value {
    case .string(let text):
      if let mask = FileMode.parse(text, maximum: 0o777) { return mask }
    case .integer(let value):
      if let mask = FileMode.parse(value, literal: context.text(of: entry.node.range), maximum: 0o777) { return mask }
    default: break
    }
    sink.error(
      "invalid-mode", "`umask` must be octal, at most 777", at: entry.node.range, hint: "e.g. \"022\" or 0o022")
    return nil
  }

  private func decodeRlimits(_ table: TableReader) -> [ResourceLimit] {
    let names = ResourceLimit.Resource.allCases.map(\.rawValue)
    var result: [ResourceLimit] = []
    for entry in table.table.entries {
      guard let resource = ResourceLimit.Resource(rawValue: entry.key.lowercased().replacingPrefix("rlimit_")) else {
        sink.error(
          "unknown-key", "unknown resource limit '\(entry.key)'", at: entry.keyRange,
          hint: Suggestion.didYouMean(entry.key, among: names) ?? "one of: \(names.joined(separator: ", "))")
        continue
      }
      context.record(table.path.appending(entry.key), entry.node.range)
      // Also under the resource's own name, however it was spelt (`RLIMIT_NOFILE`), for messages about it.
      context.record(table.path.appending(resource.rawValue), entry.node.range)
      if let limit = rlimit(resource, entry.node) { result.append(limit) }
    }
    return result
  }

  /// `nofile = 1024` (soft and hard), or `nofile = { soft = 512, hard = 1024 }`; "unlimited" for RLIM_INFINITY.
  private func rlimit(_ resource: ResourceLimit.Resource, _ node: TOMLNode) -> ResourceLimit? {
    switch node.value {
    case .integer, .string:
      guard let value = limitValue(node) else { break }
      return ResourceLimit(resource, soft: value.value, hard: value.value)
    case .table(let pair):
      guard let soft = pair["soft"].flatMap({ limitValue($0.node) }),
        let hard = pair["hard"].flatMap({ limitValue($0.node) }), pair.entries.count == 2
      else { break }
      // nil is "unlimited" (RLIM_INFINITY), above any number.
      if let h = hard.value, soft.value.map({ $0 > h }) ?? true {
        sink.error("invalid-rlimit", "the soft limit is above the hard limit", at: node.range)
        return nil
      }
      return ResourceLimit(resource, soft: soft.value, hard: hard.value)
    default: break
    }
    sink.error(
      "invalid-rlimit", "`\(resource.rawValue)` must be a limit or { soft = …, hard = … }", at: node.range,
      hint: "integers, or \"unlimited\"")
    return nil
  }

  /// A limit: a non-negative integer, or "unlimited" (nil inside the box).
  private func limitValue(_ node: TOMLNode) -> (value: UInt64?, Void)? {
    switch node.value {
    case .integer(let value) where value >= 0: return (UInt64(value), ())
    case .string("unlimited"): return (nil, ())
    default: return nil
    }
  }
}

extension String {
  fileprivate func replacingPrefix(_ prefix: String) -> String {
    hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self
  }
}
