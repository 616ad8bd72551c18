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

  /// The error execve(2) would stop at for want of a program to run (ENOENT, or EACCES for one found but not
  /// executable), found by the same search as ``exec(_:)`` without running anything; nil when there is one. The
  /// command checks this before init closes its setup fds, so that such a failure is still taken back.
  func missingProgram(_ command: Command) -> SyscallError? {
    guard let program = command.args.first, !program.isEmpty else {
      return SyscallError(call: "execve", errno: ErrnoNames.ENOENT, path: "")
    }
    let candidates: [String]
    if program.contains("/") {
      candidates = [program]
    } else {
      let env = environment(for: command)
      let path = env.last { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) } ?? "/usr/local/bin:/usr/bin:/bin"
      candidates = path.split(separator: ":", omittingEmptySubsequences: false).map {
        ($0.isEmpty ? "." : String($0)) + "/" + program
      }
    }
    var denied: SyscallError?
    for candidate in candidates {
      let errno = kernel.executionError(candidate)
      // Found, or an error execve(2) itself would stop the search with (ELOOP…): it reports that one.
      if errno == 0 || ![ErrnoNames.ENOENT, ErrnoNames.EACCES, ErrnoNames.ENOTDIR].contains(errno) { return nil }
      if errno == ErrnoNames.EACCES, denied == nil {
        denied = SyscallError(call: "execve", errno: errno, path: candidate)
      }
    }
    return denied ?? SyscallError(call: "execve", errno: ErrnoNames.ENOENT, path: program)
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
