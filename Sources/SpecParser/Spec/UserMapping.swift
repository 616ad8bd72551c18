/// `[user]`: how IDs inside a new user namespace map to IDs outside (user_namespaces(7), `/proc/PID/uid_map`).
public struct UserMapping: Sendable, Hashable {
  /// uid_map lines; empty means the default: the caller mapped to 0 inside, one ID wide (as `unshare -r`).
  public var uidMap: [IDMapping]
  /// gid_map lines; empty means the caller's group mapped to 0 inside.
  public var gidMap: [IDMapping]
  /// What to write to `/proc/PID/setgroups`; nil means `deny` when the kernel requires it (an unprivileged
  /// caller), otherwise leave it as is.
  public var setgroups: Setgroups?

  public init(uidMap: [IDMapping] = [], gidMap: [IDMapping] = [], setgroups: Setgroups? = nil) {
    self.uidMap = uidMap
    self.gidMap = gidMap
    self.setgroups = setgroups
  }
}

/// The value written to `/proc/PID/setgroups` (user_namespaces(7)).
public enum Setgroups: String, Sendable, Hashable, CaseIterable {
  case allow, deny
}

/// One line of an ID map: `count` IDs starting at `inside` map to IDs starting at `outside`.
public struct IDMapping: Sendable, Hashable {
  /// Where a range starts: a fixed ID, or the calling user's (or group's) own ID.
  public enum Start: Sendable, Hashable {
    case id(UInt32)
    /// The caller's real UID (for uid_map) or real GID (for gid_map), looked up when the plan is made.
    case caller
  }

  /// Where the outside range starts.
  public typealias Outside = Start
  /// Where the inside range starts: `caller` keeps the caller's own ID inside (`inside = "caller"`).
  public typealias Inside = Start

  /// The first ID inside the namespace.
  public var inside: Inside
  /// The first ID outside (in the parent namespace).
  public var outside: Outside
  /// How many consecutive IDs the line maps (at least 1).
  public var count: UInt32

  public init(inside: Inside, outside: Outside, count: UInt32) {
    self.inside = inside
    self.outside = outside
    self.count = count
  }

  /// A line whose inside range starts at a fixed ID.
  public init(inside: UInt32, outside: Outside, count: UInt32) {
    self.init(inside: .id(inside), outside: outside, count: count)
  }

  /// Whether either side is the caller's ID, known only when the plan is made.
  public var usesCaller: Bool { inside == .caller || outside == .caller }
}

/// `[time]`: clock offsets of a new time namespace (time_namespaces(7), `/proc/PID/timens_offsets`).
public struct TimeOffsets: Sendable, Hashable {
  /// Offset of CLOCK_MONOTONIC; nil leaves it at 0.
  public var monotonic: ClockOffset?
  /// Offset of CLOCK_BOOTTIME; nil leaves it at 0.
  public var boottime: ClockOffset?

  public init(monotonic: ClockOffset? = nil, boottime: ClockOffset? = nil) {
    self.monotonic = monotonic
    self.boottime = boottime
  }

  public var isEmpty: Bool { monotonic == nil && boottime == nil }
}

/// A clock offset as timens_offsets takes it: whole seconds and a nanosecond part in 0..<1_000_000_000.
/// A negative offset has negative seconds and a non-negative nanosecond part (-1.5 s is -2 s + 500_000_000 ns).
public struct ClockOffset: Sendable, Hashable {
  /// Whole seconds; negative for an offset into the past.
  public var seconds: Int64
  /// Nanoseconds in 0..<1_000_000_000, added to `seconds`.
  public var nanoseconds: Int64

  public init(seconds: Int64, nanoseconds: Int64 = 0) {
    self.seconds = seconds
    self.nanoseconds = nanoseconds
  }
}
