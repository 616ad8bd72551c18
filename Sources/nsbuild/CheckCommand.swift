import ArgumentParser
import Builder
import FoundationEssentials
import SpecParser

/// `nsbuild check SPEC…`: every problem in each spec at once, like a compiler.
struct CheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Validate specs and report every problem with its line and column.",
    discussion: """
      Checks each spec given, in order (./sandbox.toml when none is given and it exists). A spec another user could \
      change (see `run --help`, --strict-modes) is a warning here.

      Exit status: 0 when no spec has errors (warnings allowed), 1 otherwise.

      The JSON form (format_version \(CheckJSON.formatVersion)) is one object: {"format_version", "specs": [{"spec", \
      "ok", "diagnostics": [{"file", "line", "column", "end", "severity", "code", "message", "hint"}]}]}, one entry \
      per spec in the order given.

      Examples:
        nsbuild check
        nsbuild check sandbox.toml specs/*.toml
        nsbuild check --format json sandbox.toml
        generate-spec | nsbuild check /dev/stdin
      """
  )

  @Option(help: "Output format: text (FILE:LINE:COL: error: …) or json.")
  var format: OutputFormat = .text

  // Unconditional, so `--max-diagnostics -1` reaches validate() and its message rather than "Missing value".
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Show at most this many diagnostics, errors first, then one saying how many more were left out (0: all).",
      valueName: "n"))
  var maxDiagnostics = SpecDecoder.defaultDiagnosticLimit

  @Flag(inversion: .prefixedNo, help: .strictModesWarning)
  var strictModes: Bool?

  @OptionGroup var overrideOptions: OverrideOptions

  @Argument(
    help: ArgumentHelp(
      "The spec files (TOML); default: ./sandbox.toml, when it exists.", valueName: "spec"),
    completion: .specFile)
  var specs: [String] = []

  func validate() throws {
    guard maxDiagnostics >= 0 else {
      throw ValidationError("--max-diagnostics must be 0 (all) or more, not \(maxDiagnostics)")
    }
    if specs.isEmpty { _ = try DefaultSpec.resolve(nil) }
  }

  func run() throws {
    let terminal = Terminal()
    let paths = specs.isEmpty ? [DefaultSpec.path] : specs
    // Every spec is checked even after one fails, as a compiler goes on to the next file.
    var results: [CheckJSON.Entry] = []
    var kept: [LoadedSpec] = []
    for path in paths {
      let (entry, loaded) = try check(path, terminal: terminal)
      results.append(entry)
      if let loaded { kept.append(loaded) }
    }
    if format == .json { terminal.out(try JSONText.encode(CheckJSON(specs: results)) + "\n") }
    // Ends here, with the specs and their TOML trees still alive: freeing them object by object only to exit took
    // about 3 ms of `check` on a spec of 10,000 mounts. Nothing is buffered (Terminal writes with write(2)).
    let failed = results.contains { !$0.ok }
    withExtendedLifetime(kept) { terminal.kernel.exit(failed ? 1 : 0) }
  }

  /// Checks one spec: prints its diagnostics as text, or returns them for the JSON document, with the loaded spec
  /// (nil when it could not be read) for the caller to keep alive.
  private func check(_ spec: String, terminal: Terminal) throws -> (CheckJSON.Entry, LoadedSpec?) {
    let loaded: LoadedSpec
    let modes = StrictModes.given(strictModes, default: .warn)
    switch loadSpec(
      spec, terminal: terminal, strictModes: modes, maxDiagnostics: maxDiagnostics,
      overrides: overrideOptions.overrides)
    {
    case .success(let spec): loaded = spec
    case .failure(let unreadable):
      return (CheckJSON.Entry(spec: spec, ok: false, diagnostics: [unreadable.diagnostic]), nil)
    }
    // The order warnings need the planner's view of the spec, which SpecParser does not have.
    let order = loaded.check.spec.map(Planner.orderWarnings) ?? []
    // Like a hard limit, an ID map saying "caller" is checked against whoever runs `check`, as `plan` checks it.
    let limits =
      loaded.check.spec.map {
        limitDiagnostics($0, reader: terminal.kernel, file: loaded.path)
          + CallerMapRules.check(
            $0, uid: terminal.kernel.realUserID(), gid: terminal.kernel.realGroupID(), file: loaded.path)
      } ?? []
    let diagnostics = loaded.check.adding(
      limits
        + order.compactMap { warning in
          warning.origin.map {
            Diagnostic(.warning, code: "mount-order", message: warning.message, file: loaded.path, range: $0)
          }
        }
    ).diagnostics
    let ok = !loaded.check.hasErrors && limits.isEmpty
    if format == .text {
      terminal.printDiagnostics(diagnostics, source: loaded.source)
      if ok { terminal.err(TerminalText.printable("\(spec): ok") + "\n") }
    }
    return (CheckJSON.Entry(spec: spec, ok: ok, diagnostics: diagnostics), loaded)
  }

  /// Hard limits the command could not get on this host (nsbuild's own limits and capabilities, read from /proc):
  /// errors here, so a spec that `run` would fail on after building the sandbox fails `check` first.
  private func limitDiagnostics(_ spec: Spec, reader: some SystemReader, file: String) -> [Diagnostic] {
    guard !spec.process.rlimits.isEmpty else { return [] }
    var facts = HostFacts()
    HostFactsReader(reader: reader).readLimits(into: &facts)
    return Planner.limitProblems(of: spec, host: facts).compactMap { problem in
      spec.origins[problem.key].map {
        Diagnostic(.error, code: "rlimit-too-high", message: problem.message, file: file, range: $0)
      }
    }
  }
}
