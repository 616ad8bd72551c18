import SpecParser

/// `-/+` of a live sandbox's main command as steps of the target plan: a running process's args, env, IDs and
/// capabilities cannot be changed from outside (execve(2) sets them), so the old command is ended and a new one
/// started in the same sandbox, by a keeper that stays (``Planner/mainCommandPlan(into:live:)``).
public struct MainCommandSteps: Sendable, Hashable {
  /// nsbuild's own steps (``Step/Actor/parent``), before the chain: the handoff signal to each keeper (init for the
  /// command `up` started; the keeper an earlier `apply` left), the old command ended through a pidfd, then that
  /// earlier keeper waited for (it exits without ending the sandbox).
  public var ending: [Step]
  /// The keeper chain that starts the new command, as `plan --format json` shows exec's chain: its steps numbered
  /// after ``ending``, its processes and hand-offs.
  public var chain: Plan

  public init(ending: [Step], chain: Plan) {
    self.ending = ending
    self.chain = chain
  }

  /// Every step, in the order `apply` takes them.
  public var steps: [Step] { ending + chain.steps }

  /// The same steps numbered from `first` on; the chain's processes name their forks by the new numbers.
  func numbered(from first: Int) -> MainCommandSteps {
    var copy = self
    var next = first
    for index in copy.ending.indices {
      copy.ending[index].id = next
      next += 1
    }
    var renamed: [Int: Int] = [:]
    for index in copy.chain.steps.indices {
      renamed[copy.chain.steps[index].id] = next
      copy.chain.steps[index].id = next
      next += 1
    }
    for index in copy.chain.processes.indices {
      copy.chain.processes[index].forkedBy = copy.chain.processes[index].forkedBy.flatMap { renamed[$0] }
    }
    return copy
  }

  /// The grace a main command gets between SIGTERM and SIGKILL, as `down` gives a sandbox's processes.
  public static let graceMilliseconds: Int32 = 10_000

  /// A process that waits for a main command and ends the sandbox when it ends: init for the one `up` started, or the
  /// keeper an `apply` forked.
  public struct Keeper: Sendable, Hashable {
    public var process: ProcessIdentity
    /// The sandbox's init, which stays.
    public var isInit: Bool
    /// The main command it waits for, when it still runs.
    public var command: ProcessIdentity?
    /// Not in the record: forked by an apply killed before it wrote the record.
    public var unrecorded: Bool

    public init(process: ProcessIdentity, isInit: Bool, command: ProcessIdentity?, unrecorded: Bool = false) {
      self.process = process
      self.isInit = isInit
      self.command = command
      self.unrecorded = unrecorded
    }
  }

  /// nsbuild's look, before anything is ended, for the program of `chain`'s command inside the sandbox whose init is
  /// `initProcess` (its root, as the command sees it once it joined the mount namespace), from the folder the command
  /// starts in (its `chdir`, else `/`, where setns(2) of a mount namespace leaves a process): a program that is not
  /// there or cannot be executed stops `apply` with the old command still running, rather than after it was ended.
  /// Nil when `chain` has no execve(2).
  static func programCheck(_ chain: Plan, inside initProcess: ProcessIdentity) -> Step? {
    guard let exec = chain.steps.last(where: { $0.kind == .exec }),
      case .execve(let command)? = exec.calls.last(where: { if case .execve = $0 { true } else { false } })
    else { return nil }
    let directory =
      chain.steps.lazy.flatMap(\.calls).compactMap { call -> String? in
        if case .chdir(let path) = call { return path }
        return nil
      }.last ?? "/"
    return Step(
      kind: .checkProgram, actor: .parent, subject: .process(role: .command),
      operations: [
        Step.Operation(
          .checkProgram(target: initProcess, command: command, directory: directory),
          origin: exec.origin(ofCall: exec.calls.count - 1))
      ],
      change: .create,
      reason:
        "before the old command is ended: a program the new one cannot execve(2) stops apply with the old one still running",
      origin: exec.origin,
      label: "find \(command.args.first ?? "") inside the sandbox, as execve(2) would")
  }

  /// The steps that end each of `keepers`' main commands, each step from spec position `origin` (the first
  /// `[process]` key changed): the keeper told first that this end is not the sandbox's, then its command ended,
  /// then a keeper other than init waited for (it exits once its command ended).
  static func ending(_ keepers: [Keeper], origin: SourceRange?) -> [Step] {
    keepers.flatMap { keeper -> [Step] in
      let who = keeper.isInit ? "init" : "the keeper \(keeper.process.pid)"
      let unrecorded = keeper.unrecorded ? " (not recorded: left by an apply killed before it wrote the record)" : ""
      var steps = [
        Step(
          kind: .endCommand, actor: .parent, subject: .process(role: keeper.isInit ? .initProcess : .joiner),
          calls: [.sendHandoffSignal(target: keeper.process)], change: .create,
          reason:
            "\(who) ends the sandbox when its main command ends, unless told first; it takes the signal only from outside the sandbox's pid namespace\(unrecorded)",
          origin: origin,
          label: "signal \(who): keep the sandbox when its main command ends (SIGRTMIN+6)")
      ]
      if let command = keeper.command {
        steps.append(
          Step(
            kind: .endCommand, actor: .parent, subject: .process(role: .command),
            calls: [.endProcess(target: command, graceMilliseconds: graceMilliseconds)], change: .create,
            reason: "its args, env, ids and capabilities were set by execve(2) and cannot be changed from outside",
            origin: origin,
            label:
              "end main command \(command.pid) (SIGTERM, SIGKILL after \(Syscall.seconds(graceMilliseconds)))"))
      }
      if !keeper.isInit {
        steps.append(
          Step(
            kind: .endCommand, actor: .parent, subject: .process(role: .joiner),
            calls: [.endProcess(target: keeper.process, graceMilliseconds: graceMilliseconds)], change: .create,
            reason: "it exits once its command ended, without ending the sandbox (it took the handoff signal)",
            origin: origin, label: "wait for the keeper \(keeper.process.pid) to exit\(unrecorded)"))
      }
      return steps
    }
  }
}
