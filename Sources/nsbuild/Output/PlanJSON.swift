import Builder
import SpecParser

/// `plan --format json`: a versioned document. `format_version` changes on any incompatible change.
struct PlanJSON: Encodable {
  struct Origin: Encodable {
    var file: String
    var line: Int
    var column: Int

    /// `file` is "command line" for a value an override gave (``SourceRange/argument``).
    init(_ range: SourceRange, file: String) {
      self.file = range.argument == nil ? file : "command line"
      line = range.start.line
      column = range.start.column
    }
  }

  struct ChangeJSON: Encodable {
    /// `+`, `~` or `=`.
    var op: String
    var before: String?
    var after: String?
    /// True when `before` was read from this host (a hostname, say), so the value differs between machines.
    var host_specific: Bool?
  }

  struct StepJSON: Encodable {
    var id: Int
    var kind: String
    var actor: String
    var title: String
    /// What the step acts on.
    var subject: SubjectJSON
    /// Each call as C would write it.
    var calls: [String]
    /// The same calls, in the same order, as data, each with its spec position.
    var operations: [CallJSON]
    var change: ChangeJSON
    var reason: String?
    var origin: Origin?
    /// `plan --target` only: what apply does about the step (``TargetAction/name``).
    var action: String?
    /// `plan --target` only: what forces a `replace`, why, and the man page.
    var forced_by: ForcedByJSON?
    /// `plan --target` only: the ids of the steps of `target.apply` taken for this one.
    var apply: [Int]?
    /// `plan --target` only: the drift this step brings back.
    var restores: DriftJSON?
    var note: String?
    /// `plan --target` only, true or absent: a `[process]` change of a sandbox without a main command, which only
    /// the next `exec` gets (``TargetPlan/Entry/forNextExec``).
    var next_exec: Bool?
  }

  struct Summary: Encodable {
    var steps: Int
    var unchanged: Int
    var changes: Int
    /// What run leaves changed on the host's file system (see `Plan.hostChanges`).
    var host_changes: [String]
    /// `plan --target` only: Terraform's counts (see ``TargetPlan/summary``).
    var to_add: Int?
    var to_change: Int?
    var to_remove: Int?
  }

  /// What forces a replacement (``Replacement``).
  struct ForcedByJSON: Encodable {
    var cause: String
    var scope: String
    var reason: String
    var man_page: String

    init(_ replacement: Replacement) {
      cause = replacement.cause.rawValue
      scope = replacement.scope.rawValue
      reason = replacement.reason
      man_page = replacement.manPage
    }
  }

  /// One ``Drift``.
  struct DriftJSON: Encodable {
    var kind: String
    var subject: SubjectJSON
    var name: String
    var applied: String
    var live: String
    var restorable: Bool

    init(_ drift: Drift) {
      kind = drift.kind.rawValue
      subject = SubjectJSON(subject: drift.subject)
      name = DriftReport.name(of: drift.subject, kind: drift.kind)
      applied = drift.applied
      live = drift.live
      restorable = drift.restorable
    }
  }

  /// `plan --target`: the live sandbox the steps are marked against, its drift and the steps apply takes.
  struct TargetJSON: Encodable {
    var name: String
    var pid: Int32
    var start_time: UInt64
    /// True when only a new sandbox makes the spec's changes (`apply --replace`).
    var replace_sandbox: Bool
    var replaced_because: [ForcedByJSON]
    var summary: String
    var drift: [DriftJSON]
    var apply: [StepJSON]
    /// What a failed apply takes back, newest first: the undo steps of each step in `apply`, each with the id of the
    /// step it takes back (``TargetPlan/Entry/undo``).
    var undo: [StepJSON]
    var unread: [String]
    /// What stands in the way of the `blocked` steps (``TargetPlan/blockers``); absent when nothing does. `apply`
    /// refuses while it is present.
    var blocked: [String]?
    /// The `-/+` of the main command (``TargetPlan/mainCommand``), when `[process]` changed and the sandbox has
    /// one; absent otherwise. Its steps are the last of `apply`.
    var main_command: MainCommandJSON?
  }

  /// The steps that replace a live sandbox's main command: nsbuild's, then the keeper chain's, whose processes and
  /// hand-offs are given as for exec's chain.
  struct MainCommandJSON: Encodable {
    /// The ids, in `target.apply`, of nsbuild's steps that end the old command.
    var ending: [Int]
    /// The ids, in `target.apply`, of the keeper chain's steps that start the new one.
    var chain: [Int]
    var processes: [ProcessJSON]
    var handoffs: [HandoffJSON]
  }

  /// One process of the chain `run` starts (``Plan/processes``), in the order they are forked.
  struct ProcessJSON: Encodable {
    var role: String
    /// The id of the fork step that makes it; absent for nsbuild.
    var forked_by: Int?
    /// The role of the process that forks it; absent for nsbuild.
    var parent: String?
    /// How it tells that its parent is gone: `getppid` or `lifeline`.
    var watches_parent: String
  }

  /// What one process gives another (``Plan/handoffs``).
  struct HandoffJSON: Encodable {
    var kind: String
    var from: String
    var to: String
  }

  var format_version = Plan.formatVersion
  var spec: String
  var steps: [StepJSON]
  var processes: [ProcessJSON]
  var handoffs: [HandoffJSON]
  var summary: Summary
  var warnings: [WarningJSON]
  /// `plan --target` only.
  var target: TargetJSON?
  /// The spec's values with a `${NAME}` replaced; absent when none.
  var substitutions: [SubstitutionJSON]?

  struct SubstitutionJSON: Encodable {
    /// As written: `${HOME}/src`.
    var written: String
    /// As replaced, before a path is made absolute: `/root/src`.
    var resolved: String
    var origin: Origin
  }

  struct WarningJSON: Encodable {
    var message: String
    var origin: Origin?
    /// The steps whose failure it foresees; absent when none.
    var steps: [Int]?
    /// Present (true) when `run` refuses the spec for this reason before making anything.
    var stops_run: Bool?
    /// How to fix it, when the warning suggests a fix (the spec's own warnings: `check`'s `help:` line).
    var hint: String?
  }

  /// - Parameter specWarnings: the spec's own warnings (from `check`, and the StrictModes one), listed first.
  /// - Parameter withSteps: false to leave `steps` empty, for ``write(_:file:specWarnings:substitutions:to:)``,
  ///   which writes them one at a time.
  init(
    _ plan: Plan, file: String, specWarnings: [Diagnostic] = [], substitutions: [SpecSubstitution] = [],
    withSteps: Bool = true
  ) {
    spec = file
    self.substitutions =
      substitutions.isEmpty
      ? nil
      : substitutions.map {
        SubstitutionJSON(written: $0.written, resolved: $0.resolved, origin: Origin($0.range, file: file))
      }
    let encoder = JSONNodeEncoder(snakeCaseKeys: true)
    steps = withSteps ? plan.steps.map { Self.step($0, file: file, encoder: encoder) } : []
    processes = Self.processes(plan)
    handoffs = Self.handoffs(plan)
    let unchanged = plan.steps.filter(\.change.isUnchanged).count
    summary = Summary(
      steps: plan.steps.count, unchanged: unchanged, changes: plan.steps.count - unchanged,
      host_changes: plan.hostChanges)
    warnings =
      specWarnings.map { Self.warning($0, file: file) }
      + ReviewWarnings.planOnly(plan.warnings, besides: specWarnings).map { warning in
        WarningJSON(
          message: warning.message,
          origin: warning.origin.map { Origin($0, file: file) },
          steps: warning.stepIDs.isEmpty ? nil : warning.stepIDs,
          stops_run: warning.stopsRun ? true : nil)
      }
  }

  /// One of the spec's own warnings. The StrictModes one is about the file, not a place in it: no origin.
  static func warning(_ diagnostic: Diagnostic, file: String) -> WarningJSON {
    let start = diagnostic.range.start
    return WarningJSON(
      message: diagnostic.message,
      origin: diagnostic.code == "strict-modes" ? nil : Origin(SourceRange(at: start), file: file),
      hint: diagnostic.hint)
  }

  /// One step as `plan --format json` writes it, its origin in `file`.
  /// - Parameter encoder: converts the calls' and subject's keys to snake_case (see ``TaggedJSON``).
  static func step(
    _ step: Step, file: String, encoder: JSONNodeEncoder = JSONNodeEncoder(snakeCaseKeys: true)
  ) -> StepJSON {
    StepJSON(
      id: step.id, kind: step.kind.rawValue, actor: step.actor.rawValue, title: step.title,
      subject: SubjectJSON(subject: step.subject, encoder: encoder), calls: step.calls.map(\.description),
      operations: step.operations.map { CallJSON(operation: $0, file: file, encoder: encoder) }, change: change(step),
      reason: step.reason, origin: step.origin.map { Origin($0, file: file) })
  }

  private static func processes(_ plan: Plan) -> [ProcessJSON] {
    plan.processes.map { process in
      ProcessJSON(
        role: process.role.rawValue, forked_by: process.forkedBy, parent: process.parent?.rawValue,
        watches_parent: process.watchesParent.rawValue)
    }
  }

  private static func handoffs(_ plan: Plan) -> [HandoffJSON] {
    plan.handoffs.map { HandoffJSON(kind: $0.kind.rawValue, from: $0.from.rawValue, to: $0.to.rawValue) }
  }

  /// `plan --target`: the entries' steps (an item removed is the applied plan's step, with its id there), each with
  /// its action, and the live sandbox's section.
  init(
    _ plan: Plan, target: TargetPlan, file: String, specWarnings: [Diagnostic] = [],
    substitutions: [SpecSubstitution] = []
  ) {
    self.init(plan, file: file, specWarnings: specWarnings, substitutions: substitutions, withSteps: false)
    let encoder = JSONNodeEncoder(snakeCaseKeys: true)
    steps = target.entries.map { entry in
      var json = Self.step(entry.step, file: file, encoder: encoder)
      json.action = entry.action.name
      // An item removed is the applied plan's step: its line was in the spec as it was then, not in this file.
      if entry.action == .remove { json.origin = nil }
      if case .replace(let replacement) = entry.action { json.forced_by = ForcedByJSON(replacement) }
      json.apply = entry.apply.isEmpty ? nil : entry.apply.map(\.id)
      json.restores = entry.restores.map(DriftJSON.init)
      json.note = entry.note
      json.next_exec = entry.forNextExec ? true : nil
      return json
    }
    // Counted against the sandbox, as the steps are marked, not against the host the plain plan is compared with.
    let unchanged = target.entries.filter { $0.action == .unchanged }.count
    (summary.steps, summary.unchanged) = (target.entries.count, unchanged)
    summary.changes = target.entries.count - unchanged
    summary.to_add = target.toAdd
    summary.to_change = target.toChange
    summary.to_remove = target.toRemove
    self.target = TargetJSON(
      name: target.name.rawValue, pid: target.target.pid, start_time: target.target.startTime,
      replace_sandbox: !target.sandboxReplacements.isEmpty,
      replaced_because: target.sandboxReplacements.map(ForcedByJSON.init), summary: target.summary,
      drift: target.drift.map(DriftJSON.init),
      apply: target.applySteps.map { Self.step($0, file: file, encoder: encoder) },
      undo: target.entries.flatMap(\.undo).flatMap { $0 }.map { Self.step($0, file: file, encoder: encoder) },
      unread: target.unread,
      blocked: target.blockers.isEmpty ? nil : target.blockers,
      main_command: target.mainCommand.map { replaced in
        MainCommandJSON(
          ending: replaced.ending.map(\.id), chain: replaced.chain.steps.map(\.id),
          processes: Self.processes(replaced.chain), handoffs: Self.handoffs(replaced.chain))
      })
  }

  static func change(_ step: Step) -> ChangeJSON {
    let fromHost = [.hostname, .domainname, .unshare].contains(step.kind) ? true : nil
    switch step.change {
    case .create: return ChangeJSON(op: "+")
    case .modify(let before, let after):
      return ChangeJSON(op: "~", before: before, after: after, host_specific: fromHost)
    case .unchanged(let value): return ChangeJSON(op: "=", before: value, after: value, host_specific: fromHost)
    // Kept as `~` so the format stays as it was: the warning tied to the step (its `steps`) says run refuses.
    case .conflict(let before, let after): return ChangeJSON(op: "~", before: before, after: after)
    }
  }
}
