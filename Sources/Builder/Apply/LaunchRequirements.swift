/// What a plan lacks that ``Launcher`` needs to start the sandbox's processes: each fork it takes and the execve(2)
/// that ends setup come from a step of one kind, by one actor, in one order. A plan without them would start
/// nothing, or stop a process halfway; it is refused before anything is forked.
public enum LaunchRequirementError: Error, Sendable, Hashable, CustomStringConvertible {
  /// No step of `kind`, or its first is not taken by `actor`.
  case missingStep(Step.Kind, actor: Step.Actor)
  /// The step of `kind` lacks the call it is there for (fork(2), execve(2)).
  case missingCall(Step.Kind, call: String)
  /// The step of `kind` comes before the step of `after`, which must start the process it runs in.
  case outOfOrder(Step.Kind, after: Step.Kind)

  public var description: String {
    switch self {
    case .missingStep(let kind, let actor):
      "the plan cannot be run: it has no \(kind.rawValue) step taken by \(actor.rawValue)"
    case .missingCall(let kind, let call):
      "the plan cannot be run: its \(kind.rawValue) step makes no \(call) call"
    case .outOfOrder(let kind, let after):
      "the plan cannot be run: its \(kind.rawValue) step comes before its \(after.rawValue) step"
    }
  }
}

/// The steps ``Launcher`` looks up by kind, in the order it takes them.
enum LaunchRequirements {
  /// Each step's kind, the process that takes it, and the call it cannot do without.
  static let required: [(kind: Step.Kind, actor: Step.Actor, call: Syscall?)] = [
    (.spawn, .parent, .fork), (.fork, .sandbox, .fork), (.spawnCommand, .initProcess, .fork), (.exec, .command, nil),
  ]

  /// The first thing `plan` lacks for a launch, or nil when it has every step it needs.
  static func problem(in plan: Plan) -> LaunchRequirementError? {
    var previous: (kind: Step.Kind, index: Int)?
    for need in required {
      guard let index = plan.steps.firstIndex(where: { $0.kind == need.kind }),
        plan.steps[index].actor == need.actor
      else { return .missingStep(need.kind, actor: need.actor) }
      let calls = plan.steps[index].calls
      if let call = need.call, !calls.contains(call) { return .missingCall(need.kind, call: call.description) }
      if need.call == nil, !calls.contains(where: Self.isExecve) { return .missingCall(need.kind, call: "execve()") }
      if let previous, index < previous.index { return .outOfOrder(need.kind, after: previous.kind) }
      previous = (need.kind, index)
    }
    return nil
  }

  private static func isExecve(_ call: Syscall) -> Bool {
    if case .execve = call { return true }
    return false
  }
}
