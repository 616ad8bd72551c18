import ArgumentParser
import Builder
import SpecParser

/// Carries out `plan` for `run` and `exec`: refuses it first when `plan` foresaw a failure that stops it (each at its
/// spec position), then starts its chain and ends as the command did. Throws the `ExitCode` to exit with: the
/// command's status, 125 for nsbuild's failures (with the failed step, call, errno and spec line), 126 and 127 for a
/// command that cannot run (see ``ExitStatus``).
func launchPlan(_ plan: Plan, loaded: LoadedSpec, terminal: Terminal, verbose: Bool) throws {
  try refuseForeseenFailures(plan, loaded: loaded, terminal: terminal)
  let trace = stepTrace(plan, verbose: verbose, terminal: terminal)
  switch Launcher(kernel: terminal.kernel, plan: plan, trace: trace).run() {
  case .finished(let status):
    if status.exitCode != 0 { throw ExitCode(status.exitCode) }
  case .failed(let failure):
    FailureReport(plan: plan, loaded: loaded, terminal: terminal).print(failure)
    throw ExitCode(ExitStatus.of(failure, in: plan))
  case .refused(let problem):
    terminal.err("nsbuild: error: \(problem)\n")
    throw ExitCode(ExitStatus.setupFailed)
  case .ready, .started:  // never: only a plan of `up` (or apply's main command) outlives nsbuild
    throw ExitCode(ExitStatus.setupFailed)
  }
}

/// What plan foresees would fail only after the sandbox is built (or cannot work for this caller): refused before
/// anything is made (`run`, `up`).
func refuseForeseenFailures(_ plan: Plan, loaded: LoadedSpec, terminal: Terminal) throws {
  let refusals = plan.warnings.filter(\.stopsRun)
  guard !refusals.isEmpty else { return }
  for refusal in refusals {
    let place = refusal.origin.map { "\($0.place(in: loaded.path)): " } ?? ""
    terminal.err(TerminalText.printable("\(place)error: \(refusal.message)") + "\n")
  }
  throw ExitCode(ExitStatus.setupFailed)
}

/// `--verbose`: each step on stderr as it is taken, numbered as `plan` numbers it.
func stepTrace(_ plan: Plan, verbose: Bool, terminal: Terminal) -> (Step) -> Void {
  guard verbose else { return { _ in } }
  let total = plan.steps.count
  return { step in
    let skipped = step.change.isUnchanged ? " (= already as wanted: skipped)" : ""
    terminal.err("nsbuild: step \(step.id)/\(total) \(TerminalText.printable(step.title))\(skipped)\n")
  }
}
