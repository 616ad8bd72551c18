/// A process of the chain that applies a plan: nsbuild, and each process forked from it (see ``Plan/processes``).
///
/// The launcher starts the processes the plan lists, and no other: a role added (a process that joins a running
/// sandbox) or a process left out (no sandbox process when nothing needs one) is a change of this data.
public struct PlannedProcess: Sendable, Hashable, Codable {
  /// Which process it is; it takes the steps whose actor this is.
  public var role: Step.Actor
  /// The id of the fork step its parent takes to make it; nil for nsbuild itself, which no step forks.
  public var forkedBy: Int?
  /// The role of the process that forks it; nil for nsbuild.
  public var parent: Step.Actor?
  /// How it tells that its parent died before its PR_SET_PDEATHSIG took effect (``Syscall/checkParent``).
  public var watchesParent: ParentWatch

  public init(
    role: Step.Actor, forkedBy: Int? = nil, parent: Step.Actor? = nil, watchesParent: ParentWatch = .processID
  ) {
    self.role = role
    self.forkedBy = forkedBy
    self.parent = parent
    self.watchesParent = watchesParent
  }
}

/// How a process tells that its parent is gone.
public enum ParentWatch: String, Sendable, Hashable, Codable, CaseIterable {
  /// getppid(2), compared with the parent's pid: the parent lies in the same pid namespace.
  case processID = "getppid"
  /// poll(2) of a pipe whose only write end the parent holds, which hangs up once the parent is gone: from a new pid
  /// namespace, where getppid(2) reads 0.
  case lifeline
}

/// Something one process of the chain gives another, and the way it goes (see ``Plan/handoffs``).
public struct Handoff: Sendable, Hashable, Codable {
  public var kind: Kind
  /// The process that gives.
  public var from: Step.Actor
  /// The process that takes.
  public var to: Step.Actor

  public init(_ kind: Kind, from: Step.Actor, to: Step.Actor) {
    self.kind = kind
    self.from = from
    self.to = to
  }

  /// What is handed over. Of the two processes, the one forked below the other pauses: it says "ready" once its
  /// own steps are done (but its last, the fork or the execve(2)) and waits for "go", which the other sends once it
  /// has taken its own steps that follow its fork; end of file instead of "go" means that process failed.
  public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
    /// `from` writes `to`'s ID maps and clock offsets (and opens host paths in its mount namespace) while `to`
    /// waits, its namespaces made: user_namespaces(7) and time_namespaces(7) want them written from outside.
    case idMapsWritten = "id_maps_written"
    /// `from` sends `to` the host paths it opened, over a socket pair (``Syscall/sendSlots(_:)``).
    case fdsPassed = "fds_passed"
    /// `from` sends `to` its shared locks on host mount points as it closes its setup fds, over a socket pair;
    /// `to`, which the command cannot reach, holds them until it ends.
    case locksHeld = "locks_held"
    /// `from`, the command, is ready to execve(2) and waits until `to` has closed its setup fds.
    case commandReady = "command_ready"
    /// `up`: `from`, init, tells `to`, the sandbox process, that it has taken its last step (the command, if any,
    /// released), over a pipe its setup fds' close leaves open; the sandbox process then stops dying with nsbuild.
    case sandboxReady = "sandbox_ready"
    /// `up`: `from`, nsbuild, says "go" once it saved the sandbox's record (`state.json`); only then does `to`, the
    /// sandbox process, stop dying with nsbuild, and it says "ready" back, so nsbuild exits only after that. End of
    /// file instead of "go" (nsbuild killed before it saved the record, or the save failed) ends the sandbox: no
    /// sandbox outlives nsbuild unrecorded.
    case recorded
    /// `apply` starting a main command anew: `from`, the keeper (a joiner that stays), tells `to`, nsbuild, the
    /// command's pid (as the host sees it) over the report pipe; that pipe's end of file says the command passed its
    /// execve(2). nsbuild then records it and exits; the keeper stays, waits for the command and ends the sandbox
    /// when it ends.
    case commandStarted = "command_started"
  }
}

extension Plan {
  /// The process whose role is `role`, if the chain has one.
  public func process(_ role: Step.Actor) -> PlannedProcess? { processes.first { $0.role == role } }

  /// The process `role` forks, if any.
  public func child(of role: Step.Actor) -> PlannedProcess? { processes.first { $0.parent == role } }

  /// Whether `role` is forked, directly or not, from `ancestor`.
  public func descends(_ role: Step.Actor, from ancestor: Step.Actor) -> Bool {
    var current = process(role)?.parent
    var seen: Set<Step.Actor> = []
    while let parent = current, seen.insert(parent).inserted {
      if parent == ancestor { return true }
      current = process(parent)?.parent
    }
    return false
  }

  /// The hand-offs of `kind` (a plan has at most one of each today).
  public func handoff(_ kind: Handoff.Kind) -> Handoff? { handoffs.first { $0.kind == kind } }

  /// One line naming the chain: each process with what it hands whom.
  public var chainSummary: String {
    let roles = processes.map(\.role.rawValue).joined(separator: " → ")
    let given = handoffs.map { "\($0.kind.rawValue) (\($0.from.rawValue) → \($0.to.rawValue))" }
    return given.isEmpty ? roles : roles + "; " + given.joined(separator: ", ")
  }
}
