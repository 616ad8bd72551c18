/// `plan SPEC --target NAME`: every step of the spec's plan marked against a live sandbox (``TargetAction``), the
/// steps `apply` takes to get there in place, and the sandbox's drift, shown apart. Made by ``TargetPlanner``.
public struct TargetPlan: Sendable, Hashable {
  /// One step of the spec's plan (or of the applied plan, for an item the spec no longer has), marked.
  public struct Entry: Sendable, Hashable {
    /// The new plan's step; the applied plan's for ``TargetAction/remove`` and the removals that replace.
    public var step: Step
    public var action: TargetAction
    /// The steps `apply` takes for this entry, numbered across the whole target plan; empty for `=` and for what
    /// only replacing the sandbox changes.
    public var apply: [Step]
    /// The drift this entry brings back (a hostname changed inside, a mount taken off), when that is its reason.
    public var restores: Drift?
    /// What else a reviewer should know (`the name stays as it is`).
    public var note: String?
    /// Setup steps `run` takes once (forks, opening host paths): never counted, always `=`.
    public var isSetup: Bool
    /// A `[process]` step of a sandbox without a main command: what changed is what the next `exec` gets, nothing
    /// running. `apply` takes no step for it and only records the spec (see ``TargetPlanner/nextExecNote``).
    public var forNextExec = false
    /// For each step of ``apply``, at the same index, the steps that take it back, made from what stood before
    /// (the sandbox's hostname, a file's contents, init's limits; the applied plan's mount): `apply` takes them,
    /// the newest step's first (each step's list in its own order), when a later step fails, so a failed apply leaves the sandbox as it was. Empty where nothing
    /// can be taken back (lo brought up, a file that did not exist).
    public var undo: [[Step]] = []

    public init(
      step: Step, action: TargetAction, apply: [Step] = [], restores: Drift? = nil, note: String? = nil,
      isSetup: Bool = false
    ) {
      self.step = step
      self.action = action
      self.apply = apply
      self.restores = restores
      self.note = note
      self.isSetup = isSetup
    }
  }

  public var name: SandboxName
  public var target: ProcessIdentity
  public var entries: [Entry]
  /// How the sandbox differs from the plan last applied to it (see ``DriftReport``).
  public var drift: [Drift]
  /// What could not be read from the sandbox, and why.
  public var unread: [String]
  /// The `-/+` of the sandbox's main command, when `[process]` changed and it has one: taken after every entry's
  /// steps, numbered after them.
  public var mainCommand: MainCommandSteps?

  public init(
    name: SandboxName, target: ProcessIdentity, entries: [Entry], drift: [Drift], unread: [String] = [],
    mainCommand: MainCommandSteps? = nil
  ) {
    self.name = name
    self.target = target
    self.drift = drift
    self.unread = unread
    var next = 1
    self.entries = entries.map { entry in
      var entry = entry
      for index in entry.apply.indices {
        entry.apply[index].id = next
        if entry.undo.indices.contains(index) {
          for undo in entry.undo[index].indices { entry.undo[index][undo].id = next }
        }
        next += 1
      }
      return entry
    }
    self.mainCommand = mainCommand?.numbered(from: next)
  }

  /// Every step `apply` takes, in order: the entries' in place, then the main command's replacement.
  public var applySteps: [Step] { entries.flatMap(\.apply) + (mainCommand?.steps ?? []) }

  /// Items added: `+`, and the new half of a mount replaced (as Terraform counts a replacement).
  public var toAdd: Int { count { $0 == .add || $0 == .mount } }
  /// Items changed in place, and `[process]` changes (the next `exec`, a main command replaced).
  public var toChange: Int { count { $0 == .inPlace || $0 == .mainCommand } }
  /// Items removed: `-`, and the old half of a mount replaced.
  public var toRemove: Int { count { $0 == .remove || $0 == .mount } }

  /// What forces the whole sandbox to be replaced, once each, in plan order; empty when it can change in place.
  public var sandboxReplacements: [Replacement] {
    var seen: [Replacement] = []
    for entry in entries {
      if case .replace(let replacement) = entry.action, replacement.scope == .sandbox, !seen.contains(replacement) {
        seen.append(replacement)
      }
    }
    return seen
  }

  /// Whether a `[process]` change is marked `-/+` of the main command (see ``TargetPlanner/mainCommandReplaced``).
  public var replacesMainCommand: Bool { entries.contains { $0.action == .replace(Replacement(.process)) } }

  /// Whether `apply` has anything to do (`--detailed-exitcode` 2).
  public var hasChanges: Bool { toAdd + toChange + toRemove > 0 || !sandboxReplacements.isEmpty }

  /// What stands in the way of the ``TargetAction/blocked(reason:)`` entries, in plan order: `apply` refuses the
  /// plan while there is any (`plan --target --detailed-exitcode` exits 1).
  public var blockers: [String] {
    entries.compactMap { entry in
      guard case .blocked(let reason) = entry.action else { return nil }
      return reason
    }
  }

  /// The changes counted in ``toChange`` that only the next `exec` gets (``Entry/forNextExec``).
  public var nextExecChanges: Int { entries.filter { $0.forNextExec && $0.action == .inPlace }.count }

  /// Whether every change is one only the next `exec` gets: `apply` then takes no step and only records the spec.
  public var changesOnlyNextExec: Bool { nextExecChanges > 0 && nextExecChanges == toChange && toAdd + toRemove == 0 }

  /// The Terraform-like summary: `2 to add, 1 to change, 0 to remove; the sandbox must be replaced because …`.
  public var summary: String {
    var parts = ["\(toAdd) to add, \(toChange) to change, \(toRemove) to remove"]
    if nextExecChanges > 0 {
      parts.append("\(nextExecChanges) of the changes for the next `exec` only (nothing running is changed)")
    }
    let causes = sandboxReplacements
    if !causes.isEmpty {
      parts.append("the sandbox must be replaced because " + causes.map(\.description).joined(separator: "; "))
    }
    let blockers = blockers
    if !blockers.isEmpty { parts.append("apply refuses: " + blockers.joined(separator: "; ")) }
    return parts.joined(separator: "; ")
  }

  private enum Counted { case add, inPlace, remove, mount, mainCommand }

  private func count(_ matches: (Counted) -> Bool) -> Int {
    entries.filter { entry in
      guard !entry.isSetup else { return false }
      switch entry.action {
      case .unchanged, .blocked: return false
      case .add: return matches(.add)
      case .inPlace: return matches(.inPlace)
      case .remove: return matches(.remove)
      case .replace(let replacement):
        switch replacement.scope {
        case .sandbox: return false
        case .mount, .link: return matches(.mount)
        case .mainCommand: return matches(.mainCommand)
        }
      }
    }.count
  }
}
