import Builder
import SpecParser

/// Reports a failed step: which step, which call, the errno by name, the spec line, and a hint where one is known.
struct FailureReport {
  let plan: Plan
  let loaded: LoadedSpec
  let terminal: Terminal

  func print(_ failure: StepFailure) {
    terminal.err(render(failure, color: terminal.colorEnabled(fd: 2)))
  }

  /// `FILE:LINE:COL: error: step N/M TITLE: PATH: CALL(2): ERRNO (text)`, the spec line with a caret, and a hint;
  /// `nsbuild: error: …` for a step that comes from no spec line.
  func render(_ failure: StepFailure, color: Bool = false) -> String {
    guard let step = plan.steps.first(where: { $0.id == failure.stepID }) else {
      return "nsbuild: error: \(TerminalText.printable(failure.error.description))\n"
    }
    let message = "step \(step.id)/\(plan.steps.count) \(step.title): \(failure.error)"
    // The failed call's own spec position: for the step that opens every host path, the entry naming that path.
    guard let origin = step.origin(ofCall: failure.callIndex) else {
      return "nsbuild: error: \(TerminalText.printable(message))\n"
        + (FailureHint(plan: plan).text(step, failure).map { "  = help: \($0)\n" } ?? "")
        + notes(step, indent: "  ")
    }
    let diagnostic = Diagnostic(
      .error, code: "step-failed", message: message, file: loaded.path, range: origin,
      hint: FailureHint(plan: plan).text(step, failure))
    // Aligned under the renderer's `= help:`, which follows a gutter as wide as the line number.
    let indent = String(repeating: " ", count: String(origin.start.line).count + 2)
    return DiagnosticRenderer(color: color).render([diagnostic], source: loaded.source)
      + notes(step, indent: indent, at: origin)
  }

  /// The warnings `plan` gave about this very step (see ``PlanWarning/explains``): the cause it already knew, with
  /// its spec position when that is not the error's own.
  private func notes(_ step: Step, indent: String, at shown: SourceRange? = nil) -> String {
    plan.warnings.filter { $0.stepIDs.contains(step.id) }.map { warning in
      let place =
        warning.origin.flatMap { $0 == shown ? nil : " at \($0.place(in: loaded.path))" } ?? ""
      return indent
        + "= note: plan warned\(TerminalText.printable(place)): \(TerminalText.printable(warning.message))\n"
    }.joined()
  }
}
