import SpecParser

/// An ordered list of steps: everything `run` will do, and nothing else.
public struct Plan: Sendable, Hashable {
  /// The version of the plan's JSON form; bumped on any incompatible change.
  public static let formatVersion = 1

  public var steps: [Step]
  /// Things worth knowing before running: host checks and spec rules that are not errors.
  public var warnings: [String]

  public init(steps: [Step], warnings: [String] = []) {
    self.steps = steps
    self.warnings = warnings
  }
}

/// One step of a plan: what it does, which process does it, the exact calls, and where in the spec it comes from.
public struct Step: Sendable, Hashable {
  /// 1-based position in the plan; `run --verbose` and error messages use the same number.
  public var id: Int
  public var kind: Kind
  /// The process that makes the calls.
  public var actor: Actor
  /// The calls, in order, with their arguments as they will be made.
  public var calls: [Syscall]
  /// What changes against the current state.
  public var change: Change
  /// Why this step sits where it does, when the order matters.
  public var reason: String?
  /// Where in the spec the step comes from; nil for steps every sandbox needs.
  public var origin: SourceRange?

  public init(
    id: Int = 0, kind: Kind, actor: Actor, calls: [Syscall], change: Change, reason: String? = nil,
    origin: SourceRange? = nil
  ) {
    self.id = id
    self.kind = kind
    self.actor = actor
    self.calls = calls
    self.change = change
    self.reason = reason
    self.origin = origin
  }

  /// The kinds of step, by the kernel feature they use.
  public enum Kind: String, Sendable, Hashable {
    case spawn, unshare, setgroups, uidMap = "uid_map", gidMap = "gid_map", timeOffsets = "timens_offsets"
    case fork, propagation, hostname, domainname, mount, exec
  }

  /// The processes of a sandbox: nsbuild on the host, the process that unshares, the new namespace's init, and the
  /// command.
  public enum Actor: String, Sendable, Hashable {
    /// nsbuild itself, outside every new namespace: writes the ID maps and clock offsets "from the parent side".
    case parent
    /// The forked child that calls unshare(2) and waits for the parent's writes.
    case sandbox
    /// The first process inside the new pid and time namespaces (PID 1 when `pid` is unshared); sets the sandbox up
    /// and stays to reap.
    case initProcess = "init"
  }
}

/// How a step changes the current state (`+` create, `~` change in place, `=` already as wanted and skipped).
public enum Change: Sendable, Hashable {
  case create
  case modify(before: String, after: String)
  case unchanged(String)

  public var symbol: String {
    switch self {
    case .create: "+"
    case .modify: "~"
    case .unchanged: "="
    }
  }

  public var isUnchanged: Bool {
    if case .unchanged = self { return true }
    return false
  }
}

/// A call `run` makes, with its arguments. The applier interprets these values and nothing else.
public enum Syscall: Sendable, Hashable {
  case fork
  case setParentDeathSignal(Int32)
  case unshare(CloneFlags)
  /// write(2) of `contents` to `/proc/<sandbox pid>/<file>`.
  case writeProcFile(file: String, contents: String)
  case mount(source: String?, target: String, fstype: String?, flags: MountFlags, data: String?)
  case mountSetattr(path: String, recursive: Bool, set: MountAttributes)
  case sethostname(String)
  case setdomainname(String)
  /// Fork the command, set its working directory and environment, and execve(2) it; `path` is searched in the
  /// sandbox's PATH when it has no `/`.
  case exec(Command)
}

/// The command the sandbox runs.
public struct Command: Sendable, Hashable {
  public var args: [String]
  /// Start from an empty environment rather than nsbuild's.
  public var clearEnv: Bool
  /// Variables set on top, in order.
  public var env: [EnvironmentVariable]
  public var cwd: String

  public init(args: [String], clearEnv: Bool, env: [EnvironmentVariable], cwd: String) {
    self.args = args
    self.clearEnv = clearEnv
    self.env = env
    self.cwd = cwd
  }
}
