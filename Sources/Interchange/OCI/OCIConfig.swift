/// The part of an OCI runtime-spec `config.json` (runtime-spec config.md and config-linux.md, version 1.x) that
/// nsbuild writes and reads. Every field is optional, as a decoded document may leave any out; unknown fields are
/// ignored on decoding (the import reports the ones it knows nsbuild cannot express, from ``OCIConfigFields``).
public struct OCIConfig: Sendable, Equatable, Codable {
  public var ociVersion: String?
  public var process: OCIProcess?
  public var root: OCIRoot?
  public var hostname: String?
  public var domainname: String?
  public var mounts: [OCIMount]?
  public var linux: OCILinux?
  /// Free-form key/value metadata; nsbuild keeps what the spec said but the config cannot (``OCIAnnotation``).
  public var annotations: [String: String]?

  public init() {}
}

/// `process`: the container's process (config.md "Process").
public struct OCIProcess: Sendable, Equatable, Codable {
  public var terminal: Bool?
  public var user: OCIUser?
  public var args: [String]?
  /// `NAME=value` strings, as execve(2) takes them.
  public var env: [String]?
  /// Absolute path inside the container.
  public var cwd: String?
  public var capabilities: OCICapabilities?
  public var rlimits: [OCIRlimit]?
  public var noNewPrivileges: Bool?

  public init() {}
}

/// `process.user`: IDs in the container's user namespace, and the umask.
public struct OCIUser: Sendable, Equatable, Codable {
  public var uid: UInt32?
  public var gid: UInt32?
  /// umask(2) value, a plain number (the runtime-spec 1.0.2 field).
  public var umask: UInt32?
  public var additionalGids: [UInt32]?

  public init(uid: UInt32? = nil, gid: UInt32? = nil, umask: UInt32? = nil, additionalGids: [UInt32]? = nil) {
    self.uid = uid
    self.gid = gid
    self.umask = umask
    self.additionalGids = additionalGids
  }
}

/// `process.capabilities`: capabilities(7) names (`CAP_NET_ADMIN`) per set.
public struct OCICapabilities: Sendable, Equatable, Codable {
  public var bounding: [String]?
  public var effective: [String]?
  public var inheritable: [String]?
  public var permitted: [String]?
  public var ambient: [String]?

  public init() {}
}

/// One `process.rlimits` entry: `type` is `RLIMIT_NOFILE` and the like; limits are setrlimit(2) values, with
/// 2^64-1 for RLIM_INFINITY.
public struct OCIRlimit: Sendable, Equatable, Codable {
  public var type: String
  public var hard: UInt64
  public var soft: UInt64

  public init(type: String, hard: UInt64, soft: UInt64) {
    self.type = type
    self.hard = hard
    self.soft = soft
  }
}

/// `root`: the container's root filesystem, a path relative to the bundle or absolute.
public struct OCIRoot: Sendable, Equatable, Codable {
  public var path: String
  public var readonly: Bool?

  public init(path: String, readonly: Bool? = nil) {
    self.path = path
    self.readonly = readonly
  }
}

/// One `mounts` entry (config.md "Mounts"): `options` are mount(8) names plus the runtimes' own (`rbind`, `rro`).
public struct OCIMount: Sendable, Equatable, Codable {
  public var destination: String
  public var type: String?
  public var source: String?
  public var options: [String]?

  public init(destination: String, type: String?, source: String?, options: [String]?) {
    self.destination = destination
    self.type = type
    self.source = source
    self.options = options
  }
}

/// `linux`: the Linux-specific part (config-linux.md).
public struct OCILinux: Sendable, Equatable, Codable {
  public var namespaces: [OCINamespace]?
  public var uidMappings: [OCIIDMapping]?
  public var gidMappings: [OCIIDMapping]?
  /// Offsets of the time namespace's clocks, keyed `monotonic` and `boottime`.
  public var timeOffsets: [String: OCITimeOffset]?
  public var maskedPaths: [String]?
  public var readonlyPaths: [String]?
  /// `private`, `rprivate`, `slave`, `rslave`, `shared`, `rshared`, `unbindable` or `runbindable`.
  public var rootfsPropagation: String?

  public init() {}
}

/// One `linux.namespaces` entry: a new namespace of `type`, or with `path` the existing one that file names.
public struct OCINamespace: Sendable, Equatable, Codable {
  /// `pid`, `network`, `mount`, `ipc`, `uts`, `user`, `cgroup` or `time`.
  public var type: String
  public var path: String?

  public init(type: String, path: String? = nil) {
    self.type = type
    self.path = path
  }
}

/// One line of an ID map: `size` IDs from `containerID` inside map to IDs from `hostID` outside.
public struct OCIIDMapping: Sendable, Equatable, Codable {
  public var containerID: UInt32
  public var hostID: UInt32
  public var size: UInt32

  public init(containerID: UInt32, hostID: UInt32, size: UInt32) {
    self.containerID = containerID
    self.hostID = hostID
    self.size = size
  }
}

/// A clock offset of `linux.timeOffsets` (time_namespaces(7)): seconds, and nanoseconds in 0..<1e9.
public struct OCITimeOffset: Sendable, Equatable, Codable {
  public var secs: Int64?
  public var nanosecs: UInt32?

  public init(secs: Int64?, nanosecs: UInt32?) {
    self.secs = secs
    self.nanosecs = nanosecs
  }
}

/// The annotations nsbuild writes so that `import` gives back the spec an export came from: what the config
/// expresses differently (a host tree as binds, the mount namespace the runtimes need, an inherited environment).
public enum OCIAnnotation {
  /// `host` (the host's tree, exported as binds) or `tmpfs` (an empty root); absent for a root folder.
  public static let root = "org.nsbuild.root"
  /// The spec's `[namespaces] unshare`, comma-separated in spec order.
  public static let unshare = "org.nsbuild.unshare"
  /// Indices in `mounts` (comma-separated) of the mounts nsbuild added and the spec does not hold.
  public static let addedMounts = "org.nsbuild.added-mounts"
  /// Names (comma-separated) of the variables in `process.env` inherited from the environment `export` ran in.
  public static let inheritedEnv = "org.nsbuild.inherited-env"
  /// The spec's `[process] unset`, comma-separated.
  public static let unset = "org.nsbuild.unset"
  /// `uid`, `gid` or both (comma-separated): ID maps the spec left to the default (the caller mapped to 0).
  public static let defaultMaps = "org.nsbuild.default-maps"
  /// The joins of live sandboxes by name, `TYPE=NAME` comma-separated: the config holds their inits' namespace
  /// files as they were at export time.
  public static let joins = "org.nsbuild.joins"
  /// `true` when `process.user.umask` is the umask `export` ran with, the spec giving none.
  public static let inheritedUmask = "org.nsbuild.inherited-umask"
}
