import Builder
import SpecParser

/// The warnings `plan` and `run` show of a spec: the spec's own (those `check` shows) and the plan's, each once.
enum ReviewWarnings {
  /// The spec warnings about a command that would be host root. A caller without root cannot run such a spec at
  /// all (`run` refuses it: it needs root), so for that caller they describe nothing that can happen; `check`,
  /// which describes the spec whoever runs it, keeps them.
  static let hostRootCodes: Set<String> = [
    "host-root", "host-signals", "host-devices", "host-sockets", "unmasked", "host-kernel-bind",
  ]

  /// The spec's diagnostics as `plan` and `run` show them for a caller: without the host-root ones when the caller
  /// is not privileged.
  static func specDiagnostics(_ diagnostics: [Diagnostic], privileged: Bool) -> [Diagnostic] {
    privileged ? diagnostics : diagnostics.filter { !hostRootCodes.contains($0.code) }
  }

  /// The plan's warnings that the spec's diagnostics do not already say at the same place (`check`'s mount-order
  /// warnings come from the planner too).
  static func planOnly(_ warnings: [PlanWarning], besides diagnostics: [Diagnostic]) -> [PlanWarning] {
    let said = Set(diagnostics.map { Key(message: $0.message, offset: $0.range.start.offset) })
    return warnings.filter { warning in
      !said.contains(Key(message: warning.message, offset: warning.origin?.start.offset ?? -1))
    }
  }

  /// `plan` with the warnings a review of its spec shows: the spec's own first, at their places, for any caller
  /// (as `check` shows them: what a spec does, whoever runs it), then the plan's that they do not repeat. Not the
  /// StrictModes one, which is about the file rather than what it says (``isAboutTheFile(_:)``).
  static func reviewed(_ plan: Plan, diagnostics: [Diagnostic]) -> Plan {
    let own = diagnostics.filter { $0.severity == .warning && !isAboutTheFile($0) }
    var reviewed = plan
    reviewed.warnings = own.map { PlanWarning($0.message, origin: $0.range) } + planOnly(plan.warnings, besides: own)
    return reviewed
  }

  /// True for the StrictModes warning: someone else could change the spec file (its owner and mode, not its text).
  static func isAboutTheFile(_ diagnostic: Diagnostic) -> Bool { diagnostic.code == "strict-modes" }

  private struct Key: Hashable {
    var message: String
    var offset: Int
  }
}
