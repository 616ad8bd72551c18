/// One `[[mounts]]` entry: a filesystem to mount at `target` inside the sandbox.
public struct Mount: Sendable, Hashable {
  /// The kind of mount, by the spec's `type` key.
  public enum Kind: String, Sendable, Hashable, CaseIterable {
    /// A recursive bind mount of `source` (mount(2) with `MS_BIND|MS_REC`).
    case bind
    /// A fresh tmpfs (tmpfs(5)).
    case tmpfs
    /// A fresh procfs for the sandbox's pid namespace (proc(5)).
    case proc
  }

  public var kind: Kind
  /// For `bind`: the absolute host path to bind.
  public var source: String?
  /// The absolute path inside the sandbox.
  public var target: String
  /// Flags, in the order written.
  public var options: [MountOption]
  /// For `tmpfs`: the size limit in bytes (tmpfs `size=`).
  public var size: UInt64?
  /// For `tmpfs`: the permission bits of its root (tmpfs `mode=`), e.g. 0o1777.
  public var mode: UInt32?

  public init(
    kind: Kind, source: String? = nil, target: String, options: [MountOption] = [], size: UInt64? = nil,
    mode: UInt32? = nil
  ) {
    self.kind = kind
    self.source = source
    self.target = target
    self.options = options
    self.size = size
    self.mode = mode
  }

  /// Whether the mount ends up read-only.
  public var isReadOnly: Bool { options.contains(.ro) }
}

/// A per-mount flag, named as mount(8) names it; each maps to an `MS_*` flag or a `MOUNT_ATTR_*` attribute.
public enum MountOption: String, Sendable, Hashable, CaseIterable {
  /// Read-only, recursively (`MOUNT_ATTR_RDONLY` with `AT_RECURSIVE`).
  case ro
  /// Writable (the default; listed to say so).
  case rw
  /// Ignore set-user-ID and set-group-ID bits (`MS_NOSUID`).
  case nosuid
  /// Do not interpret device files (`MS_NODEV`).
  case nodev
  /// Do not allow programs to be executed (`MS_NOEXEC`).
  case noexec
}
