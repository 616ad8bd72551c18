import Builder
import SpecParser

extension OCIExporter {
  mutating func exportMounts() {
    for (index, mount) in spec.mounts.enumerated() {
      let key = SpecKeyPath("mounts").index(index)
      guard let converted = ociMounts(mount) else {
        report(
          key, .dropped,
          note: "no field for an overlay with a tmpfs upper layer: give upper and work folders")
        continue
      }
      let first = mounts.count
      mounts += converted
      let destination = converted.count == 1 ? "mounts[\(first)]" : "mounts[\(first)...\(mounts.count - 1)]"
      let resolved = mount.kind == .bind && writtenRelative(key.appending("source"))
      if resolved {
        report(key, .resolved, destination, note: "source \(mount.source ?? "") (relative to the spec's folder)")
      } else if host.missingTargets.contains(mount.target) {
        report(
          key, .approximated, destination,
          note: "\(mount.target) is not on the host: the runtimes make it through the bind of the host's folder, on "
            + "the host, and leave it there")
      } else if mount.kind == .dev && mount.target != "/dev" {
        report(key, .approximated, destination, note: "the runtimes make the device nodes in /dev only")
      } else {
        report(key, .exported, destination, note: protectionNote(mount))
      }
      protect(mount)
    }
  }

  /// The OCI mounts of one spec mount (three for `dev`); nil when there is no way to write it.
  func ociMounts(_ mount: Mount) -> [OCIMount]? {
    let bind = mount.kind == .bind
    var options = mount.options.compactMap { Self.optionName($0, recursive: bind) }
    if let propagation = mount.propagation { options.append((bind ? "r" : "") + propagation.rawValue) }
    switch mount.kind {
    case .bind:
      return [OCIMount(destination: mount.target, type: "bind", source: mount.source, options: ["rbind"] + options)]
    case .tmpfs:
      if let size = mount.size { options.append("size=\(size)") }
      if let mode = mount.mode { options.append("mode=\(FileMode.digits(mode))") }
      if let uid = mount.uid { options.append("uid=\(uid)") }
      if let gid = mount.gid { options.append("gid=\(gid)") }
      return [OCIMount(destination: mount.target, type: "tmpfs", source: "tmpfs", options: options)]
    case .proc, .mqueue:
      return [fresh(mount, options: ["nosuid", "nodev", "noexec"] + options)]
    case .sysfs:
      let readOnly = !mount.unmask && !mount.isReadOnly && mayActAsHostRoot
      return [fresh(mount, options: ["nosuid", "nodev", "noexec"] + options + (readOnly ? ["ro"] : []))]
    case .devpts:
      return [
        fresh(mount, options: ["nosuid", "noexec"] + options + ["newinstance", "ptmxmode=0666", "mode=620"])
      ]
    case .dev:
      return Self.devMounts(at: mount.target, options: options)
    case .overlay:
      guard let overlay = overlayOptions(mount) else { return nil }
      return [OCIMount(destination: mount.target, type: "overlay", source: "overlay", options: options + overlay)]
    }
  }

  private func fresh(_ mount: Mount, options: [String]) -> OCIMount {
    OCIMount(destination: mount.target, type: mount.kind.rawValue, source: mount.kind.rawValue, options: options)
  }

  private func overlayOptions(_ mount: Mount) -> [String]? {
    var options = ["lowerdir=" + mount.lower.joined(separator: ":")]
    switch mount.upper {
    case .directories(let upper, let work)?: options += ["upperdir=" + upper, "workdir=" + work]
    case .tmpfs?: return nil
    case nil: break
    }
    if spec.unshares(.user) { options.append("userxattr") }
    return options
  }

  /// A mount option's runtime-spec name; the runtimes' recursive form (`rro`, `rnosuid`) for a bind, since
  /// nsbuild sets a bind's flags on every mount beneath it too (mount_setattr(2) with AT_RECURSIVE).
  static func optionName(_ option: MountOption, recursive: Bool) -> String? {
    switch option {
    case .rw: recursive ? nil : "rw"
    case .ro, .nosuid, .nodev, .noexec, .relatime, .noatime, .strictatime, .nodiratime:
      (recursive ? "r" : "") + option.rawValue
    }
  }

  /// Whether the command can act as host uid 0, as the planner decides it (then a sysfs is made read-only).
  var mayActAsHostRoot: Bool {
    guard spec.unshares(.user) else { return true }
    guard !spec.user.uidMap.isEmpty else { return host.uid == 0 }
    return spec.user.uidMap.contains { $0.outsideStart(caller: host.uid) == 0 }
  }

  private func protectionNote(_ mount: Mount) -> String? {
    switch mount.kind {
    case .proc, .sysfs:
      mount.unmask ? nil : "nsbuild's masked and read-only paths as linux.maskedPaths and linux.readonlyPaths"
    case .dev: "the runtime adds null, zero, full, random, urandom, tty and the links into /proc/self/fd"
    case .bind, .tmpfs, .devpts, .mqueue, .overlay: nil
    }
  }

  /// nsbuild's default protection of a fresh proc or sysfs, as the runtimes' masked and read-only paths.
  private mutating func protect(_ mount: Mount) {
    guard !mount.unmask else { return }
    let base = mount.target == "/" ? "" : mount.target
    switch mount.kind {
    case .proc:
      linux.readonlyPaths =
        (linux.readonlyPaths ?? []) + KernelFilesystemProtection.readOnlyProcPaths.map { base + "/" + $0 }
      linux.maskedPaths =
        (linux.maskedPaths ?? [])
        + (KernelFilesystemProtection.maskedProcFolders + KernelFilesystemProtection.maskedProcFiles).map {
          base + "/" + $0
        }
    case .sysfs:
      linux.maskedPaths =
        (linux.maskedPaths ?? []) + KernelFilesystemProtection.maskedSysfsFolders.map { base + "/" + $0 }
    case .bind, .tmpfs, .dev, .devpts, .mqueue, .overlay: break
    }
  }
}
