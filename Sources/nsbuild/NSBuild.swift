import ArgumentParser
import Builder

/// The `nsbuild` command. Synchronous on purpose: unshare(CLONE_NEWUSER) fails with EINVAL in a process with more
/// than one thread, so nothing here may start Dispatch or Swift concurrency before the sandbox is built.
@main
struct NSBuild: ParsableCommand {
  static let version = "0.1.0"

  static let configuration = CommandConfiguration(
    commandName: "nsbuild",
    abstract: "Build Linux namespace sandboxes from a checked-in spec file.",
    discussion: """
      A spec (sandbox.toml, TOML 1.0) lists the namespaces to unshare, the mounts, the hostname, ID maps, clock \
      offsets and the command. `check` validates it, `plan` shows every step `run` would take without touching \
      anything, and `run` takes exactly those steps.

      Examples:
        nsbuild check sandbox.toml
        nsbuild plan specs/dev.toml
        nsbuild plan --format json specs/dev.toml
        nsbuild diff old.toml sandbox.toml
        nsbuild run specs/dev.toml -- hostname
        nsbuild run specs/rootless.toml -- id -u
        nsbuild up specs/pod.toml && nsbuild ls && nsbuild down pod
        nsbuild plan specs/dev.toml --target dev && nsbuild apply specs/dev.toml --target dev
        nsbuild schema > sandbox.schema.json
      """,
    version: version,
    subcommands: [
      CheckCommand.self, PlanCommand.self, DiffCommand.self, RunCommand.self, ExecCommand.self, UpCommand.self,
      ApplyCommand.self, DownCommand.self, ListCommand.self, StatusCommand.self, ExportCommand.self, ImportCommand.self,
      SchemaCommand.self,
      TOMLJSONCommand.self, ManualCommand.self,
    ]
  )

  /// Parses and runs a subcommand. A usage error of `run` exits 125, not 64: `run` promises 125 for any failure of
  /// nsbuild itself, so a caller can tell it from the command's own status.
  static func main() {
    let arguments = Array(CommandLine.arguments.dropFirst())
    // Some process spawners leave signals blocked; SIGTERM and SIGINT must still end nsbuild (or reach the command).
    RealKernel().unblockSignals()
    // Nothing to do is a usage error, as it is for git or tar: the usage goes to stderr and the status is 64.
    if arguments.isEmpty {
      let terminal = Terminal()
      terminal.err(helpMessage())
      terminal.kernel.exit(ExitCode.validationFailure.rawValue)
    }
    do {
      // `run` starts before every sandboxed command: its usual words are read without ArgumentParser
      // (``RunArguments``), whose parse of them took half of the instructions before the first fork.
      if arguments.first == "run", !arguments.contains(where: { ["-h", "--help", "help"].contains($0) }) {
        if let fast = RunArguments.parse(arguments.dropFirst()) {
          try RunCommand.run(fast)
          return
        }
        // Otherwise `run` alone, without the whole command tree: parsing from the root reflects over every
        // subcommand's options (ArgumentParser's completion-script check). Help still goes through the root, for the
        // full usage line.
        if var command = try? RunCommand.parseAsRoot(Array(arguments.dropFirst())) {
          try command.run()
          return
        }
      }
      // Anything else, and a `run` whose arguments do not parse (to report it with the full usage), from the root.
      var command = try parseAsRoot(arguments)
      try command.run()
    } catch {
      if arguments.first == "run", exitCode(for: error) == .validationFailure {
        let terminal = Terminal()
        terminal.err(fullMessage(for: error) + "\n")
        if let hint = RunUsageHint.hint(for: Array(arguments.dropFirst())) { terminal.err(hint + "\n") }
        terminal.kernel.exit(ExitStatus.setupFailed)
      }
      exit(withError: error)
    }
  }
}

/// The output formats of `check` and `plan`.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case text, json
}
