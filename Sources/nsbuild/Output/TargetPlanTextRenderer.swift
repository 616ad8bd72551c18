import Builder
import SpecParser

/// Renders `plan SPEC --target NAME` for a person: every step of the spec's plan with its mark against the live
/// sandbox, under each the steps `apply` takes for it (or what forces a replacement), then the drift, apart, and a
/// Terraform-like summary line.
struct TargetPlanTextRenderer {
  let color: Bool
  let file: String

  func render(_ plan: TargetPlan) -> String {
    let actorWidth = plan.entries.map(\.step.actor.rawValue.count).max() ?? 0
    var out =
      "Target: sandbox \(plan.name), init pid \(plan.target.pid) (start time \(plan.target.startTime)); "
      + "marked against what stands in it and the plan last applied\n\n"
    for entry in plan.entries { out += render(entry, actorWidth: actorWidth) }
    if let replaced = plan.mainCommand { out += render(replaced) }
    out += "\n" + driftSection(plan.drift)
    for reason in plan.unread { out += paint("not read:", "35") + " \(shown(reason))\n" }
    out +=
      "\nLegend: = already so  ~ change in place  + add  - remove  -/+ replace"
      + (plan.blockers.isEmpty ? "" : "  ! in the way (apply refuses)") + "\n"
    out += paint("Plan: \(shown(plan.summary)).", "1") + "\n"
    return out
  }

  private func render(_ entry: TargetPlan.Entry, actorWidth: Int) -> String {
    let symbol = entry.action.symbol
    let padded = symbol + String(repeating: " ", count: 3 - symbol.count)
    let actor = entry.step.actor.rawValue
    var line =
      "\(paint(padded, colorCode(entry.action))) \(actor)\(String(repeating: " ", count: actorWidth - actor.count))  "
      + shown(entry.step.title)
    // The values read from the sandbox, where the step names one (its hostname, domain name).
    if [.hostname, .domainname].contains(entry.step.kind), case .modify(let before, let after) = entry.step.change {
      line += "  (sandbox: \(shown(before)) → \(shown(after)))"
    }
    // An item removed comes from the applied plan: its spec line is in the spec as it was then, not in this file.
    if let origin = entry.step.origin, entry.action != .remove {
      line += "  " + paint(shown(origin.place(in: file)), "36")
    }
    var out = line + "\n"
    let indent = String(repeating: " ", count: 6)
    if case .replace(let replacement) = entry.action {
      out += indent + "forced by \(replacement.cause.rawValue): \(shown(replacement.description))\n"
      if replacement.scope == .sandbox { out += indent + "replaces the whole sandbox (apply --replace)\n" }
    }
    if case .blocked(let reason) = entry.action { out += indent + "blocked: \(shown(reason))\n" }
    if let drift = entry.restores { out += indent + "restores drift: \(shown(drift.description))\n" }
    if let note = entry.note { out += indent + "note: \(shown(note))\n" }
    for (index, step) in entry.apply.enumerated() {
      out += applied(step, indent: indent)
      // What a failed apply takes back, newest first: the sandbox is left as it was.
      let undo = entry.undo.indices.contains(index) ? entry.undo[index] : []
      out +=
        indent + "  undo: "
        + (undo.isEmpty ? "nothing to take back" : undo.map { shown($0.title) }.joined(separator: "; ")) + "\n"
    }
    return out
  }

  /// The `-/+` of the main command: nsbuild's steps that end it, then the keeper chain's, each with its calls,
  /// actor and spec line, as `plan` shows exec's chain; nothing to take back once the old command ended.
  private func render(_ replaced: MainCommandSteps) -> String {
    let indent = String(repeating: " ", count: 6)
    var out =
      paint("-/+", colorCode(.replace(Replacement(.process)))) + " main command replaced: "
      + "processes \(shown(replaced.chain.chainSummary))\n"
    out += indent + "undo: nothing to take back once the old command ended; a failure leaves no main command\n"
    for step in replaced.steps { out += applied(step, indent: indent, origin: true) }
    return out
  }

  /// `apply N actor: title`, with `file:line:col` when `origin`, its calls and why.
  private func applied(_ step: Step, indent: String, origin: Bool = false) -> String {
    var line = indent + paint("apply \(step.id) \(step.actor.rawValue): \(shown(step.title))", "1")
    if origin, let origin = step.origin {
      line += "  " + paint(shown(origin.place(in: file)), "36")
    }
    var out = line + "\n"
    for call in step.calls { out += indent + "  " + paint(shown(call.description), "2") + "\n" }
    if let reason = step.reason { out += indent + "  why: \(shown(reason))\n" }
    return out
  }

  private func driftSection(_ drift: [Drift]) -> String {
    guard !drift.isEmpty else { return "Drift: none (the sandbox stands as the plan last applied made it)\n" }
    var out = "Drift (changed inside since the last up or apply, not by the spec):\n"
    for item in drift {
      let fix =
        !item.restorable
        ? "only replacing the sandbox brings it back"
        : item.applied == "absent" ? "apply takes it away" : "apply brings it back"
      out += "  " + paint("!", "35") + " \(shown(item.description)) (\(fix))\n"
    }
    return out
  }

  private func colorCode(_ action: TargetAction) -> String {
    switch action {
    case .unchanged: "2"
    case .inPlace: "33"
    case .add: "32"
    case .remove: "31"
    case .replace: "1;31"
    case .blocked: "31"
    }
  }

  private func shown(_ text: String) -> String { TerminalText.printable(text) }

  private func paint(_ text: String, _ code: String) -> String {
    color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
  }
}
