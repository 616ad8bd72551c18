import ArgumentParser
import Builder
import SpecParser

/// `nsbuild exec NAME [-- CMD ARG…]`: runs a command in a live sandbox, with its spec's `[process]` settings.
struct ExecCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "exec",
    abstract: "Run a command in a live sandbox, with its spec's [process] settings.",
    discussion: """
      Reads the sandbox's state (under /run/nsbuild as root, $XDG_RUNTIME_DIR/nsbuild otherwise, or \
      $NSBUILD_STATE_DIR), checks that its init is the process recorded (pid and start time: never a recycled pid), \
      enters its namespaces with setns(2) and forks the command inside its pid namespace. The command takes the \
      spec's [process] settings (env, cwd, ids, capabilities, no_new_privs, rlimits, umask, session); the command \
      after `--` replaces [process] args. The spec is the file `up` or the last `apply` read, as it is now; when it \
      is gone, cannot be read or is no longer valid, exec warns and uses the spec as that up or apply read it \
      (kept in the sandbox's state).

      Exit status: as `run`'s: the command's own; 128+N when it is killed by signal N; 125 when nsbuild fails before \
      the command starts (no such sandbox, a dead one, a failed step); 126 when the command cannot be executed; 127 \
      when it is not found.

      Example:
        nsbuild exec dev -- hostname
      """
  )

  @Flag(name: .shortAndLong, help: "Print each step as it is applied, numbered as in the plan.")
  var verbose = false

  @Flag(
    name: [.customShort("t"), .customLong("tty")],
    help: "Give the command a pseudo-terminal of its own, relayed to this one ([process] terminal is `run`'s only).")
  var tty = false

  @Argument(help: "The live sandbox's name, as `nsbuild up` named it.", completion: .liveSandbox)
  var name: String

  @Argument(parsing: .postTerminator, help: "The command to run, instead of [process] args.")
  var command: [String] = []

  func run() throws {
    let terminal = Terminal()
    let sandbox = try terminal.sandboxName(name, failureCode: ExitStatus.setupFailed)
    let store = terminal.sandboxStore
    // The setup holds the sandbox's lock, so `down` or `apply` cannot change it between the check of its init and
    // the plan. It is let go before the launch: the joiner checks the init's pid and start time again as it enters
    // (pidfd_open, or each /proc/PID/ns file), and a shell kept open must not hold up an `apply`.
    let lock: SandboxLock
    do { lock = try store.lock(sandbox, creating: false) } catch {
      throw terminal.fail(error, failureCode: ExitStatus.setupFailed)
    }
    let planned: (LoadedSpec, Plan)
    do {
      defer { store.unlock(lock) }
      planned = try plan(sandbox, store: store, terminal: terminal)
    }
    try refuseTerminalWithoutTTY(planned.1, terminal: terminal)
    try launchPlan(planned.1, loaded: planned.0, terminal: terminal, verbose: verbose)
  }

  /// The plan that joins `sandbox`, from its record and the spec the record names; when that file is gone, cannot
  /// be read or is no longer valid, from the spec text the record keeps (with a warning).
  private func plan(_ sandbox: SandboxName, store: SandboxStore<RealKernel>, terminal: Terminal) throws -> (
    LoadedSpec, Plan
  ) {
    let record: SandboxRecord
    do {
      guard let found = try store.load(sandbox) else { throw SandboxStoreError.noSuchSandbox(sandbox) }
      record = found
    } catch { throw terminal.fail(error, failureCode: ExitStatus.setupFailed) }
    let command = command.isEmpty ? nil : command
    // Read once the spec is known good, just before planning: the init must be the one recorded.
    let target: (SpecCheck) throws -> LiveTarget? = { _ in
      do { return try LiveTarget.read(record, reader: terminal.kernel) } catch {
        throw terminal.fail(error, failureCode: ExitStatus.setupFailed)
      }
    }
    switch RecordedSpec.choose(record, reader: terminal.kernel) {
    case .file(let loaded):
      return try planLoadedSpec(
        loaded, command: command, terminal: terminal, failureCode: ExitStatus.setupFailed, into: target, tty: tty)
    case .recorded(let loaded, let reason):
      terminal.err(
        TerminalText.printable(
          "nsbuild: warning: spec '\(record.specPath)' \(reason): exec uses the spec as the last up or apply read it "
            + "(\(iso8601(record.appliedAt)))") + "\n")
      return try planLoadedSpec(
        loaded, command: command, terminal: terminal, failureCode: ExitStatus.setupFailed, into: target, tty: tty)
    case .pipe(let loaded):
      // The spec came through a pipe: exec's own stdin is the command's, never read for a spec.
      guard let loaded else {
        throw terminal.fail(
          "sandbox '\(record.name)': its spec came through a pipe and the record keeps no valid copy of it; "
            + "`nsbuild apply --target \(record.name) FILE` records one", failureCode: ExitStatus.setupFailed)
      }
      return try planLoadedSpec(
        loaded, command: command, terminal: terminal, failureCode: ExitStatus.setupFailed, into: target, tty: tty)
    case .none:
      // A record that keeps no spec text: the file's own error is the one to report.
      return try planSpec(
        record.specPath, command: command, terminal: terminal, failureCode: ExitStatus.setupFailed, into: target,
        tty: tty)
    }
  }
}
