/// `[process]`: the command that runs inside the sandbox.
public struct Process: Sendable, Hashable {
  /// argv, starting with the program; a name without `/` is looked up in the sandbox's `PATH`.
  /// nil means none is given (then `run` needs one after `--`).
  public var args: [String]?
  /// Variables to set, in the order written; they override inherited ones.
  public var env: [EnvironmentVariable]
  /// Start from an empty environment instead of nsbuild's own.
  public var clearEnv: Bool
  /// The working directory inside the sandbox; nil means `/`.
  public var cwd: String?

  public init(args: [String]? = nil, env: [EnvironmentVariable] = [], clearEnv: Bool = false, cwd: String? = nil) {
    self.args = args
    self.env = env
    self.clearEnv = clearEnv
    self.cwd = cwd
  }
}

/// One `NAME = "value"` of `[process] env`.
public struct EnvironmentVariable: Sendable, Hashable {
  public var name: String
  public var value: String

  public init(_ name: String, _ value: String) {
    self.name = name
    self.value = value
  }
}
