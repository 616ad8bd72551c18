extension LiveSandboxCheck {
  /// Why the main command of a running sandbox no longer ends it as the README promises, or nil: the keeper an
  /// `apply` started with a new main command (``SandboxRecord/mainKeeper``) has ended (killed: it exits only after
  /// its command and init), so the command's end, or an end that already came, does not end the sandbox. Read
  /// through `reader` by the recorded pids and start times (proc(5) field 22).
  public static func mainKeeperProblem<Reader: SystemReader>(_ record: SandboxRecord, reader: Reader) -> String? {
    guard let keeper = record.mainKeeper, !keeper.isAlive(reader: reader) else { return nil }
    let command = record.mainCommand.map { "main command (pid \($0.pid))" } ?? "main command"
    if let running = record.mainCommand, running.isAlive(reader: reader) {
      return
        "the keeper (pid \(keeper.pid)) of its \(command) has ended: the command runs on, but its end will not end "
        + "the sandbox; `nsbuild down \(record.name)` ends both"
    }
    return
      "its \(command) and that command's keeper (pid \(keeper.pid)) have ended, but the sandbox runs on without a "
      + "main command; `nsbuild down \(record.name)` ends it"
  }
}
