import SpecParser

/// The mount steps: private propagation first, then each `[[mounts]]` entry in spec order.
extension Planner {
  func mountNamespaceSteps() -> [Step] {
    guard spec.unshares(.mount) else { return [] }
    return [
      Step(
        kind: .propagation, actor: .initProcess,
        calls: [.mount(source: nil, target: "/", fstype: nil, flags: [.rec, .private], data: nil)],
        change: .modify(before: "copied from the host", after: "private"),
        reason: "before the first mount, so no mount propagates to the host", origin: origin("namespaces.unshare"))
    ]
  }

  func mountSteps() -> [Step] {
    spec.mounts.enumerated().map { index, mount in
      Step(
        kind: .mount, actor: .initProcess, calls: calls(for: mount), change: .create,
        origin: origin(SpecKeyPath("mounts").index(index)))
    }
  }

  private func calls(for mount: Mount) -> [Syscall] {
    switch mount.kind {
    case .bind:
      var calls: [Syscall] = [
        .mount(source: mount.source, target: mount.target, fstype: nil, flags: [.bind, .rec], data: nil)
      ]
      // A bind ignores flags on its first call; mount_setattr(2) applies them to the whole tree and keeps the flags
      // the kernel has locked, which a remount in a user namespace would have to restate or get EPERM.
      let attributes = attributes(mount.options)
      if !attributes.isEmpty {
        calls.append(.mountSetattr(path: mount.target, recursive: true, set: attributes))
      }
      return calls
    case .tmpfs:
      var data: [String] = []
      if let size = mount.size { data.append("size=\(size)") }
      if let mode = mount.mode { data.append("mode=\(String(mode, radix: 8))") }
      return [
        .mount(
          source: "tmpfs", target: mount.target, fstype: "tmpfs", flags: flags(mount.options),
          data: data.isEmpty ? nil : data.joined(separator: ","))
      ]
    case .proc:
      // proc(5) is mounted nosuid,nodev,noexec by every tool and distribution.
      let flags = flags(mount.options).union([.nosuid, .nodev, .noexec])
      return [.mount(source: "proc", target: mount.target, fstype: "proc", flags: flags, data: nil)]
    }
  }

  private func flags(_ options: [MountOption]) -> MountFlags {
    options.reduce(into: MountFlags()) { flags, option in
      switch option {
      case .ro: flags.insert(.rdonly)
      case .nosuid: flags.insert(.nosuid)
      case .nodev: flags.insert(.nodev)
      case .noexec: flags.insert(.noexec)
      case .rw: break
      }
    }
  }

  private func attributes(_ options: [MountOption]) -> MountAttributes {
    options.reduce(into: MountAttributes()) { attributes, option in
      switch option {
      case .ro: attributes.insert(.rdonly)
      case .nosuid: attributes.insert(.nosuid)
      case .nodev: attributes.insert(.nodev)
      case .noexec: attributes.insert(.noexec)
      case .rw: break
      }
    }
  }
}
