import ArgumentParser
import Builder
import SpecParser

/// Loads, checks and plans a spec for `plan` and `run`; prints what stops it and exits with `failureCode`.
func planSpec(_ path: String, command: [String]?, terminal: Terminal, failureCode: Int32) throws -> (LoadedSpec, Plan) {
  guard let loaded = loadSpec(path, terminal: terminal) else { throw ExitCode(failureCode) }
  terminal.printDiagnostics(loaded.check.diagnostics, source: loaded.source)
  guard let spec = loaded.check.spec else { throw ExitCode(failureCode) }
  do {
    let plan = try Planner(spec: spec, state: terminal.kernel.observe()).plan(command: command)
    return (loaded, plan)
  } catch {
    terminal.err("nsbuild: error: \(error)\n")
    throw ExitCode(failureCode)
  }
}
