import SpecParser

/// Mounts as volumes: binds as hostPath, tmpfs as memory-backed emptyDir; the filesystems a container runtime
/// mounts anyway (/proc, /sys, /dev, /dev/pts, /dev/mqueue) at their usual places; the rest dropped.
extension KubernetesExporter {
  /// Where a runtime mounts each filesystem in every container (runtime-spec's defaults, as runc and crun use).
  static let runtimeMounts: [Mount.Kind: String] = [
    .proc: "/proc", .sysfs: "/sys", .dev: "/dev", .devpts: "/dev/pts", .mqueue: "/dev/mqueue",
  ]

  mutating func exportMounts() {
    var names: Set<String> = []
    for (index, mount) in spec.mounts.enumerated() {
      let key = SpecKeyPath("mounts").index(index)
      for part in ["type", "target", "source"] { covered.insert(key.appending(part).description) }
      switch mount.kind {
      case .bind, .tmpfs: exportVolume(mount, key, name: Self.volumeName(mount.target, taken: &names))
      case .proc, .sysfs, .dev, .devpts, .mqueue:
        if Self.runtimeMounts[mount.kind] == mount.target {
          report(key, .exported, note: "the container runtime mounts its own \(mount.kind.rawValue) at \(mount.target)")
        } else {
          report(
            key, .dropped,
            note: "no volume is a \(mount.kind.rawValue); a runtime mounts one only at "
              + (Self.runtimeMounts[mount.kind] ?? "its own place"))
        }
        dropOptions(mount, key, except: [])
      case .overlay:
        report(key, .dropped, note: "no volume is an overlay: build the layers into the image")
        for part in ["lower", "upper", "work"] { covered.insert(key.appending(part).description) }
      }
      if mount.unmask {
        report(
          key.appending("unmask"), .dropped,
          note: "procMount: Unmasked is refused outside user namespaces and does not unmask /sys")
      }
    }
  }

  private mutating func exportVolume(_ mount: Mount, _ key: SpecKeyPath, name: String) {
    var volumeMount = KubernetesPod.VolumeMount(name: name, mountPath: mount.target)
    let volumeIndex = pod.volumes.count
    let destination = "spec.volumes[\(volumeIndex)], containers[0].volumeMounts[\(volumeIndex)]"
    if mount.kind == .bind, let source = mount.source {
      pod.volumes.append(KubernetesPod.Volume(name: name, source: .hostPath(source)))
      report(key, .exported, destination + " (hostPath)")
      if writtenRelative(key.appending("source")) {
        report(key.appending("source"), .resolved, "hostPath.path", note: "written relative: \(source) here")
      }
    } else {
      exportTmpfs(mount, key, name: name, volumeIndex: volumeIndex)
      report(key, .exported, destination + " (emptyDir, medium Memory)")
    }
    if writtenRelative(key.appending("target")) {
      report(key.appending("target"), .resolved, "mountPath", note: "written relative: \(mount.target) here")
    }
    if mount.isReadOnly { exportReadOnly(mount, key, &volumeMount) }
    exportPropagation(mount, key, &volumeMount)
    dropOptions(mount, key, except: [.ro, .rw])
    pod.container.volumeMounts.append(volumeMount)
  }

  private mutating func exportTmpfs(_ mount: Mount, _ key: SpecKeyPath, name: String, volumeIndex: Int) {
    var sizeLimit: UInt64?
    if let size = mount.size {
      if let (outcome, note) = gated(.SizeMemoryBackedVolumes, exported: "sizeLimit") {
        sizeLimit = size
        report(key.appending("size"), outcome, "spec.volumes[\(volumeIndex)].emptyDir.sizeLimit", note: note)
      } else {
        report(key.appending("size"), .dropped, note: "Kubernetes \(options.version) ignores a memory sizeLimit")
      }
    }
    pod.volumes.append(KubernetesPod.Volume(name: name, source: .memory(sizeLimit: sizeLimit)))
    if let mode = mount.mode {
      report(
        key.appending("mode"), mode == 0o777 ? .exported : .approximated,
        note: mode == 0o777 ? "an emptyDir is mode 0777" : "an emptyDir is mode 0777, not \(FileMode.octal(mode))")
    }
    for part in ["uid", "gid"] where writes(key.appending(part)) {
      report(key.appending(part), .dropped, note: "an emptyDir's owner is root (fsGroup changes every volume)")
    }
  }

  /// nsbuild's `ro` is recursive: recursiveReadOnly where the release has it, plain readOnly before.
  private mutating func exportReadOnly(
    _ mount: Mount, _ key: SpecKeyPath, _ volumeMount: inout KubernetesPod.VolumeMount
  ) {
    guard let index = mount.options.firstIndex(of: .ro) else { return }
    let optionKey = key.appending("options").index(index)
    volumeMount.readOnly = true
    guard mount.kind == .bind else {
      report(optionKey, .exported, "volumeMounts[].readOnly")
      return
    }
    if let (outcome, note) = gated(.RecursiveReadOnlyMounts, exported: "recursiveReadOnly: Enabled") {
      volumeMount.recursiveReadOnly = true
      report(optionKey, outcome, "volumeMounts[].readOnly, recursiveReadOnly: Enabled", note: note)
    } else {
      report(
        optionKey, .approximated, "volumeMounts[].readOnly",
        note: "mounts below it stay writable: recursiveReadOnly needs Kubernetes 1.30 or later")
    }
  }

  /// mount_namespaces(7) types as mountPropagation: private is None, slave is HostToContainer. Bidirectional
  /// (shared) is for privileged containers only, and recursiveReadOnly requires None.
  private mutating func exportPropagation(
    _ mount: Mount, _ key: SpecKeyPath, _ volumeMount: inout KubernetesPod.VolumeMount
  ) {
    guard let propagation = mount.propagation else { return }
    let propagationKey = key.appending("propagation")
    switch propagation {
    case .private:
      volumeMount.mountPropagation = "None"
      report(propagationKey, .exported, "volumeMounts[].mountPropagation: None")
    case .slave where volumeMount.recursiveReadOnly:
      report(propagationKey, .dropped, note: "recursiveReadOnly requires mountPropagation None")
    case .slave:
      volumeMount.mountPropagation = "HostToContainer"
      report(propagationKey, .exported, "volumeMounts[].mountPropagation: HostToContainer")
    case .shared:
      report(propagationKey, .dropped, note: "Bidirectional propagation is allowed in privileged containers only")
    case .unbindable:
      report(propagationKey, .dropped, note: "no mountPropagation value is unbindable")
    }
  }

  private mutating func dropOptions(_ mount: Mount, _ key: SpecKeyPath, except kept: Set<MountOption>) {
    for (index, option) in mount.options.enumerated() where !kept.contains(option) {
      report(
        key.appending("options").index(index), .dropped,
        note: "no Kubernetes field sets the \(option.rawValue) flag of a volume")
    }
    if kept.contains(.rw), let index = mount.options.firstIndex(of: .rw) {
      report(key.appending("options").index(index), .exported, note: "volumes are writable by default")
    }
  }

  /// A volume name from the target (`/home/dev` → `home-dev`), unique in the Pod.
  static func volumeName(_ target: String, taken: inout Set<String>) -> String {
    let base = String(KubernetesNames.label(target == "/" ? "root" : target).prefix(56))
    var name = base
    var suffix = 2
    while taken.contains(name) {
      name = "\(base)-\(suffix)"
      suffix += 1
    }
    taken.insert(name)
    return name
  }
}
