import SpecParser

/// Starting the command: its environment and the PATH search of execvp(3).
struct CommandLauncher<Kernel: LinuxKernel> {
  let kernel: Kernel

  /// The environment the command gets: nsbuild's own (unless cleared), less `unset`, with the spec's variables set
  /// on top.
  ///
  /// Names are compared byte for byte, as getenv(3) compares them. String's own comparison goes by Unicode canonical
  /// equivalence and by grapheme: an inherited `ZZ=\u{301}…` does not start with `ZZ=` for it (the `=` and the
  /// combining accent are one Character), so a caller could slip a second `ZZ` past `env` and `unset`.
  func environment(for command: Command) -> [String] {
    var result = command.clearEnv ? [] : kernel.environment()
    for name in command.unset { result.removeAll { Self.names($0, name) } }
    for variable in command.env {
      result.removeAll { Self.names($0, variable.name) }
      result.append("\(variable.name)=\(variable.value)")
    }
    return result
  }

  /// Whether the `NAME=value` entry sets `name`, byte for byte.
  static func names(_ entry: String, _ name: String) -> Bool {
    let bytes = entry.utf8
    guard bytes.starts(with: name.utf8) else { return false }
    return bytes.dropFirst(name.utf8.count).first == UInt8(ascii: "=")
  }

  /// The value of PATH in `env` (the last entry setting it), compared byte for byte; execvp(3)'s default without one.
  static func searchPath(_ env: [String]) -> String {
    guard let entry = env.last(where: { names($0, "PATH") }) else { return "/usr/local/bin:/usr/bin:/bin" }
    return String(decoding: entry.utf8.dropFirst(5), as: UTF8.self)
  }

  /// The error execve(2) would stop at for want of a program to run (ENOENT, or EACCES for one found but not
  /// executable), found by the same search as ``exec(_:)`` without running anything; nil when there is one. The
  /// command checks this before init closes its setup fds, so that such a failure is still taken back.
  func missingProgram(_ command: Command) -> SyscallError? {
    guard let error = programError(command, probe: kernel.executionError) else { return nil }
    // An error execve(2) itself would stop the search with (ELOOP…): it reports that one.
    return [ErrnoNames.ENOENT, ErrnoNames.EACCES, ErrnoNames.ENOTDIR].contains(error.errno) ? error : nil
  }

  /// The error execve(2) would fail with for `command`'s program, found by the search ``exec(_:)`` makes, without
  /// running anything; nil when a candidate would run. `probe` gives each candidate's errno (0: it would run); a
  /// relative candidate is given to it after `directory`, the folder the command starts in. As execvp(3), ENOENT
  /// and ENOTDIR go on to the next PATH folder, EACCES too but is reported if nothing runs, and any other errno
  /// stops the search.
  func programError(_ command: Command, from directory: String? = nil, probe: (String) -> Int32) -> SyscallError? {
    guard let program = command.args.first, !program.isEmpty else {
      return SyscallError(call: "execve", errno: ErrnoNames.ENOENT, path: "")
    }
    let candidates: [String]
    if program.utf8.contains(UInt8(ascii: "/")) {
      candidates = [program]
    } else {
      let env = environment(for: command)
      let path = Self.searchPath(env)
      candidates = path.split(separator: ":", omittingEmptySubsequences: false).map {
        ($0.isEmpty ? "." : String($0)) + "/" + program
      }
    }
    var denied: SyscallError?
    for candidate in candidates {
      let probed = candidate.hasPrefix("/") ? candidate : directory.map { $0 + "/" + candidate } ?? candidate
      let errno = probe(probed)
      if errno == 0 { return nil }
      if errno == ErrnoNames.EACCES {
        if denied == nil { denied = SyscallError(call: "execve", errno: errno, path: candidate) }
      } else if errno != ErrnoNames.ENOENT, errno != ErrnoNames.ENOTDIR {
        return SyscallError(call: "execve", errno: errno, path: candidate)
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
    if program.utf8.contains(UInt8(ascii: "/")) { return kernel.execve(program, args: command.args, env: env) }
    let path = Self.searchPath(env)
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
