import ArgumentParser
import Builder
import SpecParser

/// `nsbuild diff OLD NEW`: what a change to a spec changes in the plan, step by step.
struct DiffCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "diff",
    abstract: "Show how the plan changes between two versions of a spec.",
    discussion: """
      Both specs are planned against the same observed state, each for its own [process] args (or `true` when it \
      has none), and their steps are matched by kind and what they act on (a mount's target, a file's path). Each \
      difference is a line: + a step only NEW takes, - a step only OLD takes, ~ a step both take with different \
      calls (shown below it), with the spec lines it comes from. fd numbers are ignored.

      Relative paths in a spec resolve against its folder. A copy of a spec kept elsewhere (`git show \
      HEAD:sandbox.toml > /tmp/old.toml`) gets the right answer with --base naming the folder it is a version of; \
      --git REV reads SPEC's version at REV itself (`git show REV:./SPEC` in SPEC's folder), its paths resolving \
      as SPEC's do.

      Exit status: 0 when both specs plan the same steps, 2 when they differ, 1 on a spec error.

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
    for case let spec? in loaded { terminal.printDiagnostics(spec.check.diagnostics, source: spec.source) }
    guard let oldLoaded = loaded[0], let newLoaded = loaded[1], let oldSpec = oldLoaded.check.spec,
      let newSpec = newLoaded.check.spec
    else {
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
    // One observation for both, so only the specs differ: observed for a spec holding both specs' namespaces and
    // mounts (the observed paths only feed warnings, which are not compared).
    var both = newSpec
    both.namespaces += oldSpec.namespaces.filter { !newSpec.namespaces.contains($0) }
    both.mounts += oldSpec.mounts
    let state = Observer(reader: terminal.kernel).observe(both)
    let diff = PlanDiff(
      old: try plan(oldSpec, loaded: oldLoaded, state: state, terminal: terminal),
      new: try plan(newSpec, loaded: newLoaded, state: state, terminal: terminal))
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
    let check = SpecDecoder.decode(
      source: source, file: old, directory: directory ?? canonical,
      variables: SpecVariablesReader(reader: terminal.kernel).read(folder: directory ?? canonical))
    return .success(LoadedSpec(path: old, source: source, check: check))
  }

  /// A path's folder and last name: `specs/dev.toml` as (`specs`, `dev.toml`), `dev.toml` as (`.`, `dev.toml`).
  static func split(_ path: String) -> (folder: String, name: String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let folder = String(path[..<slash])
    return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
  }

  /// The plan for the spec's own command, or for `true` when it names none, so a spec without args compares too.
  private func plan(_ spec: Spec, loaded: LoadedSpec, state: ObservedState, terminal: Terminal) throws -> Plan {
    let command: [String]? = (spec.process.args?.isEmpty ?? true) ? ["true"] : nil
    do {
      return try Planner(spec: spec, state: state).plan(command: command)
    } catch {
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
}

/// Renders a plan diff for a person: one line per added, removed or changed step, the changed calls under it.
struct DiffTextRenderer {
  let color: Bool
  let old: String
  let new: String

  func render(_ diff: PlanDiff) -> String {
    guard !diff.isEmpty else { return "No changes: the two specs plan the same steps.\n" }
    var out = ""
    var counts = (added: 0, removed: 0, changed: 0)
    for entry in diff.entries {
      switch entry {
      case .added(let step):
        counts.added += 1
        out += line(paint("+", "32"), step, origin: place(step, new))
      case .removed(let step):
        counts.removed += 1
        out += line(paint("-", "31"), step, origin: place(step, old))
      case .changed(let before, let after):
        counts.changed += 1
        let origins = [place(before, old), place(after, new)].compactMap { $0 }
        out += line(paint("~", "33"), after, origin: origins.isEmpty ? nil : origins.joined(separator: " → "))
        for change in PlanDiff.callChanges(old: before, new: after) {
          switch change {
          case .removed(let call): out += "    " + paint("- " + TerminalText.printable(call), "31") + "\n"
          case .added(let call): out += "    " + paint("+ " + TerminalText.printable(call), "32") + "\n"
          }
        }
      }
    }
    let summary = "Diff: \(counts.added) added, \(counts.removed) removed, \(counts.changed) changed"
    return out + "\n" + paint(summary, "1") + "\n"
  }

  private func line(_ symbol: String, _ step: Step, origin: String?) -> String {
    "\(symbol) step \(step.id) \(paint(TerminalText.printable(step.title), "1"))" + (origin.map { "  " + $0 } ?? "")
      + "\n"
  }

  private func place(_ step: Step, _ file: String) -> String? {
    step.origin.map { paint(TerminalText.printable($0.place(in: file)), "36") }
  }

  private func paint(_ text: String, _ code: String) -> String {
    color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
  }
}

/// `diff --format json`: the steps each plan alone takes, the changed pairs with their differing calls, and counts.
struct DiffJSON: Encodable {
  struct Changed: Encodable {
    var old: PlanJSON.StepJSON
    var new: PlanJSON.StepJSON
    var removed_calls: [String]
    var added_calls: [String]
  }

  struct Summary: Encodable {
    var added: Int
    var removed: Int
    var changed: Int
  }

  var format_version = Plan.formatVersion
  var old: String
  var new: String
  var added: [PlanJSON.StepJSON] = []
  var removed: [PlanJSON.StepJSON] = []
  var changed: [Changed] = []
  var summary = Summary(added: 0, removed: 0, changed: 0)

  init(_ diff: PlanDiff, old: String, new: String) {
    self.old = old
    self.new = new
    for entry in diff.entries {
      switch entry {
      case .added(let step): added.append(PlanJSON.step(step, file: new))
      case .removed(let step): removed.append(PlanJSON.step(step, file: old))
      case .changed(let before, let after):
        let calls = PlanDiff.callChanges(old: before, new: after)
        changed.append(
          Changed(
            old: PlanJSON.step(before, file: old), new: PlanJSON.step(after, file: new),
            removed_calls: calls.compactMap { if case .removed(let call) = $0 { call } else { nil } },
            added_calls: calls.compactMap { if case .added(let call) = $0 { call } else { nil } }))
      }
    }
    summary = Summary(added: added.count, removed: removed.count, changed: changed.count)
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
