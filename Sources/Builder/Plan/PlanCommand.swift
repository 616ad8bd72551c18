import SpecParser

/// The command's steps: init forks it, and it sets up its session, limits, IDs, capabilities and environment before
/// execve(2). The order follows what each call needs: the bounding set is dropped while uid 0 still holds
/// CAP_SETPCAP; PR_SET_KEEPCAPS comes before leaving uid 0; capset(2) and the ambient raise after it.
extension Planner {
  /// The signals each process passes on to its child, down to the command (as runc and tini do): every one whose
  /// default ends a process and that others send, and SIGWINCH. Not SIGKILL and SIGSTOP (nothing catches them), not
  /// the faults a process causes itself (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT, SIGSYS), and not SIGPIPE
  /// and SIGXFSZ, which nsbuild's processes ignore until the command starts (see ``Launcher``).
  static let forwardedSignals: [Int32] =
    [1, 2, 3, 10, 12, 14, 15, 16, 24, 26, 27, 28, 29, 30] + Array(34...64)

  /// With `terminal`, the command's session has the pseudo-terminal as its controlling terminal, and nsbuild, which
  /// keeps the caller's terminal in its own foreground, has none to take back.
  func commandSteps(_ args: [String], fromCommandLine: Bool, terminal: Bool = false) -> [Step] {
    let process = spec.process
    let newSession = process.newSession || terminal
    var steps: [Step] = []
    if process.clearEnv {
      steps.append(
        Step(
          kind: .scrubEnvironment, actor: .initProcess, subject: .processAttribute(attribute: .environment),
          calls: [.scrubEnvironment], change: .create,
          reason: "so /proc/1/environ shows nothing of the host's environment", origin: origin("process.clear_env")))
    }
    steps.append(
      Step(
        kind: .spawnCommand, actor: .initProcess, subject: .process(role: .command),
        calls: [
          .cloneVM, .setParentDeathSignal(signal: 9), .checkParent,
          .forwardSignals(signals: Self.forwardedSignals, toGroup: newSession),
        ], change: .create,
        reason: spec.unshares(.pid) ? "the command runs as PID 2; init stays PID 1 to reap and forward signals" : nil))
    if terminal {
      steps.append(
        Step(
          kind: .session, actor: .command, subject: .processAttribute(attribute: .session),
          calls: [.setsid, .setControllingTerminal], change: .create,
          reason:
            "the pseudo-terminal becomes the command's controlling terminal: job control, and TIOCSTI reaches only it",
          origin: origin("process.terminal")))
    } else if process.newSession {
      steps.append(
        Step(
          kind: .session, actor: .command, subject: .processAttribute(attribute: .session), calls: [.setsid],
          change: .create,
          reason: "a new session cannot inject input into the terminal (TIOCSTI)", origin: origin("process.new_session")
        ))
    }
    if !process.rlimits.isEmpty {
      // Each limit points at its own line of the table.
      let limits = process.rlimits.map { limit in
        Step.Operation(
          .setrlimit(limit: limit),
          origin: origin(SpecKeyPath("process.rlimits").appending(limit.resource.rawValue)) ?? origin("process.rlimits")
        )
      }
      steps.append(
        Step(
          kind: .rlimits, actor: .command, subject: .processAttribute(attribute: .resourceLimits), operations: limits,
          change: .create, origin: origin("process.rlimits")))
    }
    steps += identitySteps()
    if process.noNewPrivs {
      steps.append(
        Step(
          kind: .noNewPrivs, actor: .command, subject: .processAttribute(attribute: .noNewPrivs),
          calls: [.setNoNewPrivs], change: .create,
          reason: "set-user-ID programs cannot gain privileges", origin: origin("process.no_new_privs")))
    }
    if let mask = process.umask {
      steps.append(
        Step(
          kind: .umask, actor: .command, subject: .processAttribute(attribute: .umask), calls: [.umask(mask: mask)],
          change: .create, origin: origin("process.umask")))
    }
    steps.append(
      Step(
        kind: .cwd, actor: .command, subject: .processAttribute(attribute: .workingDirectory),
        calls: [.chdir(path: process.cwd ?? "/")], change: .create, origin: origin("process.cwd")))
    let command = Command(args: args, clearEnv: process.clearEnv, env: process.env, unset: process.unset)
    steps.append(
      Step(
        kind: .exec, actor: .command, subject: .processAttribute(attribute: .program),
        calls: [.closeOnExecFrom(first: 3), .execve(command: command)], change: .create,
        reason: "only fds 0, 1 and 2 reach the command", origin: fromCommandLine ? nil : origin("process.args")))
    if !newSession {
      // A job-control shell inside puts itself in the foreground; killed, or unable to name nsbuild's group from
      // inside a pid namespace, it cannot hand the terminal back, and the caller's next read fails.
      steps.append(
        Step(
          kind: .foreground, actor: .parent, subject: .foregroundProcessGroup, calls: [.takeBackForeground],
          change: .create,
          reason: "once the command ended, however it ended, the caller reads from its terminal again",
          origin: origin("process.new_session")))
    }
    return steps
  }

  /// The capabilities the command can keep: those the spec lists, less any outside nsbuild's own bounding set when
  /// there is no user namespace to grant them (capset(2) cannot raise what the bounding set lacks).
  var keptCapabilities: [Capability] {
    guard !spec.unshares(.user), spec.join(of: .user) == nil, let bounding = state.host.boundingSet else {
      return spec.process.capabilities
    }
    return spec.process.capabilities.filter { bounding & (1 << UInt64($0.number)) != 0 }
  }

  /// Bounding set, IDs and capabilities. A caller without root and without a user namespace has no capabilities to
  /// drop and cannot change IDs, so those steps are left out.
  private func identitySteps() -> [Step] {
    let process = spec.process
    // A joined user namespace grants every capability in it too (setns(2)): they are dropped as in a new one.
    let holdsCapabilities = state.isPrivileged || spec.unshares(.user) || spec.join(of: .user) != nil
    var steps: [Step] = []
    let keep = keptCapabilities
    if holdsCapabilities {
      steps.append(
        Step(
          kind: .boundingSet, actor: .command, subject: .processAttribute(attribute: .boundingSet),
          calls: [.dropBoundingSet(keep: keep)], change: .create,
          reason: "while uid 0 still holds CAP_SETPCAP", origin: origin("process.capabilities")))
    }
    // What the spec leaves out is the namespace's root, and no supplementary group (as runc and crun): nothing of the
    // caller's IDs passes on where nsbuild can change it.
    let identity = defaultIdentity
    let uid = process.uid ?? identity?.uid
    let gid = process.gid ?? identity?.gid
    // Each call points at the key it comes from; what the spec leaves out, at the step's own position.
    let stepOrigin = origin("process.uid") ?? origin("process.gid") ?? origin("process.groups")
    func from(_ key: SpecKeyPath) -> SourceRange? { origin(key) ?? stepOrigin }
    var credentials: [Step.Operation] = []
    if let uid, uid != 0, !keep.isEmpty {
      credentials.append(Step.Operation(.keepCapabilities, origin: from("process.capabilities")))
    }
    if let groups = process.groups ?? (canSetGroups ? [] : nil) {
      credentials.append(Step.Operation(.setgroups(groups: groups), origin: from("process.groups")))
    }
    if let gid { credentials.append(Step.Operation(.setresgid(gid: gid), origin: from("process.gid"))) }
    if let uid { credentials.append(Step.Operation(.setresuid(uid: uid), origin: from("process.uid"))) }
    // prctl(2): a change of effective uid or gid clears PR_SET_PDEATHSIG, so the command would outlive init; set
    // again, it is followed by the check that init did not die while it was cleared.
    if uid != nil || gid != nil {
      credentials += [.setParentDeathSignal(signal: 9), .checkParent].map { Step.Operation($0, origin: stepOrigin) }
    }
    if !credentials.isEmpty {
      steps.append(
        Step(
          kind: .credentials, actor: .command, subject: .processAttribute(attribute: .credentials),
          operations: credentials, change: .create,
          reason:
            "groups and gid before uid, while allowed to change them; then PR_SET_PDEATHSIG again, which they clear"
            + (process.uid == nil || process.gid == nil || process.groups == nil
              ? "; what the spec leaves out is "
                + (spec.unshares(.user)
                  ? "the user namespace's root"
                  : spec.join(of: .user) != nil ? "the caller's, as the joined user namespace maps them" : "root")
                + (canSetGroups ? ", with no supplementary group" : "") : ""),
          origin: stepOrigin))
    }
    if holdsCapabilities {
      var calls: [Syscall] = [.capset(capabilities: keep)]
      if !keep.isEmpty { calls.append(.raiseAmbient(capabilities: keep)) }
      steps.append(
        Step(
          kind: .capabilities, actor: .command, subject: .processAttribute(attribute: .capabilities), calls: calls,
          change: .create,
          reason: keep.isEmpty ? "drop every capability" : "keep only the listed capabilities, across execve",
          origin: origin("process.capabilities")))
    }
    return steps
  }
}
