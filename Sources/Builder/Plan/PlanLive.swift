/// How `up` plans a sandbox that outlives nsbuild (see ``Planner/plan(command:live:)``).
public struct LiveLaunch: Sendable, Hashable {
  /// The file the sandbox's processes write their stdout and stderr to: `output.log` in the sandbox's state folder.
  public var output: String

  public init(output: String) {
    self.output = output
  }
}

/// The steps that make a sandbox outlive nsbuild (`up`). Until the sandbox is ready it still dies with nsbuild, as
/// `run`'s does, so a Ctrl-C or a SIGKILL of nsbuild during setup leaves nothing unrecorded; once init says it is
/// ready, the sandbox process clears its PR_SET_PDEATHSIG, and nsbuild exits.
extension Planner {
  /// Right after the fork, with the host's credentials still: a session of its own (the caller's terminal's
  /// Ctrl-C and hang-up no longer reach it, nor init and the command forked below) and none of nsbuild's streams,
  /// so a caller reading nsbuild's output sees its end once nsbuild exits.
  func detachStep(_ live: LiveLaunch) -> Step {
    Step(
      kind: .detach, actor: .sandbox, subject: .process(role: .sandbox),
      calls: [.setsid, .redirectStandardStreams(output: live.output), .closeInheritedDescriptors], change: .create,
      reason:
        "the sandbox outlives nsbuild: its own session, so the caller's terminal signals and hang-ups do not reach it; stdin from /dev/null, stdout and stderr to its log, and no other fd of nsbuild's caller or of nsbuild's lock, so nothing outside waits on the sandbox"
    )
  }

  /// Init with no command: it holds the namespaces, reaps what ends inside, and ends on SIGTERM (the pause role).
  func holdStep() -> Step {
    Step(
      kind: .hold, actor: .initProcess, subject: .process(role: .initProcess), calls: [.holdUntilSignalled],
      change: .create,
      reason: spec.unshares(.pid)
        ? "init stays PID 1 with no command: it holds the namespaces and reaps orphans until SIGTERM, whose handler ends it (pid_namespaces(7): PID 1 gets only the signals it handles); every process inside ends with it"
        : "init stays with no command: it holds the namespaces until SIGTERM")
  }

  /// `up` without a pid namespace of its own: `down` ends init, and with it every process inside only when init
  /// is PID 1 of a new pid namespace (pid_namespaces(7)); otherwise the command's children would stay running.
  /// Refused, as container engines do; a joined pid namespace is not enough, init is not its PID 1.
  func livePIDNamespaceWarning() -> PlanWarning? {
    guard !spec.unshares(.pid) else { return nil }
    return PlanWarning(
      "`up` needs \"pid\" in [namespaces] unshare: `nsbuild down` ends a sandbox by ending its init, which takes every process inside with it only as PID 1 of a new pid namespace (pid_namespaces(7)); without one, processes the command started would outlive `down`",
      origin: origin("namespaces.unshare") ?? origin("namespaces"), stopsRun: true)
  }

  /// Last: the sandbox process stops dying with nsbuild, once init said the sandbox is ready.
  func outliveStep() -> Step {
    Step(
      kind: .outlive, actor: .sandbox, subject: .process(role: .sandbox),
      calls: [.setParentDeathSignal(signal: 0)], change: .create,
      reason:
        "once init says the sandbox is ready: nsbuild exits and the sandbox stays until `nsbuild down`; init still dies with the sandbox process"
    )
  }
}
