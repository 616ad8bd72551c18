import ArgumentParser
import Builder
import SpecParser

/// `nsbuild diff OLD NEW`: what a change to a spec changes in the plan, step by step.
struct DiffCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "diff",
    abstract: "Show how the plan changes between two versions of a spec.",
    discussion: """
      Each spec is planned against what is observed for it now, for its own [process] args (or `true` when it \
      has none), and their steps are matched by kind and what they act on (a mount's target, a file's path). Each \
      difference is a line, with the spec lines it comes from: + a step only NEW takes (its calls below it), - a \
      step only OLD takes, ~ a step both take with different calls (those that differ below it), ↕ a step both take \
      at another place in the order ("moved from step N to M", with any calls that differ). fd numbers are \
      ignored. Then the warnings (the spec's own, as `check` gives them, and the plan's) and what run leaves on the \
      host, each where only one spec has it: + only NEW, - only OLD; the same ones are counted, not shown.

      Relative paths in a spec resolve against its folder. A copy of a spec kept elsewhere (`git show \
      HEAD:sandbox.toml > /tmp/old.toml`) gets the right answer with --base naming the folder it is a version of; \
      --git REV reads SPEC's version at REV itself (`git show REV:./SPEC` in SPEC's folder), its paths resolving \
      as SPEC's do.

      Exit status: 0 when both specs plan the same steps with the same warnings and host changes, 2 when they \
      differ, 1 on a spec error.

      Examples:
        nsbuild diff old.toml sandbox.toml
        nsbuild diff --git HEAD sandbox.toml
        nsbuild diff --base . /tmp/old.toml sandbox.toml
        nsbuild diff --format json old.toml sandbox.toml
      """
  )

  @Option(help: "Output format: text or json (versioned; see the README).")
  var format: OutputFormat = .text

  @Flag(inversion: .prefixedNo, help: .strictModesWarning)
  var strictModes: Bool?

  @Option(
    help: ArgumentHelp(
      "Resolve OLD's relative paths against this folder, as if OLD were there (default: OLD's own folder).",
      valueName: "dir"),
    completion: .directory)
  var base: String?

  @Option(
    help: ArgumentHelp(
      "Compare SPEC (the one spec given) with its version at this git revision.", valueName: "rev"))
  var git: String?

  @Argument(
    help: ArgumentHelp("The old spec file (TOML); with --git, the spec.", valueName: "old"), completion: .specFile)
  var oldArgument: String?

  @Argument(
    help: ArgumentHelp("The new spec file (TOML); default: ./sandbox.toml, when it exists.", valueName: "new"),
    completion: .specFile)
  var newArgument: String?

  /// OLD's name in the output: the path given, or `REV:SPEC` with --git.
  var old: String { git.map { "\($0):\(new)" } ?? oldArgument ?? "" }

  /// NEW, the spec --git names, or ./sandbox.toml when it was left out (validate() checks that it exists).
  var new: String { (git == nil ? newArgument : oldArgument) ?? DefaultSpec.path }

  func validate() throws {
    if git != nil {
      guard newArgument == nil else { throw ValidationError("--git REV compares one spec with its version at REV") }
      _ = try DefaultSpec.resolve(oldArgument)
    } else {
      guard oldArgument != nil else { throw ValidationError("missing OLD: the old spec (or --git REV)") }
      _ = try DefaultSpec.resolve(newArgument)
    }
  }

  func run() throws {
    let terminal = Terminal()
    let modes = StrictModes.given(strictModes, default: .warn)
    let results = [
      try loadOld(terminal: terminal, strictModes: modes), loadSpec(new, terminal: terminal, strictModes: modes),
    ]
    let loaded = results.map { try? $0.get() }
    guard let oldLoaded = loaded[0], let newLoaded = loaded[1], let oldSpec = oldLoaded.check.spec,
      let newSpec = newLoaded.check.spec
    else {
      for case let spec? in loaded { terminal.printDiagnostics(spec.check.diagnostics, source: spec.source) }
      if format == .json {
        let diagnostics = results.flatMap { result in
          switch result {
          case .success(let spec): spec.check.diagnostics
          case .failure(let unreadable): [unreadable.diagnostic]
          }
        }
        terminal.out(try JSONText.encode(DiffErrorJSON(old: old, new: new, diagnostics: diagnostics)) + "\n")
      }
      throw ExitCode(1)
    }
    // The spec's own warnings are compared with the plan's, in the diff; only what is about the files themselves
    // (who could change them) goes to stderr.
    for spec in [oldLoaded, newLoaded] {
      terminal.printDiagnostics(spec.check.diagnostics.filter(ReviewWarnings.isAboutTheFile), source: spec.source)
    }
    // Each spec observed for itself, as `plan` observes it: the same host read twice, so only the specs differ, and
    // each plan's warnings and host changes are those `plan` gives it.
    let observer = Observer(reader: terminal.kernel)
    let diff = PlanDiff(
      old: try plan(oldSpec, loaded: oldLoaded, state: observer.observe(oldSpec), terminal: terminal),
      new: try plan(newSpec, loaded: newLoaded, state: observer.observe(newSpec), terminal: terminal))
    switch format {
    case .text:
      terminal.out(DiffTextRenderer(color: terminal.colorEnabled(fd: 1), old: old, new: new).render(diff))
    case .json:
      terminal.out(try JSONText.encode(DiffJSON(diff, old: old, new: new)) + "\n")
    }
    if !diff.isEmpty { throw ExitCode(2) }
  }

  /// OLD as the spec at `old`, read with --base's folder for its relative paths, or with --git, as `git show`
  /// prints NEW at that revision, resolving as NEW does.
  private func loadOld(terminal: Terminal, strictModes: StrictModes) throws -> Result<LoadedSpec, UnreadableSpec> {
    var directory: String?
    if let base {
      guard let folder = terminal.kernel.realPath(base) else {
        throw terminal.fail("--base: no such folder: \(base)", failureCode: 1)
      }
      directory = folder
    }
    guard let git else {
      return loadSpec(old, terminal: terminal, strictModes: strictModes, directory: directory)
    }
    let (folder, name) = Self.split(new)
    guard let canonical = terminal.kernel.realPath(folder) else {
      throw terminal.fail("cannot find the folder of \(new)", failureCode: 1)
    }
    let source: [UInt8]
    do { source = try GitShow.contents(of: name, in: canonical, at: git) } catch {
      terminal.err(TerminalText.printable("nsbuild: error: cannot read spec '\(old)': \(error)") + "\n")
      return .failure(UnreadableSpec(path: old, reason: error.description))
    }
    let check = SpecLoader(reader: terminal.kernel).check(source, file: old, directory: directory ?? canonical)
    return .success(LoadedSpec(path: old, source: source, check: check))
  }

  /// A path's folder and last name: `specs/dev.toml` as (`specs`, `dev.toml`), `dev.toml` as (`.`, `dev.toml`).
  static func split(_ path: String) -> (folder: String, name: String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let folder = String(path[..<slash])
    return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
  }

  /// The plan ``reviewPlan(_:diagnostics:state:)`` makes; a spec it cannot plan is shown as `plan` shows it.
  private func plan(_ spec: Spec, loaded: LoadedSpec, state: ObservedState, terminal: Terminal) throws -> Plan {
    do {
      return try Self.reviewPlan(spec, diagnostics: loaded.check.diagnostics, state: state)
    } catch {
      // Its warnings were not shown yet (the StrictModes one was), and may say why.
      terminal.printDiagnostics(
        loaded.check.diagnostics.filter { !ReviewWarnings.isAboutTheFile($0) }, source: loaded.source)
      // Limits come from spec keys: shown at their place with a caret, as `check` shows them.
      let located = limitDiagnostics(error, path: loaded.path, origins: spec.origins)
      if located.isEmpty {
        terminal.err(TerminalText.printable("nsbuild: error: \(loaded.path): \(error)") + "\n")
      } else {
        terminal.printDiagnostics(located, source: loaded.source)
      }
      throw ExitCode(1)
    }
  }

  /// What `diff` compares of a spec: its plan for its own command, or for `true` when it names none (so a spec
  /// without args compares too), with the warnings a review of it shows (``ReviewWarnings/reviewed(_:diagnostics:)``).
  ///
  /// - Parameter diagnostics: the spec's own diagnostics, as `check` gives them.
  /// - Throws: ``PlanError`` when the spec cannot be planned against `state`.
  static func reviewPlan(_ spec: Spec, diagnostics: [Diagnostic], state: ObservedState) throws(PlanError) -> Plan {
    let command: [String]? = (spec.process.args?.isEmpty ?? true) ? ["true"] : nil
    return ReviewWarnings.reviewed(
      try Planner(spec: spec, state: state).plan(command: command), diagnostics: diagnostics)
  }
}

/// What `diff --format json` prints when either spec cannot be planned: both paths and every diagnostic.
struct DiffErrorJSON: Encodable {
  var format_version = Plan.formatVersion
  var old: String
  var new: String
  var diagnostics: [DiagnosticJSON]

  init(old: String, new: String, diagnostics: [Diagnostic]) {
    self.old = old
    self.new = new
    self.diagnostics = diagnostics.map(DiagnosticJSON.init)
  }
}
