import SpecParser

/// What the planner reads of the current state before planning. Read, never changed.
public struct ObservedState: Sendable, Hashable {
  /// The caller's real user and group IDs (getuid(2), getgid(2)), used for `outside = "caller"`.
  public var uid: UInt32
  public var gid: UInt32
  /// The effective user ID: 0 means maps can be written freely; otherwise the kernel's unprivileged rules apply.
  public var euid: UInt32
  /// The current hostname and NIS domain name (uname(2)), to diff the uts steps against.
  public var hostname: String
  public var domainname: String

  /// CLOCK_MONOTONIC and CLOCK_BOOTTIME now, in whole seconds: a negative offset larger than these is refused by
  /// the kernel (ERANGE).
  public var monotonicSeconds: Int64
  public var boottimeSeconds: Int64
  /// Paths of newuidmap(1) and newgidmap(1) when installed: an unprivileged caller needs them for any map but
  /// its own single ID.
  public var newuidmap: String?
  public var newgidmap: String?
  /// What the host allows, for the plan's warnings.
  public var host = HostFacts()
  /// What already stands where the spec's `[[files]]` paths and mount targets would be made on the host's tree or
  /// in a root folder, by sandbox path (see ``HostEntryReader``): absent paths are missing from the dictionary.
  public var hostEntries: [String: HostEntry] = [:]
  /// Whether `[process] cwd` is a folder where ``Planner/workingDirectoryPlace(of:)`` puts it on the host; nil when
  /// not read (it lands somewhere the host does not tell).
  public var workingDirectoryExists: Bool?
  /// The caller's namespaces as `/proc/self/ns/*` names them (`uts:[4026531838]`), by namespaces(7) name.
  public var namespaceIDs: [Namespace: String] = [:]

  public init(
    uid: UInt32, gid: UInt32, euid: UInt32, hostname: String, domainname: String, monotonicSeconds: Int64 = 0,
    boottimeSeconds: Int64 = 0
  ) {
    self.uid = uid
    self.gid = gid
    self.euid = euid
    self.hostname = hostname
    self.domainname = domainname
    self.monotonicSeconds = monotonicSeconds
    self.boottimeSeconds = boottimeSeconds
    self.newuidmap = nil
    self.newgidmap = nil
  }

  public var isPrivileged: Bool { euid == 0 }
}

/// Facts about the host that decide whether a plan can work, read before planning (never changed).
public struct HostFacts: Sendable, Hashable {
  /// `user.max_user_namespaces`; 0 disables user namespaces.
  public var maxUserNamespaces: Int?
  /// `kernel.apparmor_restrict_unprivileged_userns` is 1 (Ubuntu 23.10 and later).
  public var apparmorRestrictsUserNamespaces = false
  /// `/proc/self/ns/time` exists (Linux 5.6 and later, CONFIG_TIME_NS).
  public var hasTimeNamespaces = true
  /// mount_setattr(2) exists (Linux 5.12 and later).
  public var hasMountSetattr = true
  /// Mount points below the host's /proc: while any exist, the kernel refuses a fresh proc in a user namespace.
  public var procSubmounts: [String] = []
  /// The spec's host paths (bind sources, overlay folders, a root folder) that do not exist.
  public var missingPaths: [String] = []
  /// The caller has a range in /etc/subuid (by name or uid).
  public var hasSubordinateIDs = true
  /// nsbuild's capability bounding set (`CapBnd` in /proc/self/status), one bit per capability number; nil when
  /// not read. Without a user namespace the command can hold no capability outside it (capabilities(7)).
  public var boundingSet: UInt64?
  /// nsbuild's effective capabilities (`CapEff`), read when a caller without root unshares namespaces without a
  /// user namespace: they need CAP_SYS_ADMIN. nil when not read.
  public var effectiveCapabilities: UInt64?

  public init() {}
}

/// A file system entry on the host, as `plan` compares it with what a spec would create.
public enum HostEntry: Sendable, Hashable {
  case directory
  /// A regular file; its contents when small enough to compare (64 KiB), else nil.
  case file(contents: [UInt8]?)
  case symlink(to: String)
  case other
}
