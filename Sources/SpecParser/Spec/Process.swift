/// `[process]`: the command that runs inside the sandbox, and what it runs as.
public struct Process: Sendable, Hashable {
  /// argv, starting with the program; a name without `/` is looked up in the sandbox's `PATH`.
  /// nil means none is given (then `run` needs one after `--`).
  public var args: [String]?
  /// Variables to set, in the order written; they override inherited ones.
  public var env: [EnvironmentVariable]
  /// Start from an empty environment instead of nsbuild's own; nsbuild's own is then also wiped from its init's
  /// memory, so `/proc/1/environ` shows nothing.
  public var clearEnv: Bool
  /// Inherited variables to remove.
  public var unset: [String]
  /// The working directory inside the sandbox; nil means `/`.
  public var cwd: String?
  /// The user and group IDs inside (setresuid(2), setresgid(2)); nil means 0, the root of the sandbox's user
  /// namespace (or root, without one), as in runc and crun. Without root and without a user namespace, nil keeps
  /// the caller's own.
  public var uid: UInt32?
  public var gid: UInt32?
  /// Supplementary groups (setgroups(2)); nil means none, except where setgroups(2) is refused (a user namespace
  /// with setgroups denied, or no root and no user namespace): then the caller's stay.
  public var groups: [UInt32]?
  /// Set PR_SET_NO_NEW_PRIVS (prctl(2)), so set-user-ID programs cannot gain privileges. Default true.
  public var noNewPrivs: Bool
  /// Capabilities to keep (capabilities(7) names); every other one is dropped from all sets. Default: none kept.
  public var capabilities: [Capability]
  /// Resource limits (setrlimit(2)).
  public var rlimits: [ResourceLimit]
  /// The file mode creation mask (umask(2)); nil keeps nsbuild's.
  public var umask: UInt32?
  /// Run the command in a new session (setsid(2)), away from the terminal's TIOCSTI injection. Default true.
  public var newSession: Bool
  /// nsbuild ends (SIGKILL, PR_SET_PDEATHSIG) when the process that started it dies, and the sandbox with it, as
  /// `bwrap --die-with-parent`. Default true; false lets a sandbox outlive a shell that started it in the background.
  public var dieWithParent = true
  /// `run`: the command gets a pseudo-terminal of its own (pty(7)) as its controlling terminal, relayed to the
  /// caller's terminal by nsbuild, as `docker run -t` does; nothing inside reaches the caller's terminal. Default false.
  public var terminal = false

  public init(
    args: [String]? = nil, env: [EnvironmentVariable] = [], clearEnv: Bool = false, unset: [String] = [],
    cwd: String? = nil, uid: UInt32? = nil, gid: UInt32? = nil, groups: [UInt32]? = nil, noNewPrivs: Bool = true,
    capabilities: [Capability] = [], rlimits: [ResourceLimit] = [], umask: UInt32? = nil, newSession: Bool = true
  ) {
    self.args = args
    self.env = env
    self.clearEnv = clearEnv
    self.unset = unset
    self.cwd = cwd
    self.uid = uid
    self.gid = gid
    self.groups = groups
    self.noNewPrivs = noNewPrivs
    self.capabilities = capabilities
    self.rlimits = rlimits
    self.umask = umask
    self.newSession = newSession
  }
}

/// One `NAME = "value"` of `[process] env`.
public struct EnvironmentVariable: Sendable, Hashable, Codable {
  public var name: String
  public var value: String

  public init(_ name: String, _ value: String) {
    self.name = name
    self.value = value
  }
}

/// One resource limit: `soft` and `hard`, nil for RLIM_INFINITY.
public struct ResourceLimit: Sendable, Hashable, Codable {
  public var resource: Resource
  /// The soft limit, in the resource's own unit (setrlimit(2): seconds for `cpu`, bytes for `as`, `data`, `fsize`,
  /// `stack`, `core`, `memlock`, `msgqueue`, a count for `nofile`, `nproc`, `sigpending`, `locks`, microseconds for
  /// `rttime`); nil for RLIM_INFINITY.
  public var soft: UInt64?
  /// The hard limit, in the same unit; nil for RLIM_INFINITY.
  public var hard: UInt64?

  public init(_ resource: Resource, soft: UInt64?, hard: UInt64?) {
    self.resource = resource
    self.soft = soft
    self.hard = hard
  }

  /// The resources of setrlimit(2), by their `RLIMIT_*` names in lower case, with their numbers on Linux.
  public enum Resource: String, Sendable, Hashable, CaseIterable, Codable {
    case cpu, fsize, data, stack, core, rss, nproc, nofile, memlock
    case `as`, locks, sigpending, msgqueue, nice, rtprio, rttime

    /// The `RLIMIT_*` number (asm-generic/resource.h).
    public var number: Int32 {
      switch self {
      case .cpu: 0
      case .fsize: 1
      case .data: 2
      case .stack: 3
      case .core: 4
      case .rss: 5
      case .nproc: 6
      case .nofile: 7
      case .memlock: 8
      case .as: 9
      case .locks: 10
      case .sigpending: 11
      case .msgqueue: 12
      case .nice: 13
      case .rtprio: 14
      case .rttime: 15
      }
    }
  }
}
