import Builder
import Glibc

/// A spec's version at a git revision, for `diff --git REV SPEC`: the bytes `git show REV:./NAME` prints, run in
/// the spec's folder (so NAME is the spec's own name there, and the repository is the one holding it).
enum GitShow {
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  /// The contents of `name` in `folder` at `revision`. git's own message about a bad revision or path goes to
  /// stderr as git prints it.
  /// - Throws: ``Failure`` when git cannot be started (posix_spawnp(3)), or exits other than 0, or prints more
  ///   than a spec may hold.
  static func contents(of name: String, in folder: String, at revision: String) throws(Failure) -> [UInt8] {
    let arguments = ["git", "-C", folder, "show", "\(revision):./\(name)"]
    var fds: [Int32] = [-1, -1]
    guard pipe(&fds) == 0 else {
      throw Failure(description: SyscallError(call: "pipe", errno: errno).description)
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    // git gets the pipe's write end as stdout and neither end besides (pipe2(2)'s O_CLOEXEC is not in Glibc's
    // module).
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
    posix_spawn_file_actions_addclose(&actions, fds[0])
    posix_spawn_file_actions_addclose(&actions, fds[1])
    var pid: pid_t = 0
    let spawned = withCStrings(arguments) { argv in posix_spawnp(&pid, "git", &actions, nil, argv, environ) }
    close(fds[1])
    guard spawned == 0 else {
      close(fds[0])
      throw Failure(
        description: "cannot start " + SyscallError(call: "posix_spawnp", errno: spawned, path: "git").description)
    }
    let output = readAll(fds[0])
    // Closed before waiting: a git stopped mid-way by the size limit then ends on SIGPIPE rather than block.
    close(fds[0])
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    guard let output else {
      throw Failure(description: "`\(arguments.joined(separator: " "))` printed more than a spec may hold")
    }
    // wait(2)'s status: the exit status in bits 8-15 when the low 7 bits (the signal) are 0.
    let signal = status & 0x7f
    guard signal == 0, (status >> 8) & 0xff == 0 else {
      let how = signal == 0 ? "exited with status \((status >> 8) & 0xff)" : "was killed by signal \(signal)"
      throw Failure(description: "`\(arguments.joined(separator: " "))` \(how)")
    }
    return output
  }

  /// Everything until end of file, or nil past nsbuild's largest spec (RealKernel.maximumFileSize).
  private static func readAll(_ fd: Int32) -> [UInt8]? {
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count < 0, errno == EINTR { continue }
      if count <= 0 { break }
      output += buffer[0..<count]
      if output.count > RealKernel.maximumFileSize { return nil }
    }
    return output
  }

  /// `body` with `strings` as a NULL-ended argv.
  private static func withCStrings<T>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> T) -> T {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return body(pointers)
  }
}
