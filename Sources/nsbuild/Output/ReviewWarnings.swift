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

  private struct Key: Hashable {
    var message: String
    var offset: Int
  }
}
