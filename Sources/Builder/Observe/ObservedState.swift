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
  /// The host paths the spec opens before any mount (bind sources, overlay folders, device nodes) as they resolve
  /// now, by path as written (see ``HostPathResolver``): absent paths are taken as written.
  public var hostSources: [String: ResolvedHostPath] = [:]
  /// With the host's tree as the root: the `[[files]]` paths and mount targets on it as they resolve now, by path
  /// as written; absent paths are taken as written.
  public var hostTreePaths: [String: ResolvedHostPath] = [:]
  /// The `[[files]]` paths and mount targets beneath a bind whose way inside the bind's source passes a symlink
  /// (the first one), by path as written: `run` refuses them.
  public var symlinksBeneathBinds: [String: HostLink] = [:]
  /// In a root folder, where a spec path lands when a symlink on the way leads elsewhere, by sandbox path (see
  /// ``HostEntryReader/destinations(for:)``); ``hostEntries`` holds what stands there.
  public var inRootDestinations: [String: String] = [:]
  /// Whether `[process] cwd` is a folder where ``WorkingDirectoryPlace`` puts it on the host; nil when
  /// not read (it lands somewhere the host does not tell).
  public var workingDirectoryExists: Bool?
  /// The caller's namespaces as `/proc/self/ns/*` names them (`uts:[4026531838]`), by namespaces(7) name.
  public var namespaceIDs: [Namespace: String] = [:]
  /// Host paths `run` would make (``Plan/hostChanges``, without the "mount point " prefix) whose file system keeps
  /// no birth times (statx(2) without STATX_BTIME): a failed run's undo cannot be exact there.
  public var withoutBirthTimes: [String] = []
  /// Whether each host folder a `[[files]]` entry or mount point would be made in (and the entry itself) exists,
  /// by host path (see ``HostFolderReader``); paths not read are absent, and the plan claims nothing about them.
  public var hostPathExists: [String: Bool] = [:]
  /// The first obstacle on the way to each `[[files]]` path or mount target on the root tree, by sandbox path (see
  /// ``HostObstacleReader``): a dangling symlink on the host's tree, a file where a folder is needed.
  public var obstacles: [String: HostObstacle] = [:]
  /// Where run would make the first missing name on the way to each of those paths, by sandbox path (see
  /// ``MakingFolder``).
  public var makingFolders: [String: MakingFolder] = [:]
  /// What each `[namespaces] join` entry names now, by namespace (see ``JoinTargetReader``).
  public var joinTargets: [Namespace: JoinObservation] = [:]
  /// Whether overlayfs makes an `index` folder in each work folder (its `index` feature is on by default here).
  public var overlayMakesIndex = false
  /// The host interfaces the spec's veths and bridges name that exist now, by name (see ``HostInterfaceReader``).
  public var hostInterfaces: [String: HostInterface] = [:]
  /// Where pasta(1) is installed and executable by this process, when the spec has `[net.pasta]`.
  public var pasta: String?

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
  /// `reader.apparmor_restrict_unprivileged_userns` is 1 (Ubuntu 23.10 and later).
  public var apparmorRestrictsUserNamespaces = false
  /// `/proc/self/ns/time` exists (Linux 5.6 and later, CONFIG_TIME_NS).
  public var hasTimeNamespaces = true
  /// mount_setattr(2) exists (Linux 5.12 and later).
  public var hasMountSetattr = true
  /// The first call of the new mount API (fsopen(2), fsconfig(2), fsmount(2), open_tree(2), move_mount(2); Linux
  /// 5.2) this kernel lacks, probed for ENOSYS; nil when it has them all. Without one, mounts go through mount(2)
  /// on /proc/self/fd paths, with a warning.
  public var missingMountCall: String?
  /// overlayfs takes its layers as fds (fsconfig(2) FSCONFIG_SET_FD of `lowerdir+`, `upperdir`, `workdir`; Linux
  /// 6.13 and later); otherwise an overlay goes through mount(2) with /proc/self/fd paths, with a warning.
  public var overlayTakesLayerFDs = true
  /// The caller's proc and sysfs mounts and the mounts right on them, read when a user namespace gets a fresh one:
  /// the kernel refuses that unless one of them is fully visible (see ``FreshMountVisibility``).
  public var kernelFilesystemMounts: [HostMount] = []
  /// The spec's host paths (bind sources, overlay folders, a root folder) that do not exist.
  public var missingPaths: [String] = []
  /// The caller has a range in /etc/subuid (by name or uid).
  public var hasSubordinateIDs = true
  /// nsbuild's capability bounding set (`CapBnd` in /proc/self/status), one bit per capability number; nil when
  /// not read. Without a user namespace the command can hold no capability outside it (capabilities(7)).
  public var boundingSet: UInt64?
  /// nsbuild's supplementary groups (`Groups` in /proc/self/status), read when the spec unshares `user`: with
  /// setgroups denied there, no process can drop them, so the command keeps them.
  public var supplementaryGroups: [UInt32] = []
  /// nsbuild's current resource limits (/proc/self/limits), read when the spec sets `[process] rlimits`; the command
  /// inherits them, and can raise a hard one only with CAP_SYS_RESOURCE outside any user namespace.
  public var limits: [ResourceLimit.Resource: ResourceLimit] = [:]
  /// `fs.nr_open`: no hard `nofile` limit may exceed it, whatever the capabilities (setrlimit(2) EPERM).
  public var nrOpen: UInt64?
  /// nsbuild's effective capabilities (`CapEff`), read with the limits, for a user namespace, and when a caller without root unshares namespaces without one (they need CAP_SYS_ADMIN, bit 21): bit 24 is
  /// CAP_SYS_RESOURCE, bit 18 CAP_SYS_CHROOT (setns(2) into a mount namespace needs it).
  public var effectiveCapabilities: UInt64?
  /// The caller's mounts (`/proc/self/mountinfo`), read when the spec binds, overlays or sets propagation: what a
  /// bind or an overlay layer will show of the mounts beneath it, and whether the host's tree is shared.
  public var mounts: [HostMount] = []
  /// The spec's host paths with symlinks resolved (realpath(3)), where that differs: mountinfo names real paths.
  /// A root folder's is always read: run refuses one reached through a symlink.
  public var realPaths: [String: String] = [:]

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
