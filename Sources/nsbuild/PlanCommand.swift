import ArgumentParser
import Builder
import SpecParser

/// `nsbuild plan SPEC`: every step `run` would take, touching nothing.
struct PlanCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract: "Show the exact steps `run` would take, without changing anything.",
    discussion: """
      Each step shows the process that takes it, the system calls with their arguments, how it changes the current \
      state (+ create, ~ change in place, = already as wanted, so skipped) and the spec line it comes from. The \
      warnings follow, the spec's (as `check` shows them) and the plan's, all on stdout with the steps. It plans for \
      the command after `--`, or else for [process] args.

      Exit status: 0 on success, 1 on a spec error; with --detailed-exitcode, 0 when nothing would change and 2 \
      when something would.

      With --target NAME, the steps are marked against the live sandbox NAME (its state record and what stands in \
      it, read without changing anything): = already so, ~ changed in place, + added, - removed, -/+ replaced (with \
      what forces it and the man page); under each, the steps `apply` takes. What was changed inside by hand since \
      the last up or apply is shown apart, as drift. --detailed-exitcode is then 0 when apply has nothing to do, 2 \
      when it has.

      Examples:
        nsbuild plan specs/dev.toml
        nsbuild plan specs/dev.toml -- make test
        nsbuild plan --format json specs/dev.toml
        nsbuild plan --up --name web specs/dev.toml
        nsbuild plan specs/dev.toml --target dev --detailed-exitcode
      """
  )

  @Option(help: "Output format: text or json (versioned; see the README).")
  var format: OutputFormat = .text

  @Flag(
    help: "Exit 0 when run would leave nothing changed on the host, 2 when it would (files, mount points), 1 on error.")
  var detailedExitcode = false

  @Option(
    help: ArgumentHelp("Mark the steps against the live sandbox with this name.", valueName: "name"),
    completion: .liveSandbox)
  var target: String?

  @Flag(inversion: .prefixedNo, help: .strictModesRefusing)
  var strictModes = true

  @Flag(help: "Plan for `up` (a sandbox that outlives nsbuild; [process] args optional) rather than `run`.")
  var up = false

  @Flag(name: [.customShort("t"), .customLong("tty")], help: "Plan for `run -t`: the command's own pseudo-terminal.")
  var tty = false

  @Option(help: "With --up: the sandbox's name, which names its output.log (default: the spec's stem).")
  var name: String?

  // Unconditional, so `--max-diagnostics -1` reaches validate() and its message rather than "Missing value".
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Show at most this many spec diagnostics, errors first, then one saying how many more were left out (0: all).",
      valueName: "n"))
  var maxDiagnostics = SpecDecoder.defaultDiagnosticLimit

  @OptionGroup var overrideOptions: OverrideOptions

  @Argument(help: DefaultSpec.help, completion: .specFile)
  var specArgument: String?

  /// SPEC, or ./sandbox.toml when it was left out (validate() checks that it exists).
  var spec: String { specArgument ?? DefaultSpec.path }

  @Argument(parsing: .postTerminator, help: "The command to plan for, instead of [process] args.")
  var command: [String] = []

  func validate() throws {
    _ = try DefaultSpec.resolve(specArgument)
    guard maxDiagnostics >= 0 else {
      throw ValidationError("--max-diagnostics must be 0 (all) or more, not \(maxDiagnostics)")
    }
  }

  func run() throws {
    let terminal = Terminal()
    let (loaded, plan) = try planSpec(
      spec, command: command.isEmpty ? nil : command, terminal: terminal, failureCode: 1, json: format == .json,
      strictModes: strictModes ? .refuse : .warn, maxDiagnostics: maxDiagnostics, printWarnings: false,
      up: try liveLaunch(terminal), overrides: overrideOptions.overrides, tty: tty)
    // Every warning is on stdout with the plan, so `plan > review.txt` keeps the whole review: the spec's own
    // (--no-strict-modes' ownership one included) with their source lines, then the plan's that they do not repeat.
    let specWarnings = loaded.check.diagnostics.filter { $0.severity == .warning }
    let substitutions = loaded.check.spec?.substitutions ?? []
    if let target {
      try planTarget(target, plan: plan, loaded: loaded, specWarnings: specWarnings, terminal: terminal)
      return
    }
    switch format {
    case .text:
      // Written as it is rendered, a piece at a time: a large plan's text is never held whole.
      PlanTextRenderer(color: terminal.colorEnabled(fd: 1), file: loaded.path).render(
        plan, specWarnings: specWarnings, source: loaded.source, substitutions: substitutions, to: terminal.out)
    case .json:
      // Written a step at a time too.
      try PlanJSON.write(
        plan, file: loaded.path, specWarnings: specWarnings, substitutions: substitutions, to: terminal.out(bytes:))
    }
    if detailedExitcode, !plan.hostChanges.isEmpty { throw ExitCode(2) }
  }

  /// With `--up`, what `up` would plan with: the log in the caller's state folder, under the name `up` would give.
  /// With `--target`, the same for that sandbox: its record holds the plan `up` took, which is compared with this.
  private func liveLaunch(_ terminal: Terminal) throws -> LiveLaunch? {
    if let target { return terminal.liveLaunch(try terminal.sandboxName(target, failureCode: 1)) }
    guard up else {
      if name != nil { throw terminal.fail("--name is for --up", failureCode: 1) }
      return nil
    }
    return terminal.liveLaunch(try terminal.sandboxName(given: name, spec: spec, failureCode: 1))
  }

  /// `--target`: the plan marked against the live sandbox `name`.
  private func planTarget(
    _ name: String, plan: Plan, loaded: LoadedSpec, specWarnings: [Diagnostic], terminal: Terminal
  ) throws {
    let sandbox = try terminal.sandboxName(name, failureCode: 1)
    let record: SandboxRecord
    do {
      // Read as every other command reads it: no symlink followed, the record of this name only.
      guard let found = try terminal.sandboxStore.load(sandbox) else { throw SandboxStoreError.noSuchSandbox(sandbox) }
      record = found
    } catch { throw terminal.fail(error, failureCode: 1) }
    let marked: TargetPlan
    do {
      marked = try TargetPlanner.plan(
        plan, spec: loaded.check.spec, launch: terminal.liveLaunch(sandbox), record: record, reader: terminal.kernel)
    } catch {
      terminal.err(TerminalText.printable("nsbuild: error: \(error)") + "\n")
      throw ExitCode(1)
    }
    switch format {
    case .text:
      terminal.out(TargetPlanTextRenderer(color: terminal.colorEnabled(fd: 1), file: loaded.path).render(marked))
    case .json:
      try PlanJSON.write(
        PlanJSON(
          plan, target: marked, file: loaded.path, specWarnings: specWarnings,
          substitutions: loaded.check.spec?.substitutions ?? []), to: terminal.out(bytes:))
    }
    // Something on the host in the way: apply would refuse, as it does an error.
    if detailedExitcode, !marked.blockers.isEmpty { throw ExitCode(1) }
    if detailedExitcode, marked.hasChanges { throw ExitCode(2) }
  }
}
