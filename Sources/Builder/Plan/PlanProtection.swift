import SpecParser

/// What nsbuild does to a fresh proc or sysfs unless the mount says `unmask = true`: the OCI runtimes' default
/// `readonlyPaths` and `maskedPaths` (`runc spec`, crun, Docker and podman share them), each relative to the mount.
///
/// Why always, and not only without a user namespace: proc(5) lets a writer of `/proc/sys` through when its
/// effective uid is host uid 0, and a user namespace made by root maps root's own uid in by default (the caller
/// becomes 0 inside, as `unshare -r` does), so such a sandbox is host root for sysctls too. The masked files show
/// kernel memory, keys and timers whatever the uid. The cost: a user namespace nested inside the sandbox cannot mount
/// a fresh proc or sysfs over masked paths (the kernel's mount_too_revealing check), which `unmask` is for.
public enum KernelFilesystemProtection {
  /// Made read-only (bound onto themselves, then `MOUNT_ATTR_RDONLY`), beneath a proc mount; paths are relative to
  /// the mount's root.
  public static let readOnlyProcPaths = ["bus", "fs", "irq", "sys", "sysrq-trigger"]
  /// Folders covered with an empty read-only tmpfs beneath a proc mount.
  public static let maskedProcFolders = ["acpi", "asound", "scsi"]
  /// Files covered with the null device beneath a proc mount (they read empty).
  public static let maskedProcFiles = ["kcore", "keys", "latency_stats", "timer_list", "timer_stats", "sched_debug"]
  /// Folders covered beneath a sysfs mount (firmware tables; powercap's energy counters are a side channel,
  /// CVE-2020-8694).
  public static let maskedSysfsFolders = ["firmware", "devices/virtual/powercap"]

  /// Whether `mount` gets the protection step.
  static func applies(to mount: Mount) -> Bool {
    switch mount.kind {
    case .proc, .sysfs: !mount.unmask
    case .bind, .tmpfs, .dev, .devpts, .mqueue, .overlay: false
    }
  }

  /// Whether the protection of `mount` covers files with the null device (a proc's masked files).
  static func needsNullDevice(_ mount: Mount) -> Bool { mount.kind == .proc && applies(to: mount) }
}

extension Planner {
  /// Whether the command can act as host uid 0 for what the kernel checks by uid alone (files, sysctls, sysfs): no
  /// user namespace, or one whose uid_map maps host uid 0 in (a root caller's default map does).
  public var mayActAsHostRoot: Bool {
    guard spec.unshares(.user) else { return true }
    let map = spec.user.uidMap.isEmpty ? [defaultMapping] : spec.user.uidMap
    return map.contains { line in
      switch line.outside {
      case .caller: state.uid == 0
      case .id(let id): id == 0
      }
    }
  }
}

extension FilesystemPlan {
  /// A sysfs made read-only because the command could be host root: every attribute there is host-global but for
  /// the network devices of its own namespace.
  func protectedSysfs(_ mount: Mount) -> Mount {
    guard mount.kind == .sysfs, KernelFilesystemProtection.applies(to: mount), planner.mayActAsHostRoot,
      !mount.isReadOnly
    else { return mount }
    var copy = mount
    copy.options.append(.ro)
    return copy
  }

  /// The step after a fresh proc or sysfs mount that makes its host-wide settings read-only and masks what shows
  /// kernel internals; nil when the mount says `unmask = true` or is of another kind.
  mutating func protectionStep(_ index: Int, _ mount: Mount, nullDevice: Int?) -> Step? {
    guard KernelFilesystemProtection.applies(to: mount) else { return nil }
    let mounted = slot()
    // Resolved again after mounting, so the fd is the fresh filesystem's root; every path below is looked up beneath
    // it, through no symlink, so nothing outside that fresh filesystem is ever touched. The target is looked up as
    // the mount step looked it up (see ``place(_:)``): beneath a bind through no symlink, on the host's tree as plan
    // resolved it.
    let at = place(mount.target)
    var calls: [Syscall] = [
      .resolve(root: at.root, path: at.path, create: nil, slot: mounted, lookup: at.lookup)
    ]
    let base = mount.target == "/" ? "" : mount.target
    if mount.kind == .proc {
      for path in KernelFilesystemProtection.readOnlyProcPaths {
        calls.append(.readOnlyPath(mount: mounted, path: path, shown: base + "/" + path, throughProc: throughProc))
      }
      for path in KernelFilesystemProtection.maskedProcFolders + KernelFilesystemProtection.maskedProcFiles {
        let isFile = KernelFilesystemProtection.maskedProcFiles.contains(path)
        calls.append(
          .maskPath(
            mount: mounted, path: path, shown: base + "/" + path, nullDevice: isFile ? nullDevice : nil,
            throughProc: throughProc))
      }
    } else {
      for path in KernelFilesystemProtection.maskedSysfsFolders {
        calls.append(
          .maskPath(mount: mounted, path: path, shown: base + "/" + path, nullDevice: nil, throughProc: throughProc))
      }
    }
    let what =
      mount.kind == .proc
      ? "OCI runtimes' defaults: kernel settings read-only, kernel memory, keys and timers masked"
      : "OCI runtimes' defaults: firmware tables and power counters masked"
    let hostRoot = planner.mayActAsHostRoot ? " (the command could be host root here)" : ""
    return Step(
      kind: .protect, actor: .initProcess, subject: .mountTarget(path: mount.target), calls: calls, change: .create,
      reason:
        "\(what)\(hostRoot); each path is opened beneath fd[\(mounted)] through no symlink and skipped where this kernel has none (ENOENT); `unmask = true` on the mount leaves them",
      origin: planner.origin(SpecKeyPath("mounts").index(index)), label: "protect the \(mount.kind.rawValue) on \(base)"
    )
  }
}

extension Syscall {
  /// The attributes a read-only path and a masking bind get.
  static let readOnlyPathAttributes: MountAttributes = [.rdonly, .nosuid, .nodev, .noexec]
  /// The null device stays usable (nodev would make it unreadable) but read-only.
  static let maskBindAttributes: MountAttributes = [.rdonly, .nosuid, .noexec]
  /// The flags and data of the tmpfs that covers a masked folder.
  static let maskTmpfsFlags: MountFlags = [.rdonly, .nosuid, .nodev, .noexec]
  static let maskTmpfsData = "mode=555"
  /// The same flags as mount attributes, for fsmount(2).
  static let maskTmpfsAttributes: MountAttributes = [.rdonly, .nosuid, .nodev, .noexec]

  /// ``readOnlyPath(mount:path:shown:throughProc:)`` as C would write it.
  static func readOnlyPathDescription(mount: Int, path: String, throughProc: Bool = false) -> String {
    guard throughProc else {
      return
        "open_tree(fd[\(mount)]/\(Quoting.c(path)), OPEN_TREE_CLONE|AT_RECURSIVE); mount_setattr(it, AT_RECURSIVE, {\(readOnlyPathAttributes)}); move_mount(it, fd[\(mount)]/\(Quoting.c(path)))"
    }
    return
      "mount(fd[\(mount)]/\(Quoting.c(path)), itself, NULL, MS_BIND|MS_REC, NULL); mount_setattr(it, AT_RECURSIVE, {\(readOnlyPathAttributes)})"
  }

  /// ``maskPath(mount:path:shown:nullDevice:throughProc:)`` as C would write it.
  static func maskPathDescription(mount: Int, path: String, nullDevice: Int?, throughProc: Bool = false) -> String {
    switch (nullDevice, throughProc) {
    case (nil, false):
      return
        "fsopen(\"tmpfs\"); fsconfig(\"mode\", \"555\"); fsmount({\(maskTmpfsAttributes)}); move_mount(it, fd[\(mount)]/\(Quoting.c(path)))"
    case (let nullDevice?, false):
      return
        "open_tree(fd[\(nullDevice)] (/dev/null), OPEN_TREE_CLONE); mount_setattr(it, 0, {\(maskBindAttributes)}); move_mount(it, fd[\(mount)]/\(Quoting.c(path)))"
    case (nil, true):
      return "mount(\"tmpfs\", fd[\(mount)]/\(Quoting.c(path)), \"tmpfs\", \(maskTmpfsFlags), \"\(maskTmpfsData)\")"
    case (let nullDevice?, true):
      return
        "mount(fd[\(nullDevice)] (/dev/null), fd[\(mount)]/\(Quoting.c(path)), NULL, MS_BIND, NULL); mount_setattr(it, 0, {\(maskBindAttributes)})"
    }
  }
}
