import Builder
import SpecParser

/// `diff --format json`: the steps each plan alone takes, the pairs that changed or moved with their differing
/// calls, the warnings and host changes only one plan has, and counts. Every field of format version 2 before moves
/// were told apart is kept as it was; a moved step, once a removed and an added one, is now one `changed` entry with
/// `moved_from`.
struct DiffJSON: Encodable {
  /// A step both plans take that differs in its calls, its place in the order, or both.
  struct Changed: Encodable {
    var old: PlanJSON.StepJSON
    var new: PlanJSON.StepJSON
    /// The step's id in the old plan when it moved (its place among the other steps changed); absent otherwise.
    var moved_from: Int?
    var removed_calls: [String]
    var added_calls: [String]
    /// The calls that differ, in order, each marked `-` (only the old step makes it) or `+` (only the new).
    var calls: [CallChange]
  }

  struct CallChange: Encodable {
    var op: String
    var call: String
  }

  /// The warnings only one plan gives (with their origin in that plan's spec), and how many both give.
  struct Warnings: Encodable {
    var added: [PlanJSON.WarningJSON]
    var removed: [PlanJSON.WarningJSON]
    var unchanged: Int
  }

  /// What `run` leaves on the host (`plan`'s `summary.host_changes`) under one plan and not the other.
  struct HostChanges: Encodable {
    var added: [String]
    var removed: [String]
  }

  struct Summary: Encodable {
    var added: Int
    var removed: Int
    /// The `changed` entries, moved ones included.
    var changed: Int
    /// The `changed` entries with `moved_from`.
    var moved: Int
  }

  var format_version = Plan.formatVersion
  var old: String
  var new: String
  var added: [PlanJSON.StepJSON] = []
  var removed: [PlanJSON.StepJSON] = []
  var changed: [Changed] = []
  var warnings: Warnings
  var host_changes: HostChanges
  var summary = Summary(added: 0, removed: 0, changed: 0, moved: 0)

  init(_ diff: PlanDiff, old: String, new: String) {
    self.old = old
    self.new = new
    warnings = Warnings(
      added: diff.warnings.added.map { Self.warning($0, file: new) },
      removed: diff.warnings.removed.map { Self.warning($0, file: old) }, unchanged: diff.warnings.unchanged)
    host_changes = HostChanges(added: diff.hostChanges.added, removed: diff.hostChanges.removed)
    for entry in diff.entries {
      switch entry {
      case .added(let step): added.append(PlanJSON.step(step, file: new))
      case .removed(let step): removed.append(PlanJSON.step(step, file: old))
      case .changed(let before, let after): changed.append(pair(before, after, moved: false))
      case .moved(let before, let after): changed.append(pair(before, after, moved: true))
      }
    }
    summary = Summary(
      added: added.count, removed: removed.count, changed: changed.count,
      moved: changed.filter { $0.moved_from != nil }.count)
  }

  private func pair(_ before: Step, _ after: Step, moved: Bool) -> Changed {
    let calls = PlanDiff.callChanges(old: before, new: after)
    return Changed(
      old: PlanJSON.step(before, file: old), new: PlanJSON.step(after, file: new), moved_from: moved ? before.id : nil,
      removed_calls: calls.compactMap { if case .removed(let call) = $0 { call } else { nil } },
      added_calls: calls.compactMap { if case .added(let call) = $0 { call } else { nil } },
      calls: calls.map { change in
        switch change {
        case .removed(let call): CallChange(op: "-", call: call)
        case .added(let call): CallChange(op: "+", call: call)
        }
      })
  }

  /// A warning as `plan --format json` writes it, its origin in `file`.
  private static func warning(_ warning: PlanWarning, file: String) -> PlanJSON.WarningJSON {
    PlanJSON.WarningJSON(
      message: warning.message, origin: warning.origin.map { PlanJSON.Origin($0, file: file) },
      steps: warning.stepIDs.isEmpty ? nil : warning.stepIDs, stops_run: warning.stopsRun ? true : nil)
  }
}
