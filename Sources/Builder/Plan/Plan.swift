import SpecParser

/// An ordered list of steps: everything `run` will do, and nothing else.
public struct Plan: Sendable, Hashable, Codable {
  /// The version of the plan's JSON form; bumped on any incompatible change.
  public static let formatVersion = 2

  public var steps: [Step]
  /// Things worth knowing before running: host checks and spec rules that are not errors.
  public var warnings: [PlanWarning]
  /// What `run` leaves on the host's file system afterwards (files, and mount points it makes on the host's tree or
  /// in a root directory); everything else ends with the sandbox. `plan --detailed-exitcode` exits 2 when any.
  public var hostChanges: [String]
  /// The processes that take the steps, nsbuild first, each after the process that forks it.
  public var processes: [PlannedProcess]
  /// What those processes give each other, and which waits for which.
  public var handoffs: [Handoff]

  public init(
    steps: [Step], warnings: [PlanWarning] = [], hostChanges: [String] = [], processes: [PlannedProcess] = [],
    handoffs: [Handoff] = []
  ) {
    self.steps = steps
    self.warnings = warnings
    self.hostChanges = hostChanges
    self.processes = processes
    self.handoffs = handoffs
  }
}

/// A problem the plan foresees, with the spec position it concerns when there is one.
public struct PlanWarning: Sendable, Hashable, Codable, CustomStringConvertible {
  public var message: String
  public var origin: SourceRange?
  /// The step whose failure this warning foresees; `run` repeats the warning when that step fails.
  public var explains: StepReference?
  /// The ids of the steps it foresees the failure of, filled in once the plan's steps are numbered.
  public var stepIDs: [Int] = []
  /// `run` refuses, before anything is made, what it would otherwise fail at later (`plan` only warns, so a spec can
  /// still be reviewed by someone who will not run it).
  public var stopsRun: Bool

  public init(_ message: String, origin: SourceRange? = nil, explains: StepReference? = nil, stopsRun: Bool = false) {
    self.message = message
    self.origin = origin
    self.explains = explains
    self.stopsRun = stopsRun
  }

  public var description: String { message }
}

/// Which step a warning is about: the steps of `kind`, only the one from spec position `origin` when given.
public struct StepReference: Sendable, Hashable, Codable {
  public var kind: Step.Kind
  public var origin: SourceRange?

  public init(_ kind: Step.Kind, origin: SourceRange? = nil) {
    self.kind = kind
    self.origin = origin
  }

  func matches(_ step: Step) -> Bool { step.kind == kind && (origin == nil || step.origin == origin) }
}
