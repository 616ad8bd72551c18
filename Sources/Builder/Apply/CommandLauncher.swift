import SpecParser

/// Starting the command: its environment and the PATH search of execvp(3).
struct CommandLauncher<Kernel: LinuxKernel> {
  let kernel: Kernel

  /// The environment the command gets: nsbuild's own (unless cleared), less `unset`, with the spec's variables set
  /// on top.
  func environment(for command: Command) -> [String] {
    var result = command.clearEnv ? [] : kernel.environment()
    for name in command.unset { result.removeAll { $0.hasPrefix(name + "=") } }
    for variable in command.env {
      result.removeAll { $0.hasPrefix(variable.name + "=") }
      result.append("\(variable.name)=\(variable.value)")
    }
    return result
  }

  /// Execs the command; returns the error that stopped it.
  ///
  /// A name with no `/` is tried in each PATH directory in turn, as execvp(3) does: EACCES is remembered and reported
  /// if nothing else runs, so a found-but-not-executable command is told apart from one that is not found.
  func exec(_ command: Command) -> SyscallError {
    let env = environment(for: command)
    guard let program = command.args.first, !program.isEmpty else {
      return SyscallError(call: "execve", errno: ErrnoNames.ENOENT, path: "")
    }
    if program.contains("/") { return kernel.execve(program, args: command.args, env: env) }
    let path = env.last { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) } ?? "/usr/local/bin:/usr/bin:/bin"
    var denied: SyscallError?
    for directory in path.split(separator: ":", omittingEmptySubsequences: false) {
      let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + program
      let error = kernel.execve(candidate, args: command.args, env: env)
      if error.errno == ErrnoNames.EACCES { denied = error }
      if error.errno != ErrnoNames.ENOENT, error.errno != ErrnoNames.EACCES, error.errno != ErrnoNames.ENOTDIR {
        return error
      }
    }
    return denied ?? SyscallError(call: "execve", errno: ErrnoNames.ENOENT, path: program)
  }
}
