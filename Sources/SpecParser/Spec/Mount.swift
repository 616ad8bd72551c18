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
    /// A fresh sysfs (sysfs(5)); it shows the network devices of the mounter's network namespace.
    case sysfs
    /// A minimal /dev, as `bwrap --dev` builds it: a tmpfs with null, zero, full, random, urandom and tty bound
    /// from the host, a private devpts at pts, ptmx, shm, and the fd, stdin, stdout and stderr links.
    case dev
    /// A private devpts instance (`newinstance,ptmxmode=0666,mode=620`).
    case devpts
    /// A POSIX message queue filesystem (mq_overview(7)) for the sandbox's ipc namespace.
    case mqueue
    /// An overlay (overlayfs): `lower` directories, top first as the kernel's `lowerdir` lists them, with an `upper`
    /// and `work` directory, or `upper = "tmpfs"` for a throw-away upper layer, or no upper (read-only).
    case overlay
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
  /// For `tmpfs`: the owner of its root (tmpfs `uid=`, `gid=`), as IDs inside the sandbox.
  public var uid: UInt32?
  public var gid: UInt32?
  /// For `overlay`: the lower directories (host paths, top first), and the upper layer.
  public var lower: [String]
  public var upper: OverlayUpper?
  /// The mount's propagation type after it is mounted (mount_namespaces(7)); nil leaves what it inherits.
  public var propagation: Propagation?
  /// For `proc` and `sysfs`: leave the filesystem as the kernel makes it. By default nsbuild does what the OCI
  /// runtimes do: read-only `/proc/sys`, `/proc/sysrq-trigger` and the like, masked `/proc/kcore` and the like, and
  /// a read-only sysfs when the command could be host root (podman's `--security-opt unmask=ALL`).
  public var unmask: Bool

  public init(
    kind: Kind, source: String? = nil, target: String, options: [MountOption] = [], size: UInt64? = nil,
    mode: UInt32? = nil, uid: UInt32? = nil, gid: UInt32? = nil, lower: [String] = [], upper: OverlayUpper? = nil,
    propagation: Propagation? = nil, unmask: Bool = false
  ) {
    self.kind = kind
    self.source = source
    self.target = target
    self.options = options
    self.size = size
    self.mode = mode
    self.uid = uid
    self.gid = gid
    self.lower = lower
    self.upper = upper
    self.propagation = propagation
    self.unmask = unmask
  }

  /// Whether the mount ends up read-only.
  public var isReadOnly: Bool { options.contains(.ro) }
}

/// The writable layer of an overlay.
public enum OverlayUpper: Sendable, Hashable {
  /// Host directories for `upperdir` and `workdir` (on one filesystem); changes persist there.
  case directories(upper: String, work: String)
  /// A tmpfs made for this overlay; changes vanish with the sandbox.
  case tmpfs
}

/// A mount propagation type (mount_namespaces(7)).
public enum Propagation: String, Sendable, Hashable, CaseIterable {
  case `private`, slave, shared, unbindable
}

/// A per-mount flag, named as mount(8) names it; each maps to an `MS_*` flag or a `MOUNT_ATTR_*` attribute.
public enum MountOption: String, Sendable, Hashable, CaseIterable {
  /// Read-only, recursively for binds (`MOUNT_ATTR_RDONLY` with `AT_RECURSIVE`).
  case ro
  /// Writable (the default; listed to say so).
  case rw
  /// Ignore set-user-ID and set-group-ID bits (`MS_NOSUID`).
  case nosuid
  /// Do not interpret device files (`MS_NODEV`).
  case nodev
  /// Do not allow programs to be executed (`MS_NOEXEC`).
  case noexec
  /// Update access times relative to modification times (`MS_RELATIME`).
  case relatime
  /// Never update access times (`MS_NOATIME`).
  case noatime
  /// Always update access times (`MS_STRICTATIME`).
  case strictatime
  /// Do not update directory access times (`MS_NODIRATIME`).
  case nodiratime
}
