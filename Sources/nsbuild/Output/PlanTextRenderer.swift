import Builder
import SpecParser

/// Renders a plan for a person: one block per step, aligned, with a legend and a summary line.
struct PlanTextRenderer {
  let color: Bool
  let file: String

  /// - Parameters:
  ///   - specWarnings: the spec's own warnings, shown after the steps with their source lines (from `source`), as
  ///     `check` shows them; a plan warning saying the same at the same place is not shown again.
  ///   - substitutions: the spec's values with a `${NAME}` replaced, listed first, each with its place, so the
  ///     review shows what this machine made of a portable spec.
  func render(
    _ plan: Plan, specWarnings: [Diagnostic] = [], source: [UInt8] = [], substitutions: [SpecSubstitution] = []
  ) -> String {
    var text = ""
    render(plan, specWarnings: specWarnings, source: source, substitutions: substitutions) { text += $0 }
    return text
  }

  /// How much text ``render(_:specWarnings:source:substitutions:to:)`` gathers before it hands it on (bytes).
  static let chunkBytes = 1 << 16

  /// The same text as ``render(_:specWarnings:source:substitutions:)``, handed to `emit` in pieces of about
  /// ``chunkBytes``, in order: the plan of 100,000 mounts is some 80 MB of text, never held whole.
  func render(
    _ plan: Plan, specWarnings: [Diagnostic] = [], source: [UInt8] = [], substitutions: [SpecSubstitution] = [],
    to emit: (String) -> Void
  ) {
    let actorWidth = plan.steps.map(\.actor.rawValue.count).max() ?? 0
    let idWidth = String(plan.steps.count).count
    var out = ""
    out.reserveCapacity(Self.chunkBytes + 4096)
    if !substitutions.isEmpty {
      out += "Substituted:\n"
      for substitution in substitutions {
        out +=
          "  " + paint(place(substitution.range), "36") + "  "
          + shown("\(substitution.written) → \(substitution.resolved)") + "\n"
      }
      out += "\n"
    }
    let indent = String(repeating: " " as Character, count: idWidth + actorWidth + 6)
    for step in plan.steps {
      out += header(step, idWidth: idWidth, actorWidth: actorWidth)
      for operation in step.operations {
        // Appended piece by piece: no string per line to copy again.
        out += indent
        out += paint(shown(operation.call.description), "2")
        out += "\n"
      }
      if let reason = step.reason { out += indent + "why: \(shown(reason))\n" }
      if out.utf8.count >= Self.chunkBytes {
        emit(out)
        out.removeAll(keepingCapacity: true)
      }
    }
    out += DiagnosticRenderer(color: color).render(specWarnings, source: source)
    for warning in ReviewWarnings.planOnly(plan.warnings, besides: specWarnings) {
      let place = warning.origin.map { self.place($0) + ": " } ?? ""
      out += place + paint("warning:", "1;35") + " \(shown(warning.message))\n"
    }
    // Which process forks which, and what they hand each other: the chain `run` starts, as data.
    if !plan.processes.isEmpty { out += "\nProcesses: \(plan.chainSummary)\n" }
    let unchanged = plan.steps.filter(\.change.isUnchanged).count
    let conflict = plan.steps.contains { $0.change.symbol == "!" }
    out +=
      "\nLegend: + create  ~ change in place  = already as wanted (skipped)"
      + (conflict ? "  ! in the way (run refuses)" : "") + "\n"
    let host =
      plan.hostChanges.isEmpty
      ? "nothing left on the host" : "left on the host: " + shown(Self.named(plan.hostChanges))
    out += paint("Plan: \(plan.steps.count) steps, \(unchanged) unchanged; \(host)", "1") + "\n"
    emit(out)
  }

  /// How many host changes the summary line names before it counts the rest (`plan --format json` lists them all).
  static let namedHostChanges = 10

  /// The first ``namedHostChanges`` changes, then "and N more", so a spec of many files keeps a one-line summary.
  static func named(_ changes: [String]) -> String {
    let named = changes.prefix(namedHostChanges).joined(separator: ", ")
    return changes.count > namedHostChanges ? "\(named) and \(changes.count - namedHostChanges) more" : named
  }

  private func header(_ step: Step, idWidth: Int, actorWidth: Int) -> String {
    let number = String(step.id)
    let id = String(repeating: " " as Character, count: idWidth - number.utf8.count) + number
    let actor =
      step.actor.rawValue + String(repeating: " " as Character, count: actorWidth - step.actor.rawValue.utf8.count)
    var line = "\(id) \(symbol(step.change)) \(actor)  \(paint(shown(step.title), "1"))"
    switch step.change {
    case .modify(let before, let after):
      // The "before" of a uts step is read from this host; say so, so a reviewer knows it differs elsewhere.
      let host = [.hostname, .domainname, .unshare].contains(step.kind) ? "host: " : ""
      line += "  (\(host)\(shown(before)) → \(shown(after)))"
    case .unchanged(let value): line += "  (already \(shown(value)))"
    case .conflict(let before, let after):
      line += "  (\(shown(before)) is in the way of a \(shown(after)): run refuses to replace it)"
    case .create: break
    }
    if let origin = step.origin { line += "  " + paint(place(origin), "36") }
    return line + "\n"
  }

  private func symbol(_ change: Change) -> String {
    switch change {
    case .create: paint("+", "32")
    case .modify: paint("~", "33")
    case .unchanged: paint("=", "2")
    case .conflict: paint("!", "31")
    }
  }

  /// `FILE:LINE:COL` of a place in the spec.
  private func place(_ range: SourceRange) -> String {
    shown(range.place(in: file))
  }

  /// Spec text as it may reach a terminal (see ``TerminalText/printable(_:)``).
  private func shown(_ text: String) -> String { TerminalText.printable(text) }

  private func paint(_ text: String, _ code: String) -> String {
    color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
  }
}
