import ArgumentParser
import Builder
import SpecParser

/// Loads, checks and plans a spec for `plan`, `run` and `exec` (whose live sandbox `target` reads once the spec is
/// known good); prints what stops it and exits with `failureCode`.
/// A spec another user could change is refused unless `strictModes` says to warn. With `json`, a spec that cannot be planned prints `{"format_version", "spec", "diagnostics"}` on stdout too.
///
/// The spec's warnings go to stderr at once only when `printWarnings` (`run`); `plan` prints them with the plan, so
/// the review is in one place, and gets them back in `loaded.check.diagnostics`, without the host-root ones when
/// the caller is not root (see ``ReviewWarnings/specDiagnostics(_:privileged:)``). A plan that cannot be made
/// prints them on stderr before its error either way.
func planSpec(
  _ path: String, command: [String]?, terminal: Terminal, failureCode: Int32, json: Bool = false,
  strictModes: StrictModes = .refuse, maxDiagnostics: Int = SpecDecoder.defaultDiagnosticLimit,
  printWarnings: Bool = true, into target: (SpecCheck) throws -> LiveTarget? = { _ in nil },
  up: LiveLaunch? = nil, overrides: [SpecOverride] = [], tty: Bool = false
) throws -> (LoadedSpec, Plan) {
  let loaded: LoadedSpec
  switch loadSpec(
    path, terminal: terminal, strictModes: strictModes, maxDiagnostics: maxDiagnostics, overrides: overrides)
  {
  case .success(let spec): loaded = spec
  case .failure(let unreadable):
    if json {
      terminal.out(try JSONText.encode(PlanErrorJSON(spec: path, diagnostics: [unreadable.diagnostic])) + "\n")
    }
    throw ExitCode(failureCode)
  }
  return try planLoadedSpec(
    loaded, command: command, terminal: terminal, failureCode: failureCode, json: json,
    printWarnings: printWarnings, into: target, up: up, tty: tty)
}

/// ``planSpec(_:command:terminal:failureCode:json:strictModes:maxDiagnostics:printWarnings:into:up:)`` for a spec
/// already loaded (`exec`'s, which may be the text its sandbox's record keeps).
func planLoadedSpec(
  _ loaded: LoadedSpec, command: [String]?, terminal: Terminal, failureCode: Int32, json: Bool = false,
  printWarnings: Bool = true, into target: (SpecCheck) throws -> LiveTarget? = { _ in nil }, up: LiveLaunch? = nil,
  tty: Bool = false
) throws -> (LoadedSpec, Plan) {
  let path = loaded.path
  guard var spec = loaded.check.spec else {
    terminal.printDiagnostics(loaded.check.diagnostics, source: loaded.source)
    if json {
      terminal.out(try JSONText.encode(PlanErrorJSON(spec: path, diagnostics: loaded.check.diagnostics)) + "\n")
    }
    throw ExitCode(failureCode)
  }
  // `-t` asks for what `[process] terminal = true` does.
  if tty { spec.process.terminal = true }
  let state = Observer(reader: terminal.kernel).observe(spec)
  var shown = loaded
  // A caller without root that holds CAP_SYS_ADMIN (ambient or file capabilities) can still run such a spec: only a
  // caller known to lack it is spared the host-root warnings.
  let canRun = state.isPrivileged || (state.host.effectiveCapabilities.map { $0 & (1 << 21) != 0 } ?? true)
  shown.check.diagnostics = ReviewWarnings.specDiagnostics(loaded.check.diagnostics, privileged: canRun)
  if printWarnings { terminal.printDiagnostics(shown.check.diagnostics, source: loaded.source) }
  let live = try target(loaded.check)
  do {
    let planner = Planner(spec: spec, state: state)
    if let live {
      // `exec` gets a terminal from `exec -t` only: a spec's `terminal = true` is its main command's.
      return (shown, try planner.execPlan(into: live, command: command, terminal: tty))
    }
    return (shown, try planner.plan(command: command, live: up))
  } catch {
    if !printWarnings { terminal.printDiagnostics(shown.check.diagnostics, source: loaded.source) }
    // Limits come from spec keys: shown at their place with a caret, as `check` shows them.
    let located = limitDiagnostics(error, path: path, origins: spec.origins)
    if located.isEmpty {
      // One problem a line (rlimits list several); each line shown as printable text.
      let lines = "nsbuild: error: \(error)".split(separator: "\n", omittingEmptySubsequences: false)
      terminal.err(lines.map { TerminalText.printable(String($0)) }.joined(separator: "\n") + "\n")
    } else {
      terminal.printDiagnostics(located, source: loaded.source)
    }
    if json {
      let diagnostics = located.isEmpty ? [planDiagnostic(error, path: path, origins: spec.origins)] : located
      terminal.out(try JSONText.encode(PlanErrorJSON(spec: path, diagnostics: diagnostics)) + "\n")
    }
    throw ExitCode(failureCode)
  }
}

/// One diagnostic per resource limit the host cannot give, at its spec key, or per ID-map line that conflicts once
/// "caller" is known; none for other errors, or when a key has no known place.
func limitDiagnostics(_ error: PlanError, path: String, origins: SpecOrigins) -> [Diagnostic] {
  if case .callerMaps(let problems) = error {
    return problems.map {
      var diagnostic = $0
      diagnostic.file = path
      return diagnostic
    }
  }
  guard case .limits(let problems) = error else { return [] }
  let located = problems.compactMap { problem in
    origins[problem.key].map {
      Diagnostic(.error, code: "rlimit-too-high", message: problem.message, file: path, range: $0)
    }
  }
  return located.count == problems.count ? located : []
}

/// A planning error as a diagnostic for the JSON output, at the spec line it comes from (line 1 when none).
private func planDiagnostic(_ error: PlanError, path: String, origins: SpecOrigins) -> Diagnostic {
  let start = SourceRange(at: SourceLocation(line: 1, column: 1, offset: 0))
  switch error {
  case .noCommand:
    return Diagnostic(
      .error, code: "no-command", message: error.description, file: path, range: origins["process.args"] ?? start)
  case .cannotMap:
    return Diagnostic(
      .error, code: "cannot-map", message: error.description, file: path,
      range: origins["user.uid_map"] ?? origins["namespaces.unshare"] ?? start)
  case .cannotSetGroups:
    return Diagnostic(
      .error, code: "cannot-set-groups", message: error.description, file: path,
      range: origins["process.groups"] ?? start)
  case .networkUnavailable:
    return Diagnostic(
      .error, code: "network-unavailable", message: error.description, file: path,
      range: origins["net.veth[0]"] ?? origins["net.pasta"] ?? start)
  case .callerMaps(let problems):
    return Diagnostic(
      .error, code: "map-overlap", message: error.description, file: path,
      range: problems.first?.range ?? origins["user.uid_map"] ?? start)
  case .limits(let problems):
    return Diagnostic(
      .error, code: "rlimit-too-high", message: error.description, file: path,
      range: problems.first.flatMap { origins[$0.key] } ?? origins["process.rlimits"] ?? start)
  }
}

/// What `plan --format json` prints when there is no plan: the same version field, and the diagnostics.
struct PlanErrorJSON: Encodable {
  var format_version = Plan.formatVersion
  var spec: String
  var diagnostics: [DiagnosticJSON]

  init(spec: String, diagnostics: [Diagnostic]) {
    self.spec = spec
    self.diagnostics = diagnostics.map(DiagnosticJSON.init)
  }
}
