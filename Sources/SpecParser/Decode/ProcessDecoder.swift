/// `[process]`: the command to run and its environment.
extension SpecSections {
  func decodeProcess(_ table: TableReader) -> Process {
    table.rejectUnknownKeys(["args", "env", "clear_env", "cwd"])
    var process = Process()
    if let args = table.strings("args") {
      if args.isEmpty, let entry = table.table["args"] {
        sink.error("empty-args", "`args` is empty", at: entry.node.range, hint: "name a program, e.g. [\"/bin/sh\"]")
      } else {
        process.args = args.map(\.0)
      }
    }
    process.env = environment(table)
    process.clearEnv = table.bool("clear_env") ?? false
    process.cwd = table.string("cwd").flatMap { path($0, key: "cwd") }
    return process
  }

  private func environment(_ table: TableReader) -> [EnvironmentVariable] {
    guard let env = table.table("env") else { return [] }
    var result: [EnvironmentVariable] = []
    for entry in env.table.entries {
      context.origins[env.path.appending(entry.key)] = entry.node.range
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
      } else {
        result.append(EnvironmentVariable(entry.key, value))
      }
    }
    return result
  }
}
