import ArgumentParser
import Builder
import SpecParser

/// `nsbuild run SPEC [-- CMD ARG…]`: applies the plan and runs the command inside.
struct RunCommand: ParsableCommand {
  // The super-command name tells ArgumentParser that `run` is never the root of its own tree, so the fast path in
  // `NSBuild.main` (which parses `run` alone) skips the check for `--generate-completion-script`: two trial
  // parses, a tenth of the instructions `run` takes before its first fork (callgrind). Help and usage errors still go
  // through the root, where this name is not read.
  static let configuration = CommandConfiguration(
    commandName: "run",
    _superCommandName: "nsbuild",
    abstract: "Build the sandbox the spec describes and run a command in it.",
    discussion: """
      Takes exactly the steps `nsbuild plan` shows. The command after `--` replaces [process] args; every word after \
      `--` belongs to it.

      Exit status: the command's own; 128+N when it is killed by signal N; 125 when nsbuild fails before the command \
      starts (bad spec, failed step); 126 when the command cannot be executed; 127 when it is not found.

      Examples:
        nsbuild run specs/dev.toml -- hostname
        nsbuild run --verbose specs/rootless.toml -- id
        nsbuild run --set uts.hostname=ci --bind ${PWD}:/src:ro specs/dev.toml -- make
        nsbuild run -t specs/dev.toml -- /bin/sh -i
      """
  )

  @Flag(name: .shortAndLong, help: "Print each step as it is applied, numbered as `plan` numbers it.")
  var verbose = false

  @Flag(inversion: .prefixedNo, help: .strictModesRefusing)
  var strictModes = true

  @Flag(
    name: [.customShort("t"), .customLong("tty")],
    help: "Give the command a pseudo-terminal of its own, relayed to this one (as [process] terminal = true).")
  var tty = false

  @OptionGroup var overrideOptions: OverrideOptions

  @Argument(help: DefaultSpec.help, completion: .specFile)
  var specArgument: String?

  /// SPEC, or ./sandbox.toml when it was left out (validate() checks that it exists).
  var spec: String { specArgument ?? DefaultSpec.path }

  @Argument(parsing: .postTerminator, help: "The command to run, instead of [process] args.")
  var command: [String] = []

  func validate() throws {
    _ = try DefaultSpec.resolve(specArgument)
  }

  /// The values parsed, as ``RunArguments`` reads them without ArgumentParser.
  var arguments: RunArguments {
    RunArguments(
      spec: spec, command: command, verbose: verbose, strictModes: strictModes, tty: tty,
      settings: overrideOptions.settings, variables: overrideOptions.variables, binds: overrideOptions.binds)
  }

  func run() throws {
    try Self.run(arguments)
  }

  /// Plans the spec and runs the command: `run`'s work, from either parser.
  /// - Throws: the `ExitCode` to exit with (see ``launchPlan(_:loaded:terminal:verbose:)``).
  static func run(_ arguments: RunArguments) throws {
    let terminal = Terminal()
    let (loaded, plan) = try planSpec(
      arguments.spec, command: arguments.command.isEmpty ? nil : arguments.command, terminal: terminal,
      failureCode: ExitStatus.setupFailed, strictModes: arguments.strictModes ? .refuse : .warn,
      overrides: arguments.overrides, tty: arguments.tty)
    try refuseTerminalWithoutTTY(plan, terminal: terminal)
    try launchPlan(plan, loaded: loaded, terminal: terminal, verbose: arguments.verbose)
  }
}

/// A pseudo-terminal is relayed to nsbuild's stdin, which must then be a terminal to make raw (as `docker run -t`).
func refuseTerminalWithoutTTY(_ plan: Plan, terminal: Terminal) throws {
  guard plan.steps.contains(where: { $0.kind == .terminal }), !terminal.kernel.isTerminal(0) else { return }
  terminal.err("nsbuild: error: the input device is not a TTY (`run -t` and [process] terminal relay stdin)\n")
  throw ExitCode(ExitStatus.setupFailed)
}
