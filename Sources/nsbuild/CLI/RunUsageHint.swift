/// `nsbuild run SPEC CMD…` without `--`: ArgumentParser reads CMD as a stray argument of nsbuild's own. The hint
/// shows the same words with `--` where it makes them parse, as git suggests the command it thinks was meant.
enum RunUsageHint {
  /// The line to print after the usage error, or nil when no one place for `--` makes `arguments` (those after
  /// `run`) a valid `run` with a spec and a command.
  static func hint(for arguments: [String]) -> String? {
    guard !arguments.contains("--"), arguments.count > 1 else { return nil }
    for index in 1..<arguments.count {
      let candidate = Array(arguments[..<index]) + ["--"] + Array(arguments[index...])
      guard let parsed = try? RunCommand.parse(candidate), parsed.specArgument != nil, !parsed.command.isEmpty
      else { continue }
      return "hint: the command to run goes after `--`: nsbuild run " + candidate.joined(separator: " ")
    }
    return nil
  }
}
