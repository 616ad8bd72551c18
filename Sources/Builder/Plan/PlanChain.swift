extension Planner {
  /// The processes that take `steps` (numbered) and their hand-offs: nsbuild forks the sandbox process, which
  /// unshares and forks init into the new pid and time namespaces, which forks the command.
  static func chain(of steps: [Step]) -> (processes: [PlannedProcess], handoffs: [Handoff]) {
    func id(_ kind: Step.Kind) -> Int? { steps.first { $0.kind == kind }?.id }
    var processes = [PlannedProcess(role: .parent)]
    if let spawn = id(.spawn) {
      processes.append(PlannedProcess(role: .sandbox, forkedBy: spawn, parent: .parent))
    }
    if let fork = id(.fork) {
      // getppid(2) reads 0 in a new pid namespace.
      processes.append(PlannedProcess(role: .initProcess, forkedBy: fork, parent: .sandbox, watchesParent: .lifeline))
    }
    if let command = id(.spawnCommand) {
      processes.append(PlannedProcess(role: .command, forkedBy: command, parent: .initProcess))
    }
    func calls(_ matches: (Syscall) -> Bool) -> Bool { steps.contains { $0.calls.contains(where: matches) } }
    var handoffs: [Handoff] = []
    // nsbuild's steps but its fork, the pseudo-terminal's (opened before the fork, relayed after the command's
    // start) and the terminal's return are taken on the sandbox process, which waits.
    let unpaused: Set<Step.Kind> = [.foreground, .terminal, .relay, .deleteLink]
    if steps.contains(where: {
      $0.actor == .parent && !$0.calls.contains(where: \.startsProcess) && !unpaused.contains($0.kind)
    }) {
      handoffs.append(Handoff(.idMapsWritten, from: .parent, to: .sandbox))
    }
    if calls({ if case .sendSlots = $0 { true } else { false } }) {
      handoffs.append(Handoff(.fdsPassed, from: .parent, to: .initProcess))
    }
    if calls({ if case .lockShared = $0 { true } else { false } }) {
      handoffs.append(Handoff(.locksHeld, from: .initProcess, to: .sandbox))
    }
    if id(.spawnCommand) != nil { handoffs.append(Handoff(.commandReady, from: .command, to: .initProcess)) }
    if id(.outlive) != nil {
      handoffs.append(Handoff(.sandboxReady, from: .initProcess, to: .sandbox))
      handoffs.append(Handoff(.recorded, from: .parent, to: .sandbox))
    }
    return (processes, handoffs)
  }
}
