import ArgumentParser
import Builder
import SpecParser

/// Loads, checks and plans a spec for `plan` and `run`; prints what stops it and exits with `failureCode`.
/// With `json`, a spec that cannot be planned prints `{"format_version", "spec", "diagnostics"}` on stdout too.
func planSpec(
  _ path: String, command: [String]?, terminal: Terminal, failureCode: Int32, json: Bool = false
) throws -> (LoadedSpec, Plan) {
  guard let loaded = loadSpec(path, terminal: terminal) else {
    if json { terminal.out(try JSONText.encode(PlanErrorJSON(spec: path, diagnostics: [unreadable(path)])) + "\n") }
    throw ExitCode(failureCode)
  }
  terminal.printDiagnostics(loaded.check.diagnostics, source: loaded.source)
  guard let spec = loaded.check.spec else {
    if json {
      terminal.out(try JSONText.encode(PlanErrorJSON(spec: path, diagnostics: loaded.check.diagnostics)) + "\n")
    }
    throw ExitCode(failureCode)
  }
  do {
    let state = terminal.kernel.observe(for: spec)
    let plan = try Planner(spec: spec, state: state).plan(command: command)
    return (loaded, plan)
  } catch {
    terminal.err("nsbuild: error: \(error)\n")
    throw ExitCode(failureCode)
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
