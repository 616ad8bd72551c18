import SpecParser

extension PlanWarning {
  /// The most warnings a plan shows, as `check` shows at most that many diagnostics by default: a spec of 10,000
  /// mounts with missing sources must not bury its steps under 10,000 lines saying so.
  public static let limit = SpecDecoder.defaultDiagnosticLimit

  /// The first ``limit`` warnings, and one more saying how many were left out, at the first of them.
  static func capped(_ warnings: [PlanWarning]) -> [PlanWarning] {
    guard warnings.count > limit else { return warnings }
    let left = warnings.count - limit
    return Array(warnings.prefix(limit)) + [
      PlanWarning(
        "\(left) more warning\(left == 1 ? "" : "s") not shown (only the first \(limit) are)",
        origin: warnings[limit].origin)
    ]
  }
}
