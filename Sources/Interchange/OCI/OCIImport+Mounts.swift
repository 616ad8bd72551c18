import Builder
import SpecParser

extension OCIImporter {
  mutating func importMounts() {
    let mounts = config.mounts ?? []
    let added = Set((list(OCIAnnotation.addedMounts) ?? []).compactMap { Int($0) })
    var index = 0
    while index < mounts.count {
      defer { index += 1 }
      guard !added.contains(index) else { continue }
      let path = "mounts[\(index)]"
      let mount = mounts[index]
      if mount.type == "tmpfs", let dev = devMount(mounts, at: index, skipping: added) {
        spec.mounts.append(dev.mount)
        let destination = "mounts[\(spec.mounts.count - 1)] (type dev)"
        if dev.lost.isEmpty {
          report(path, .exported, destination, note: dev.absorbed)
        } else {
          report(
            path, .approximated, destination,
            note: dev.absorbed + "; not kept: " + dev.lost.joined(separator: ", "),
            section: "mounts[\(spec.mounts.count - 1)]")
        }
        index += dev.count - 1
        continue
      }
      guard let kind = kind(of: mount) else {
        report(
          path, .dropped,
          note: "no nsbuild mount of type '\(mount.type ?? "")' (nsbuild mounts bind, tmpfs, proc, sysfs, dev, "
            + "devpts, mqueue and overlay)")
        continue
      }
      importMount(mount, kind: kind, path: path)
    }
  }

  /// A tmpfs at T with a devpts at T/pts (and a tmpfs at T/shm, an mqueue at T/mqueue) after it: nsbuild's `dev`,
  /// whose devices the runtimes also make. Returns how many config mounts it takes.
  private func devMount(_ mounts: [OCIMount], at index: Int, skipping added: Set<Int>) -> (
    mount: Mount, count: Int, absorbed: String, lost: [String]
  )? {
    let target = mounts[index].destination
    guard index + 1 < mounts.count, !added.contains(index + 1), mounts[index + 1].type == "devpts",
      mounts[index + 1].destination == target + "/pts"
    else { return nil }
    var count = 2
    if index + 2 < mounts.count, !added.contains(index + 2), mounts[index + 2].type == "tmpfs",
      mounts[index + 2].destination == target + "/shm"
    {
      count = 3
    }
    let options = (mounts[index].options ?? []).compactMap(MountOption.init(rawValue:)).filter { $0 != .nosuid }
    let parts = mounts[index..<index + count].map { "\($0.destination) (\($0.type ?? ""))" }
    // What nsbuild's dev has anyway (DevicePlan): a nosuid tmpfs of mode 755, a nosuid, noexec devpts of its own
    // with ptmxmode 0666 and mode 620, a shm folder of mode 1777.
    let own: [Set<String>] = [
      ["nosuid", "mode=755", "mode=0755"],
      ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=620", "mode=0620"],
      ["nosuid", "nodev", "noexec", "mode=1777"],
    ]
    var lost: [String] = []
    for offset in 0..<count {
      let mount = mounts[index + offset]
      for option in mount.options ?? [] where !own[offset].contains(option) && MountOption(rawValue: option) == nil {
        lost.append("\(mount.destination) \(option)")
      }
    }
    return (
      Mount(kind: .dev, target: target, options: options), count,
      "\(parts.joined(separator: ", ")) as nsbuild's minimal /dev", lost
    )
  }

  private func kind(of mount: OCIMount) -> Mount.Kind? {
    let options = mount.options ?? []
    if mount.type == "bind" || options.contains("bind") || options.contains("rbind") { return .bind }
    switch mount.type {
    case "tmpfs": return .tmpfs
    case "proc": return .proc
    case "sysfs": return .sysfs
    case "devpts": return .devpts
    case "mqueue": return .mqueue
    case "overlay": return .overlay
    default: return nil
    }
  }

  private mutating func importMount(_ oci: OCIMount, kind: Mount.Kind, path: String) {
    var mount = Mount(kind: kind, source: nil, target: OCIImporter.normalised(oci.destination))
    var unknown: [String] = []
    var approximations: [String] = []
    let bind = kind == .bind
    for option in oci.options ?? [] {
      if let flag = Self.flag(option, bind: bind) {
        if !mount.options.contains(flag) { mount.options.append(flag) }
        if bind, !option.hasPrefix("r") || option == "ro" || option == "rw" {
          if flag != .rw { approximations.append("\(option) made recursive") }
        }
      } else if let propagation = Propagation(rawValue: option.hasPrefix("r") ? String(option.dropFirst()) : option),
        option != "ro"
      {
        mount.propagation = propagation
      } else if !absorb(option, into: &mount) {
        unknown.append(option)
      }
    }
    if bind, (oci.options ?? []).contains("bind"), !(oci.options ?? []).contains("rbind") {
      approximations.append("a recursive bind (nsbuild binds the mounts beneath the source too)")
    }
    mount.options.removeAll { $0 == .rw }
    if kind == .proc || kind == .sysfs || kind == .mqueue || kind == .devpts {
      mount.options.removeAll { [.nosuid, .nodev, .noexec].contains($0) }
    }
    if bind { mount.source = oci.source.map(OCIImporter.normalised) }
    mount.unmask = unmasked(mount)
    spec.mounts.append(mount)
    let destination = "mounts[\(spec.mounts.count - 1)]"
    let section = "mounts[\(spec.mounts.count - 1)]"
    if !unknown.isEmpty {
      report(
        path + ".options", .dropped, destination, note: "no nsbuild option for \(unknown.joined(separator: ", "))",
        section: section)
    }
    if approximations.isEmpty {
      report(path, .exported, destination)
    } else {
      report(path, .approximated, destination, note: approximations.joined(separator: "; "), section: section)
    }
  }

  /// A flag option: on a bind `rro`, `rnosuid`... (and the plain ones, which nsbuild applies recursively).
  static func flag(_ option: String, bind: Bool) -> MountOption? {
    if let flag = MountOption(rawValue: option) { return flag }
    guard bind, option.hasPrefix("r") else { return nil }
    return MountOption(rawValue: String(option.dropFirst()))
  }

  /// Options that are fields in nsbuild: a tmpfs's size, mode and owner, an overlay's layers, devpts' own.
  private func absorb(_ option: String, into mount: inout Mount) -> Bool {
    let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
    guard parts.count == 2 else { return option == "rbind" || option == "bind" || option == "newinstance" }
    let (name, value) = (parts[0], parts[1])
    switch mount.kind {
    case .tmpfs: return Self.absorbTmpfs(name, value, into: &mount)
    case .overlay: return Self.absorbOverlay(name, value, into: &mount)
    case .devpts:
      return (name == "ptmxmode" && ["0666", "666"].contains(value))
        || (name == "mode" && ["620", "0620"].contains(value))
    case .bind, .proc, .sysfs, .dev, .mqueue: return false
    }
  }

  /// A value that does not parse is left out, and the option reported with the others.
  private static func absorbTmpfs(_ name: String, _ value: String, into mount: inout Mount) -> Bool {
    switch name {
    case "size":
      mount.size = size(value)
      return mount.size != nil
    case "mode":
      mount.mode = FileMode.parse(value)
      return mount.mode != nil
    case "uid":
      mount.uid = UInt32(value)
      return mount.uid != nil
    case "gid":
      mount.gid = UInt32(value)
      return mount.gid != nil
    default: return false
    }
  }

  private static func absorbOverlay(_ name: String, _ value: String, into mount: inout Mount) -> Bool {
    var (upper, work) = ("", "")
    if case .directories(let oldUpper, let oldWork)? = mount.upper { (upper, work) = (oldUpper, oldWork) }
    switch name {
    case "lowerdir": mount.lower = value.split(separator: ":").map(String.init)
    case "upperdir": mount.upper = .directories(upper: value, work: work)
    case "workdir": mount.upper = .directories(upper: upper, work: value)
    default: return false
    }
    return true
  }

  /// A tmpfs size: bytes, or a number with k, m or g (tmpfs(5)).
  static func size(_ text: String) -> UInt64? {
    let scale: UInt64
    var digits = Substring(text)
    switch digits.last?.lowercased() {
    case "k": scale = 1 << 10
    case "m": scale = 1 << 20
    case "g": scale = 1 << 30
    default: scale = 1
    }
    if scale != 1 { digits = digits.dropLast() }
    guard let value = UInt64(digits) else { return nil }
    let (bytes, overflow) = value.multipliedReportingOverflow(by: scale)
    return overflow || bytes == 0 ? nil : bytes
  }

  /// Whether a proc or sysfs goes without nsbuild's protection: the config masks nothing of it.
  private func unmasked(_ mount: Mount) -> Bool {
    let masked = Set(config.linux?.maskedPaths ?? [])
    let base = mount.target == "/" ? "" : mount.target
    switch mount.kind {
    case .proc: return !masked.contains(base + "/kcore")
    case .sysfs: return !masked.contains(base + "/firmware")
    case .bind, .tmpfs, .dev, .devpts, .mqueue, .overlay: return false
    }
  }

  /// Masked and read-only paths that nsbuild's protection of a proc or sysfs does not cover.
  mutating func reportUncoveredProtection() {
    var covered = Set<String>()
    for mount in spec.mounts where !mount.unmask {
      let base = mount.target == "/" ? "" : mount.target
      switch mount.kind {
      case .proc:
        for name in KernelFilesystemProtection.readOnlyProcPaths + KernelFilesystemProtection.maskedProcFolders
          + KernelFilesystemProtection.maskedProcFiles
        {
          covered.insert(base + "/" + name)
        }
      case .sysfs:
        for name in KernelFilesystemProtection.maskedSysfsFolders { covered.insert(base + "/" + name) }
      case .bind, .tmpfs, .dev, .devpts, .mqueue, .overlay: break
      }
    }
    for key in ["maskedPaths", "readonlyPaths"] {
      let paths = (key == "maskedPaths" ? config.linux?.maskedPaths : config.linux?.readonlyPaths) ?? []
      for (index, path) in paths.enumerated() where !covered.contains(path) {
        report(
          "linux.\(key)[\(index)]", .dropped,
          note: "nsbuild protects only the paths of its own list beneath a proc or sysfs mount, not \(path)")
      }
    }
  }
}
