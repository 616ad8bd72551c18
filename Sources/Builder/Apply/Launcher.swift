import SpecParser

/// How a run ended.
public enum RunOutcome: Sendable, Hashable {
  /// The command ran and ended this way.
  case finished(WaitStatus)
  /// A step failed, before the command started or at its execve(2).
  case failed(StepFailure)
  /// The plan lacks a step the launch needs (see ``LaunchRequirementError``): nothing was forked.
  case refused(LaunchRequirementError)
  /// `up`: the sandbox is built and no longer dies with nsbuild. Its init's pid and the sandbox process's (init's
  /// parent, which holds its mount namespace too), as the host sees them; `recorded`, nsbuild's ends of the pipes
  /// that say the sandbox's record is saved (``Handoff/Kind/recorded``): until then the sandbox
  /// still dies with nsbuild. The caller closes it (see ``Launcher/release(_:saved:)``).
  case ready(initPID: Int32, sandboxPID: Int32, recorded: RecordedHandoff)
  /// `apply` starting a main command anew (``Handoff/Kind/commandStarted``): the command passed its execve(2) in
  /// the live sandbox; its pid and its keeper's (the joiner that stays, waits for it and ends the sandbox when it
  /// ends), as the host sees them.
  case started(commandPID: Int32, keeperPID: Int32)
}

/// Applies a plan with real processes: the chain ``Plan/processes`` lists, each forked by the process above it at
/// the step the plan names, each taking exactly the calls of the steps whose actor it is, in plan order, and giving
/// the others what ``Plan/handoffs`` says. The plan is the only input; each role's code is a file of its own
/// (``ParentRole``, ``SandboxRole``, ``InitRole``, ``CommandRole``, and ``JoinerRole`` for `exec`), and this driver follows a process from one
/// role to the next across fork(2). A command cloned with ``Syscall/cloneVM`` runs no role's code: its parent builds
/// the list of calls its child makes (``CommandSpawn``, ``spawn(_:making:from:channels:link:closing:)``).
///
/// The processes talk over close-on-exec pipes (``ChainMessage``, ``ChainChannels``): any process that fails
/// sends the failure and exits, and nsbuild reports it. Each process passes the signals in
/// ``Planner/forwardedSignals`` on to its child, so a signal to nsbuild reaches the command; each child dies with
/// its parent (PR_SET_PDEATHSIG).
public struct Launcher<Kernel: LinuxKernel> {
  let kernel: Kernel
  let plan: Plan
  /// Called in whichever process applies a step, just before it does (`run --verbose`).
  let trace: (Step) -> Void
  /// `run -t`: the pseudo-terminal nsbuild opens for the command (its fds, copied to the child by fork(2)).
  let pty = PseudoTerminal()

  public init(kernel: Kernel, plan: Plan, trace: @escaping (Step) -> Void = { _ in }) {
    self.kernel = kernel
    self.plan = plan
    self.trace = trace
  }

  /// Runs the plan and waits for the command; then gives the terminal back if the plan says so.
  public func run() -> RunOutcome {
    if let problem = LaunchRequirements.problem(in: plan) { return .refused(problem) }
    let foreground = step(.foreground)
    let terminal = foreground == nil ? nil : kernel.foregroundTerminal()
    let outcome: RunOutcome
    switch start() {
    case .outcome(let ended): outcome = ended
    case .exit(let status): kernel.exit(status)
    case .becomes: kernel.exit(ExitStatus.setupFailed)  // never: start() follows each child to its end
    }
    if let foreground {
      trace(foreground)
      try? StepRunner(kernel: kernel, terminal: terminal).run(foreground)
    }
    return outcome
  }

  /// Runs the chain from nsbuild: in nsbuild to the run's outcome, in each process forked on the way to the status
  /// it exits with.
  func start() -> RoleEnd {
    var end = ParentRole(launcher: self).run()
    while case .becomes(let child) = end { end = role(child) }
    return end
  }

  private func role(_ start: ChildStart) -> RoleEnd {
    switch start.process.role {
    case .parent: .exit(ExitStatus.setupFailed)  // nsbuild is forked by no process of the chain
    case .sandbox: SandboxRole(launcher: self, start: start).run()
    case .initProcess: InitRole(launcher: self, start: start).run()
    case .command: CommandRole(launcher: self, start: start).run()
    case .joiner: JoinerRole(launcher: self, start: start).run()
    }
  }
}

/// Where a process goes once its role's code returns.
enum RoleEnd {
  /// nsbuild's end: the run's outcome.
  case outcome(RunOutcome)
  /// A forked process's end: it exits with this status.
  case exit(Int32)
  /// The process is a child just forked, and goes on in the role `ChildStart` names.
  case becomes(ChildStart)
}

/// What a child just forked starts its role with.
struct ChildStart {
  var process: PlannedProcess
  /// How it tells that its parent is gone.
  var link: ParentLink
  /// Its ends of the chain's channels.
  var channels: ChainChannels
}
