/// The kernel's rule for a fresh proc or sysfs inside a user namespace (fs/namespace.c `mount_too_revealing`): it
/// mounts one only while an instance of that filesystem is already fully visible in the mount namespace, that is
/// mounted at the filesystem's root with no mount on it covering anything but a permanently empty folder. Every
/// mount a user namespace's mount namespace copies from the host is locked, so each one counts.
enum FreshMountVisibility {
  /// Folders the kernel makes permanently empty (`register_sysctl_mount_point`, `sysfs_create_mount_point`), relative
  /// to the filesystem's root: a mount on them hides nothing, so the kernel ignores it.
  static let permanentlyEmpty: [String: Set<String>] = [
    "proc": ["sys/fs/binfmt_misc"],
    "sysfs": [
      "fs/cgroup", "fs/bpf", "fs/pstore", "fs/fuse/connections", "fs/selinux", "fs/smackfs", "fs/resctrl",
      "kernel/debug", "kernel/tracing", "kernel/config", "kernel/security", "firmware/efi/efivars",
    ],
  ]

  /// Why the kernel would refuse a fresh mount of `fstype` (`proc` or `sysfs`), read-only or not as `readOnly` says.
  enum Refusal: Sendable, Hashable {
    /// Every instance has mounts covering part of it; those of the least covered one.
    case covered([String])
    /// The only fully visible instances are read-only, which a user namespace locks (MNT_LOCK_READONLY): the kernel
    /// then takes only a read-only fresh mount.
    case readOnly
  }

  /// nil when an instance is fully visible, or when none is mounted (nothing to say).
  static func refusal(of fstype: String, in mounts: [HostMount], readOnly: Bool) -> Refusal? {
    let instances = mounts.filter { $0.fstype == fstype && $0.root == "/" }
    var least: [String]?
    var uncoveredButReadOnly = false
    for instance in instances {
      let covering = mounts.filter { $0.parentID == instance.id && $0.id != instance.id }.filter {
        !isPermanentlyEmpty($0.mountPoint, in: instance, fstype)
      }.map(\.mountPoint)
      if covering.isEmpty {
        if readOnly || !instance.isReadOnly { return nil }
        uncoveredButReadOnly = true
      } else if covering.count < least?.count ?? Int.max {
        least = covering
      }
    }
    if uncoveredButReadOnly { return .readOnly }
    return least.map { .covered($0) }
  }

  /// The mounts of `fstype`s and those right on them: all ``refusal(of:in:readOnly:)`` reads of the caller's mounts.
  static func relevant(_ mounts: [HostMount], _ fstypes: Set<String>) -> [HostMount] {
    let instances = Set(mounts.filter { fstypes.contains($0.fstype) }.map(\.id))
    return mounts.filter { instances.contains($0.id) || instances.contains($0.parentID) }
  }

  /// Whether `mountPoint`, on `instance`, is one of the permanently empty folders (a mount stacked on the instance's
  /// own mount point covers all of it).
  private static func isPermanentlyEmpty(_ mountPoint: String, in instance: HostMount, _ fstype: String) -> Bool {
    let prefix = instance.mountPoint == "/" ? "/" : instance.mountPoint + "/"
    guard mountPoint.hasPrefix(prefix) else { return false }
    return permanentlyEmpty[fstype]?.contains(String(mountPoint.dropFirst(prefix.count))) ?? false
  }
}
