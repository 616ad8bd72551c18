import SpecParser

/// One step of a plan: what it does, which process does it, what it acts on, the exact calls, and where in the spec
/// they come from.
public struct Step: Sendable, Hashable, Codable {
  /// 1-based position in the plan; `run --verbose` and error messages use the same number.
  public var id: Int
  public var kind: Kind
  /// The process that makes the calls.
  public var actor: Actor
  /// What the step acts on: a mount target, a file, a clock, the hostname, a set of namespaces… (see ``Subject``).
  public var subject: Subject
  /// The calls, in order, each with the spec position it comes from.
  public var operations: [Operation]
  /// What changes against the current state.
  public var change: Change
  /// Why this step sits where it does, when the order matters.
  public var reason: String?
  /// Where in the spec the step comes from; nil for steps every sandbox needs.
  public var origin: SourceRange?
  /// A one-line summary set by the planner where the calls alone do not say it well (see ``title``).
  public var label: String?

  /// A step whose calls come from their own spec positions (a host path each mount names, one credential each).
  public init(
    id: Int = 0, kind: Kind, actor: Actor, subject: Subject, operations: [Operation], change: Change,
    reason: String? = nil, origin: SourceRange? = nil, label: String? = nil
  ) {
    self.label = label
    self.id = id
    self.kind = kind
    self.actor = actor
    self.subject = subject
    self.operations = operations
    self.change = change
    self.reason = reason
    self.origin = origin
  }

  /// A step whose every call comes from the step's own spec position, `origin`.
  public init(
    id: Int = 0, kind: Kind, actor: Actor, subject: Subject, calls: [Syscall], change: Change, reason: String? = nil,
    origin: SourceRange? = nil, label: String? = nil
  ) {
    self.init(
      id: id, kind: kind, actor: actor, subject: subject, operations: calls.map { Operation($0, origin: origin) },
      change: change, reason: reason, origin: origin, label: label)
  }

  /// The calls, in order, with their arguments as they will be made.
  public var calls: [Syscall] { operations.map(\.call) }

  /// Where in the spec the call at `index` of ``calls`` comes from: its own position, else the step's.
  public func origin(ofCall index: Int) -> SourceRange? {
    (operations.indices.contains(index) ? operations[index].origin : nil) ?? origin
  }

  /// One call and the spec position it comes from, kept together so the two cannot drift apart.
  public struct Operation: Sendable, Hashable, Codable {
    public var call: Syscall
    /// nil for a call every sandbox makes.
    public var origin: SourceRange?

    public init(_ call: Syscall, origin: SourceRange? = nil) {
      self.call = call
      self.origin = origin
    }
  }

  /// The kinds of step, by the kernel feature they use.
  public enum Kind: String, Sendable, Hashable, Codable {
    case spawn, unshare, setgroups, uidMap = "uid_map", gidMap = "gid_map", timeOffsets = "timens_offsets"
    case fork, propagation, hostname, domainname, loopback, sources, root, mount, protect, file
    case pivotRoot = "pivot_root", readonlyRoot = "readonly_root", closeFDs = "close_fds"
    case scrubEnvironment = "environ", spawnCommand = "fork_command"
    case session, rlimits, boundingSet = "bounding_set", credentials, capabilities, noNewPrivs = "no_new_privs"
    /// init becomes root of the new user namespace before it creates anything.
    case namespaceRoot = "userns_root"
    case umask, cwd, exec, foreground = "tcsetpgrp"
    /// `run -t`: nsbuild opens a pseudo-terminal pair for the command (pty(7)) before it forks the sandbox process.
    case terminal = "pty"
    /// `run -t`: nsbuild relays between its caller's terminal, in raw mode, and the command's pseudo-terminal until
    /// the sandbox process ends.
    case relay
    /// `up`: the sandbox process leaves nsbuild's session and streams, so the sandbox outlives nsbuild.
    case detach
    /// `up` without a command: init holds the namespaces until a signal ends it (the pause role).
    case hold
    /// `up`: the sandbox process no longer dies with nsbuild, once init said the sandbox is ready.
    case outlive = "outlive_nsbuild"
    /// A mount taken off a live sandbox (`plan --target`): umount2(2) from inside its mount namespace.
    case unmount = "umount"
    /// setns(2) into existing namespaces (`[namespaces] join`, or a live sandbox's for `exec`).
    case join = "setns"
    /// `apply`: a live sandbox's main command ended so that a new one replaces it (its keeper told first).
    case endCommand = "end_command"
    /// `apply`: the new main command's program looked up inside the live sandbox, before the old one is ended, so a
    /// program that is not there (or cannot be executed) stops `apply` with the old command still running.
    case checkProgram = "check_program"
    /// A veth(4) pair: its host end made by nsbuild with the peer directly in the sandbox's network namespace, or the
    /// inside end's addresses, link state and routes set by init (rtnetlink(7)).
    case veth
    /// A bridge on the host the host end of a veth joins, made when missing and left on the host.
    case bridge
    /// pasta(1), user-mode networking for the sandbox's network namespace, started by nsbuild.
    case pasta
    /// `run`, once the sandbox process ended: RTM_DELLINK of a veth's host end by nsbuild (rtnetlink(7)). The kernel
    /// deletes the pair with the sandbox's network namespace, but in a workqueue after the last process left it:
    /// without this step the host end can outlive `run`, and an immediate second run fails with EEXIST.
    case deleteLink = "dellink"
  }

  /// The processes of a sandbox: nsbuild on the host, the process that unshares, the new namespaces' init, and the
  /// command.
  public enum Actor: String, Sendable, Hashable, Codable, CaseIterable {
    /// nsbuild itself, outside every new namespace: writes the ID maps and clock offsets "from the parent side".
    case parent
    /// The forked child that calls unshare(2) and waits for the parent's writes.
    case sandbox
    /// The first process inside the new pid and time namespaces (PID 1 when `pid` is unshared); sets the sandbox up,
    /// forwards signals to the command and reaps every process.
    case initProcess = "init"
    /// The command's process, from its fork until execve(2).
    case command
    /// A process that enters a live sandbox's namespaces with setns(2): for `exec`, it forks the command into the
    /// sandbox's pid namespace, then waits for it and exits with its status; for `apply` (`plan --target`), it makes
    /// the calls of an in-place change from inside.
    case joiner
  }
}

/// How a step changes the current state (`+` create, `~` change in place, `=` already as wanted and skipped, `!`
/// something else is in the way, which run refuses to replace).
public enum Change: Sendable, Hashable, Codable {
  case create
  case modify(before: String, after: String)
  case unchanged(value: String)
  /// `before` (what stands there) is not what the step makes, and run will not replace it: the step fails.
  case conflict(before: String, after: String)

  public var symbol: String {
    switch self {
    case .create: "+"
    case .modify: "~"
    case .unchanged: "="
    case .conflict: "!"
    }
  }

  public var isUnchanged: Bool {
    if case .unchanged = self { return true }
    return false
  }
}
