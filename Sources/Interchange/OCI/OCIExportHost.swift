import SpecParser

/// What an export reads from the machine it runs on, to resolve what a spec leaves to run time: the caller's IDs
/// (`outside = "caller"`, the default ID maps), its environment (`clear_env = false`), its umask, and the entries of
/// the host's `/` (a host-tree spec becomes binds of them). Gathered by the CLI through `SystemReader`; tests build
/// one by hand.
public struct OCIExportHost: Sendable, Hashable {
  /// The caller's real user and group IDs (getuid(2), getgid(2)).
  public var uid: UInt32
  public var gid: UInt32
  /// The caller's environment, `NAME=value` strings as environ(7) holds them.
  public var environment: [String]
  /// The caller's umask (`Umask:` in /proc/self/status, proc(5)).
  public var umask: UInt32
  /// The entries of the host's `/`, sorted by name.
  public var rootEntries: [OCIHostEntry]
  /// For each `[namespaces] join` of a live sandbox by name: the namespace file of its init now
  /// (`/proc/PID/ns/TYPE`), or why there is none (`Observer`'s join observation).
  public var joins: [Namespace: Result<String, JoinProblem>]

  /// Why a live sandbox's namespace cannot be found at export time.
  public struct JoinProblem: Error, Sendable, Hashable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
  }

  /// The spec's mount targets below the host's top folders that do not exist on the host: for a host-tree spec a
  /// runtime makes them through the bind, on the host, and leaves them.
  public var missingTargets: Set<String>

  public init(
    uid: UInt32, gid: UInt32, environment: [String], umask: UInt32, rootEntries: [OCIHostEntry],
    joins: [Namespace: Result<String, JoinProblem>] = [:], missingTargets: Set<String> = []
  ) {
    self.uid = uid
    self.gid = gid
    self.environment = environment
    self.umask = umask
    self.rootEntries = rootEntries
    self.joins = joins
    self.missingTargets = missingTargets
  }
}

/// One entry of the host's `/`.
public struct OCIHostEntry: Sendable, Hashable {
  public enum Kind: Sendable, Hashable {
    case directory
    case file
    /// A symbolic link, with what it points to.
    case symlink(String)
    /// A device, socket or fifo: not carried into a bundle.
    case other
  }

  /// The name in `/`, without a slash.
  public var name: String
  public var kind: Kind

  public init(name: String, kind: Kind) {
    self.name = name
    self.kind = kind
  }
}

/// What a bundle holds besides config.json: the rootfs folder and what is made in it at export time, all paths
/// relative to `rootfs/`.
public enum OCIRootfsEntry: Sendable, Hashable {
  /// A folder with its permission bits: a mount point, or a `[[files]]` entry.
  case directory(String, mode: UInt32 = 0o755)
  /// A file with its bytes and permission bits: an empty one is the mount point of a file bind.
  case file(String, content: [UInt8], mode: UInt32)
  /// A symbolic link with its target, as on the host.
  case symlink(String, target: String)
}

/// An exported bundle before it is written: `config.json`'s value, what its `rootfs/` holds, and the report.
public struct OCIBundle: Sendable, Equatable {
  public var config: OCIConfig
  /// Made in the bundle's `rootfs/` folder, in order, after the folder itself.
  public var rootfs: [OCIRootfsEntry]
  public var report: InterchangeReport

  public init(config: OCIConfig, rootfs: [OCIRootfsEntry], report: InterchangeReport) {
    self.config = config
    self.rootfs = rootfs
    self.report = report
  }
}
