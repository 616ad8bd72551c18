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
