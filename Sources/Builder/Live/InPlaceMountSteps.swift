import SpecParser

/// The in-place steps for mounts: one attached to the running sandbox, one taken off, one changed where it stands.
extension InPlaceSteps {
  /// A mount attached to the running sandbox: host trees are copied (open_tree(2)) before joining, while they are
  /// still in this mount namespace; then the joiner enters the sandbox's namespaces, makes the rest of the mount
  /// (fsopen(2) there, so a proc, sysfs or mqueue is the sandbox's) and moves it onto its target (move_mount(2)).
  func add(_ step: Step) -> Step {
    guard case .mountTarget(let path) = step.subject else { return step }
    let shape = MountShape(step)
    let operations = step.operations + (protects[path]?.operations ?? [])
    // A root the step fills itself (an overlay's upper tmpfs, fsmount(2) before it is attached) is not looked up
    // again: its path does not stand yet.
    let roots = Self.rootSlots(operations.map(\.call)).subtracting(Self.filled(operations.map(\.call)))
    let used = Self.slots(in: operations.map(\.call))
    let sourceOpens = (sources?.operations ?? []).filter { operation in
      guard let slot = Self.opened(operation.call) else { return false }
      return used.contains(slot) && !roots.contains(slot)
    }
    // Only a host path that is copied (a bind's source: open_tree(2) clones only mounts of the caller's mount
    // namespace) is opened before joining. The others are opened once joined, where they are used: overlayfs and
    // open_tree(2) of the null device (a mask) refuse (EINVAL) a mount of another mount namespace.
    let copied = Set(
      operations.compactMap { operation -> Int? in
        if case .openTree(let source, _, _, _, _) = operation.call { return source }
        return nil
      })
    var before = sourceOpens.filter { Self.opened($0.call).map(copied.contains) ?? false }
    var after = sourceOpens.filter { !(Self.opened($0.call).map(copied.contains) ?? false) }
    for operation in operations {
      if Self.copiesHostTree(operation.call, detached: shape.fstype == "bind" ? shape.detachedSlot : nil) {
        before.append(operation)
      } else if case .lockShared = operation.call {
        continue  // the lock `run` takes is held by the sandbox process, which a joiner is not
      } else {
        after.append(operation)
      }
    }
    // A proc shows the pid namespace of the process that makes it: the joiner forks once inside the sandbox's.
    let proc = shape.fstype == "proc"
    let opens = reopen(roots, besides: operations.map(\.call))
    let entering =
      join([.mount] + Self.namespaces(of: shape.fstype), besides: (before + opens + after).map(\.call))
      + (proc ? [Step.Operation(.fork)] : [])
    let copies = before.contains { if case .openTree = $0.call { true } else { false } }
    return Step(
      kind: .mount, actor: .joiner, subject: step.subject, operations: before + entering + opens + after,
      change: .create,
      reason: copies
        ? "host trees are copied before joining (open_tree(2) clones only mounts of the caller's mount namespace)"
        : nil,
      origin: step.origin, label: step.title)
  }

  /// The namespaces a fresh filesystem of `fstype` belongs to besides the mount namespace, which the joiner must be
  /// in when it makes one: a proc shows its pid namespace, a sysfs its network namespace, an mqueue its IPC
  /// namespace, a cgroup2 its cgroup namespace (proc(5), sysfs(5), mq_overview(7), cgroup_namespaces(7)).
  static func namespaces(of fstype: String?) -> [Namespace] {
    switch fstype {
    case "proc": [.pid]
    case "sysfs": [.net]
    case "mqueue": [.ipc]
    case "cgroup2": [.cgroup]
    default: []
    }
  }

  /// The mount on `path` taken off inside the sandbox's mount namespace (umount2(2) MNT_DETACH), a detached copy of
  /// it kept by nsbuild first (``Syscall/keepMount(slot:path:)``) for ``restoreKept(_:origin:)`` to attach again
  /// should a later step fail. Without `keeping` (the undo of a mount this apply attached), no copy is kept: the
  /// copies are attached again newest first, and the one an undo kept would stand in for the mount it took off.
  func remove(_ path: String, origin: SourceRange?, keeping: Bool = true) -> Step {
    let calls: [Syscall] =
      [.openPath(path: "/", slot: 0), lookUp(path, root: 0, slot: 1)]
      + (keeping ? [.keepMount(slot: 1, path: path)] : []) + [.unmount(slot: 1, path: path)]
    return Step(
      kind: .unmount, actor: .joiner, subject: .mountTarget(path: path),
      operations: join([.mount], besides: calls) + calls.map { Step.Operation($0) }, change: .create,
      reason: keeping
        ? "processes that still use it keep it until they let go (MNT_DETACH); nsbuild keeps a copy until "
          + "apply ends (a failed apply attaches it again)"
        : "processes that still use it keep it until they let go (MNT_DETACH)",
      origin: origin)
  }

  /// The copy nsbuild kept of the mount ``remove(_:origin:)`` took off `path` attached there again (move_mount(2)):
  /// the same superblock, so a tmpfs comes back with its files, and the mounts that were beneath it with it.
  func restoreKept(_ path: String, origin: SourceRange?) -> Step {
    let calls: [Syscall] = [
      .openPath(path: "/", slot: 0), lookUp(path, root: 0, slot: 1),
      .restoreMount(slot: 1, path: path),
    ]
    return Step(
      kind: .mount, actor: .joiner, subject: .mountTarget(path: path),
      operations: join([.mount], besides: calls) + calls.map { Step.Operation($0) }, change: .create,
      origin: origin, label: "attach the mount taken off \(path) again, as it stood (its files kept)")
  }

  /// The standing mount changed to what `new` makes, when the difference is its attributes (mount_setattr(2)),
  /// its propagation, a tmpfs's size (a remount, fspick(2)) or mode (fchmod(2) of its root); nil when it is
  /// anything else, which only a new mount makes.
  func change(_ old: Step, to new: Step) -> Step? {
    guard case .mountTarget(let path) = new.subject else { return nil }
    let (before, after) = (MountShape(old), MountShape(new))
    guard before.isSameMount(as: after) else { return nil }
    var calls: [Syscall] = []
    if before.attributes != after.attributes || before.recursive != after.recursive {
      calls.append(
        .setattrAt(
          slot: 1, path: path, recursive: after.recursive, set: after.attributes,
          clear: before.attributes.subtracting(after.attributes)))
    }
    for key in Set(before.options.keys).union(after.options.keys).sorted()
    where before.options[key] != after.options[key] {
      guard let call = Self.optionChange(key, after.options[key] ?? nil, path: path) else { return nil }
      calls.append(call)
    }
    if before.propagation != after.propagation {
      for case .setPropagation(_, _, let recursive, let propagation) in after.propagation {
        calls.append(.setPropagation(slot: 1, path: path, recursive: recursive, propagation: propagation))
      }
    }
    guard !calls.isEmpty else { return nil }
    return standingMountStep(new, path: path, calls: calls, label: "change the mount on \(path)")
  }

  /// The standing mount on `step`'s target brought back to what `step` made, where it drifted in place
  /// (``MountDrift``): its filesystem made writable again (fspick(2), FSCONFIG_SET_FLAG `rw`), its flags set and
  /// cleared (mount_setattr(2)), a tmpfs's size (a remount) and its propagation; nil when none of these drifted.
  func restore(_ step: Step, standing mount: HostMount) -> Step? {
    guard case .mountTarget(let path) = step.subject else { return nil }
    let drift = MountDrift(shape: MountShape(step), mount: mount)
    // Another filesystem type stands there: only a new mount brings the applied one back.
    guard drift.shape.fstype == "bind" || drift.shape.fstype == mount.fstype else { return nil }
    var calls: [Syscall] = []
    if drift.superblockReadOnly { calls.append(.reconfigure(slot: 1, path: path, key: "rw", value: "")) }
    if drift.attributesDrifted || drift.superblockReadOnly {
      let clear = drift.shape.fstype == "bind" ? MountAttributes() : drift.standing.subtracting(drift.applied)
      calls.append(
        .setattrAt(slot: 1, path: path, recursive: drift.shape.recursive, set: drift.applied, clear: clear))
    }
    if drift.size != nil, let size = drift.shape.options["size"] ?? nil {
      calls.append(.reconfigure(slot: 1, path: path, key: "size", value: size))
    }
    if drift.propagation != nil {
      for case .setPropagation(_, _, let recursive, let propagation) in drift.shape.propagation {
        calls.append(.setPropagation(slot: 1, path: path, recursive: recursive, propagation: propagation))
      }
    }
    guard !calls.isEmpty else { return nil }
    return standingMountStep(step, path: path, calls: calls, label: "bring the mount on \(path) back as applied")
  }

  /// The undo of ``restore(_:standing:)``: the standing mount on `step`'s target set back to how `mount` shows it
  /// before `apply` (the drift made by hand): its flags (mount_setattr(2)), its filesystem read-only again
  /// (fspick(2) `ro`), a tmpfs's size, its propagation (a shared mount gets a new peer group, as `mount
  /// --make-shared` gives); nil when nothing drifted.
  func backToStanding(_ step: Step, standing mount: HostMount) -> Step? {
    guard case .mountTarget(let path) = step.subject else { return nil }
    let drift = MountDrift(shape: MountShape(step), mount: mount)
    guard drift.shape.fstype == "bind" || drift.shape.fstype == mount.fstype else { return nil }
    var calls: [Syscall] = []
    if drift.attributesDrifted || drift.superblockReadOnly {
      calls.append(
        .setattrAt(
          slot: 1, path: path, recursive: false, set: drift.standing,
          clear: drift.applied.subtracting(drift.standing)))
    }
    if drift.superblockReadOnly { calls.append(.reconfigure(slot: 1, path: path, key: "ro", value: "")) }
    if let size = drift.size { calls.append(.reconfigure(slot: 1, path: path, key: "size", value: size.standing)) }
    if let propagation = drift.propagation {
      for flags in Self.propagationFlags(propagation.standing) {
        calls.append(.setPropagation(slot: 1, path: path, recursive: false, propagation: flags))
      }
    }
    guard !calls.isEmpty else { return nil }
    return standingMountStep(step, path: path, calls: calls, label: "set the mount on \(path) back as it stood")
  }

  /// A joiner's step on the mount standing on `path` (fd slot 1, reached beneath the sandbox's `/` in slot 0): `calls`
  /// with the spec line of `step`, which names the mount.
  private func standingMountStep(_ step: Step, path: String, calls: [Syscall], label: String) -> Step {
    let lookup: [Syscall] = [
      .openPath(path: "/", slot: 0), lookUp(path, root: 0, slot: 1),
    ]
    return Step(
      kind: .mount, actor: .joiner, subject: step.subject,
      operations: join([.mount], besides: lookup + calls) + lookup.map { Step.Operation($0) }
        + calls.map { Step.Operation($0, origin: step.origin) },
      change: .create, origin: step.origin, label: label)
  }

  /// The mount_setattr(2) propagation calls that make `word` (``MountDrift/propagation``): a mount both shared and
  /// a slave is made a slave first, then shared (mount_namespaces(7)).
  static func propagationFlags(_ word: String) -> [MountFlags] {
    switch word {
    case "shared": [.shared]
    case "slave": [.slave]
    case "shared and slave": [.slave, .shared]
    case "unbindable": [.unbindable]
    default: [.private]
    }
  }

  /// A tmpfs option changed on the standing mount: `size` by a remount, `mode` and `uid`/`gid` by fchmod(2) and
  /// fchown(2) of its root (tmpfs(5)).
  fileprivate static func optionChange(_ key: String, _ value: String?, path: String) -> Syscall? {
    guard let value else { return nil }
    switch key {
    case "size", "nr_inodes": return .reconfigure(slot: 1, path: path, key: key, value: value)
    case "mode": return UInt32(value, radix: 8).map { .changeMode(slot: 1, path: path, mode: $0) }
    case "uid": return UInt32(value).map { .changeOwner(slot: 1, path: path, uid: $0, gid: nil) }
    case "gid": return UInt32(value).map { .changeOwner(slot: 1, path: path, uid: nil, gid: $0) }
    default: return nil
    }
  }
}
