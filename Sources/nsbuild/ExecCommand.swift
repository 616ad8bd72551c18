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
      after `--` replaces [process] args.

      Exit status: as `run`'s: the command's own; 128+N when it is killed by signal N; 125 when nsbuild fails before \
      the command starts (no such sandbox, a dead one, a failed step); 126 when the command cannot be executed; 127 \
      when it is not found.

      Example:
        nsbuild exec dev -- hostname
      """
  )

  @Flag(name: .shortAndLong, help: "Print each step as it is applied, numbered as in the plan.")
  var verbose = false

  @Argument(help: "The live sandbox's name, as `nsbuild up` named it.")
  var name: String

  @Argument(parsing: .postTerminator, help: "The command to run, instead of [process] args.")
  var command: [String] = []

  func run() throws {
    let terminal = Terminal()
    let kernel = terminal.kernel
    let record: SandboxRecord
    do {
      let sandbox = try SandboxName(validating: name)
      let state = StateDirectory.forCaller(euid: kernel.effectiveUserID(), environment: kernel.environment())
      let path = state.record(of: sandbox)
      let bytes: [UInt8]
      do { bytes = try kernel.readFile(path) } catch {
        throw ExecError(
          error.errno == ErrnoNames.ENOENT ? "no sandbox named '\(name)' is up (no state at \(path))" : "\(error)")
      }
      record = try SandboxRecord.decode(bytes)
    } catch {
      terminal.err(TerminalText.printable("nsbuild: error: \(error)") + "\n")
      throw ExitCode(ExitStatus.setupFailed)
    }
    let (loaded, plan) = try planSpec(
      record.specPath, command: command.isEmpty ? nil : command, terminal: terminal,
      failureCode: ExitStatus.setupFailed
    ) { _ in
      // Read once the spec is known good, just before planning: the init must be the one recorded.
      do { return try LiveTarget.read(record, reader: kernel) } catch {
        terminal.err(TerminalText.printable("nsbuild: error: \(error)") + "\n")
        throw ExitCode(ExitStatus.setupFailed)
      }
    }
    try launchPlan(plan, loaded: loaded, terminal: terminal, verbose: verbose)
  }
}

/// Why `exec` cannot find its sandbox.
struct ExecError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
