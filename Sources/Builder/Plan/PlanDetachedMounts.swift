import SpecParser

/// The `[[mounts]]` through the new mount API (see ``DetachedMount``): each mount is made detached, configured on
/// its fd, and moved onto the fd of its mount point, which was opened beneath a trusted root (see ``place(_:)``).
extension FilesystemPlan {
  /// The calls of one mount: its mount point opened (made when missing), the mount made, configured and attached,
  /// mount points of later mounts inside it made while it is still writable, and its propagation.
  mutating func detachedMountCalls(
    _ mount: Mount, target: Int, at: Place, inside: [Mount], deferReadOnly: Bool
  ) -> [Syscall] {
    let create: MountPointKind =
      mount.kind == .bind ? .likeSource(slot: sources[mount.source ?? ""] ?? 0) : .directory
    let point = pointCalls(at, target: mount.target, create: create, slot: target)
    var detached: DetachedMount
    switch mount.kind {
    case .bind: detached = bind(mount, target: target, at: at, inside: inside)
    case .dev:
      let root = slot()
      let calls = DevicePlan(mount: mount, sources: sources).calls(
        target: target, at: (at.root, at.path), root: root, slot: { slot() })
      detached = DetachedMount(slot: root, calls: calls)
    case .overlay: detached = overlay(mount, target: target)
    case .tmpfs, .proc, .sysfs, .devpts, .mqueue:
      let (flags, data) = Self.freshOptions(mount)
      detached = .filesystem(
        mount.kind.rawValue, options: DetachedMount.options(fromData: data),
        attributes: DetachedMount.attributes(flags), context: slot(), slot: slot(), path: mount.target)
      detached.attach(to: target, path: mount.target)
    }
    if mount.kind != .bind {
      _ = noteMounted(mount, at: at, root: detached.slot)
      // A fresh mount that turns read-only gets the mount points inside it first (on it, attached: they are looked
      // up as the spec's paths are), then MOUNT_ATTR_RDONLY on its fd.
      for other in inside where deferReadOnly {
        let kind: MountPointKind =
          other.kind == .bind ? .likeSource(slot: sources[other.source ?? ""] ?? 0) : .directory
        let inner = place(other.target)
        detached.append(
          .resolve(root: inner.root, path: inner.path, create: kind, slot: slot(), lookup: inner.lookup))
      }
      if deferReadOnly {
        detached.append(.setattrAt(slot: detached.slot, path: mount.target, recursive: false, set: .rdonly, clear: []))
      }
    }
    if let propagation = mount.propagation {
      detached.propagate(path: mount.target, recursive: mount.kind == .bind, MountFlags(propagation))
    }
    return point + detached.calls
  }

  /// A bind: a copy of the source's tree, the mount points of later mounts inside it made on the copy (through no
  /// symlink) while it can still be written, its options set on the copy, then attached.
  private mutating func bind(_ mount: Mount, target: Int, at: Place, inside: [Mount]) -> DetachedMount {
    let source = sources[mount.source ?? ""] ?? 0
    var bind = DetachedMount.tree(
      of: source, path: mount.source ?? "", recursive: true, slot: slot(), target: mount.target)
    _ = noteMounted(mount, at: at, root: bind.slot)
    for other in inside where mount.isReadOnly {
      let create: MountPointKind =
        other.kind == .bind ? .likeSource(slot: sources[other.source ?? ""] ?? 0) : .directory
      let point = place(other.target)
      bind.append(.resolve(root: point.root, path: point.path, create: create, slot: slot(), lookup: point.lookup))
    }
    // A bind copies its source mount's flags; on a host tree this plan made read-only, a bind not marked `ro` gets
    // back the writability its source had before (and no more).
    if !mount.isReadOnly, spec.root.kind == .host, spec.root.readonly {
      bind.append(.restoreWritable(slot: bind.slot, source: source, path: mount.target))
    }
    let attributes = Self.attributes(mount.options)
    bind.configure(path: mount.target, recursive: true, set: attributes.set, clear: attributes.clear)
    bind.attach(to: target, path: mount.target)
    return bind
  }

  /// An overlay with its layers as fds; with `upper = "tmpfs"`, a tmpfs attached on the target first holds the upper
  /// and work folders, and the overlay then covers it.
  private mutating func overlay(_ mount: Mount, target: Int) -> DetachedMount {
    var calls: [Syscall] = []
    var options: [DetachedMount.Option] = mount.lower.map { .fd("lowerdir+", slot: sources[$0] ?? 0, path: $0) }
    switch mount.upper {
    case .directories(let upper, let work):
      options += [
        .fd("upperdir", slot: sources[upper] ?? 0, path: upper), .fd("workdir", slot: sources[work] ?? 0, path: work),
      ]
    case .tmpfs:
      var tmpfs = DetachedMount.filesystem(
        "tmpfs", options: [], attributes: [], context: slot(), slot: slot(), path: mount.target)
      tmpfs.attach(to: target, path: mount.target)
      calls += tmpfs.calls
      for name in ["upper", "work"] {
        let (path, folder) = ("/.nsbuild-overlay-" + name, slot())
        calls.append(.makeDirectory(root: tmpfs.slot, path: path, mode: 0o755))
        calls.append(.resolve(root: tmpfs.slot, path: path, create: nil, slot: folder))
        let shown = (mount.target == "/" ? "" : mount.target) + path
        options.append(.fd(name + "dir", slot: folder, path: shown))
      }
    case nil: break
    }
    // In a user namespace, where `trusted.*` xattrs cannot be written: overlayfs keeps whiteouts, opaque folders and
    // redirects in `user.overlay.*` instead, without which removing or renaming a lower folder fails.
    if spec.unshares(.user) { options.append(.string("userxattr", nil)) }
    var overlay = DetachedMount.filesystem(
      "overlay", options: options, attributes: DetachedMount.attributes(Self.flags(mount.options)), context: slot(),
      slot: slot(), path: mount.target)
    overlay.attach(to: target, path: mount.target)
    return DetachedMount(slot: overlay.slot, calls: calls + overlay.calls)
  }
}
