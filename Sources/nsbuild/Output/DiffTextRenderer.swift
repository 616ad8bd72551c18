import Builder
import SpecParser

/// Renders a plan diff for a person: one line per added, removed, changed or moved step, the calls of an added step
/// and the differing calls of a changed one under it; then the warnings and host changes only one spec has.
struct DiffTextRenderer {
  let color: Bool
  let old: String
  let new: String

  func render(_ diff: PlanDiff) -> String {
    guard !diff.isEmpty else {
      return "No changes: the two specs plan the same steps, with the same warnings and host changes.\n"
    }
    var out = ""
    for entry in diff.entries { out += lines(entry) }
    for warning in diff.warnings.removed { out += warningLine(paint("-", "31"), warning, file: old) }
    for warning in diff.warnings.added { out += warningLine(paint("+", "32"), warning, file: new) }
    for change in diff.hostChanges.removed { out += paint("-", "31") + " left on the host: \(shown(change))\n" }
    for change in diff.hostChanges.added { out += paint("+", "32") + " left on the host: \(shown(change))\n" }
    return out + "\n" + paint(summary(diff), "1") + "\n"
  }

  /// The lines of one step entry: its header, then its calls (`+` for an added step's, `-`/`+` for those that
  /// differ in a changed or moved one; a removed step is its header alone).
  private func lines(_ entry: PlanDiff.Entry) -> String {
    switch entry {
    case .added(let step):
      return line(paint("+", "32"), step, origin: place(step, new))
        + step.calls.map { callLine(.added($0.description)) }.joined()
    case .removed(let step):
      return line(paint("-", "31"), step, origin: place(step, old))
    case .changed(let before, let after):
      return line(paint("~", "33"), after, origin: places(before, after))
        + PlanDiff.callChanges(old: before, new: after).map(callLine).joined()
    case .moved(let before, let after):
      return line(
        paint("↕", "33"), after, note: "moved from step \(before.id) to \(after.id)", origin: places(before, after))
        + PlanDiff.callChanges(old: before, new: after).map(callLine).joined()
    }
  }

  /// Counts of each kind of difference; the warnings and host changes only when some differ.
  private func summary(_ diff: PlanDiff) -> String {
    var counts = (added: 0, removed: 0, changed: 0, moved: 0)
    for entry in diff.entries {
      switch entry {
      case .added: counts.added += 1
      case .removed: counts.removed += 1
      case .changed: counts.changed += 1
      case .moved: counts.moved += 1
      }
    }
    var summary = "Diff: \(counts.added) added, \(counts.removed) removed, \(counts.changed + counts.moved) changed"
    if counts.moved > 0 { summary += " (\(counts.moved) moved)" }
    if !diff.warnings.isEmpty {
      summary +=
        "; warnings: \(diff.warnings.added.count) added, \(diff.warnings.removed.count) removed, "
        + "\(diff.warnings.unchanged) unchanged"
    }
    if !diff.hostChanges.isEmpty {
      summary +=
        "; left on the host: \(diff.hostChanges.added.count) added, \(diff.hostChanges.removed.count) removed"
    }
    return summary
  }

  private func line(_ symbol: String, _ step: Step, note: String? = nil, origin: String?) -> String {
    "\(symbol) step \(step.id) \(paint(shown(step.title), "1"))" + (note.map { "  " + $0 } ?? "")
      + (origin.map { "  " + $0 } ?? "") + "\n"
  }

  private func callLine(_ change: PlanDiff.CallChange) -> String {
    switch change {
    case .removed(let call): "    " + paint("- " + shown(call), "31") + "\n"
    case .added(let call): "    " + paint("+ " + shown(call), "32") + "\n"
    }
  }

  private func warningLine(_ symbol: String, _ warning: PlanWarning, file: String) -> String {
    let place = warning.origin.map { "  " + paint(shown($0.place(in: file)), "36") } ?? ""
    return "\(symbol) \(paint("warning:", "1;35")) \(shown(warning.message))\(place)\n"
  }

  /// Where a matched pair comes from in each spec: `old:L:C → new:L:C`, or the one side that has a place.
  private func places(_ before: Step, _ after: Step) -> String? {
    let origins = [place(before, old), place(after, new)].compactMap { $0 }
    return origins.isEmpty ? nil : origins.joined(separator: " → ")
  }

  private func place(_ step: Step, _ file: String) -> String? {
    step.origin.map { paint(shown($0.place(in: file)), "36") }
  }

  /// Spec text as it may reach a terminal (see ``TerminalText/printable(_:)``).
  private func shown(_ text: String) -> String { TerminalText.printable(text) }

  private func paint(_ text: String, _ code: String) -> String {
    color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
  }
}
