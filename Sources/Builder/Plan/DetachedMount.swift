import SpecParser

/// One mount through the new mount API, as the calls of a plan: made detached (fsopen(2), fsconfig(2) and fsmount(2)
/// for a new filesystem; open_tree(2) for a bind), configured on its fd (mount_setattr(2)), then attached onto the
/// fd of its mount point (move_mount(2) MOVE_MOUNT_T_EMPTY_PATH).
///
/// No call on the way takes a path, so nothing the sandbox has mounted so far (a tmpfs on its `/proc`, a symlink
/// at a later target) can send the mount elsewhere: the mount point is an fd opened beneath a root nsbuild trusts,
/// and the source an fd opened before any mount. The same three stages attach a mount to a sandbox from outside:
/// made in the host, moved onto an fd opened in the sandbox's mount namespace.
struct DetachedMount {
  /// What the filesystem context is told before it is made (fsconfig(2)).
  enum Option: Hashable {
    /// FSCONFIG_SET_STRING `key=value`, or FSCONFIG_SET_FLAG `key` when `value` is nil.
    case string(String, String?)
    /// FSCONFIG_SET_FD `key` to the fd in a slot (opened as `path`).
    case fd(String, slot: Int, path: String)
  }

  /// The fd slot of the detached mount; once attached, the root of the mount at its target.
  let slot: Int
  /// The calls so far, in order.
  private(set) var calls: [Syscall]

  /// A mount in fd slot `slot`, made by `calls`.
  init(slot: Int, calls: [Syscall]) {
    self.slot = slot
    self.calls = calls
  }

  /// A new filesystem of type `fstype` with `options`, mounted detached with `attributes`; `context` is the fd slot
  /// of the filesystem context, `path` the target, for errors.
  static func filesystem(
    _ fstype: String, options: [Option], attributes: MountAttributes, context: Int, slot: Int, path: String
  ) -> DetachedMount {
    var calls: [Syscall] = [.fsopen(fstype: fstype, slot: context)]
    for option in options {
      switch option {
      case .string(let key, let value): calls.append(.fsconfigString(context: context, key: key, value: value))
      case .fd(let key, let fd, let source): calls.append(.fsconfigFD(context: context, key: key, fd: fd, path: source))
      }
    }
    calls += [
      .fsconfigCreate(context: context, path: path),
      .fsmount(context: context, attributes: attributes, slot: slot, path: path),
    ]
    return DetachedMount(slot: slot, calls: calls)
  }

  /// A copy of the tree at the fd in slot `source` (opened as `path`), with the mounts beneath it when `recursive`:
  /// a bind not yet attached, for `target` in the sandbox.
  static func tree(of source: Int, path: String, recursive: Bool, slot: Int, target: String) -> DetachedMount {
    DetachedMount(
      slot: slot,
      calls: [.openTree(source: source, path: path, recursive: recursive, slot: slot, target: target)])
  }

  /// mount_setattr(2) on the whole detached tree (`recursive`) or its top, before it is attached: it appears with
  /// these attributes, never for a moment without them.
  mutating func configure(path: String, recursive: Bool, set: MountAttributes, clear: MountAttributes) {
    guard !set.isEmpty || !clear.isEmpty else { return }
    calls.append(.setattrAt(slot: slot, path: path, recursive: recursive, set: set, clear: clear))
  }

  /// Any other call, in order (e.g. ``Syscall/restoreWritable(slot:source:path:)`` before attaching, a mount point
  /// made on the mount after).
  mutating func append(_ call: Syscall) { calls.append(call) }

  /// move_mount(2) onto the mount point open in fd slot `target` (`path` in the sandbox).
  mutating func attach(to target: Int, path: String) {
    calls.append(.moveMount(from: slot, to: target, path: path))
  }

  /// The propagation type of the attached mount (its whole tree when `recursive`): set after attaching, since a
  /// mount attached beneath a shared one becomes shared.
  mutating func propagate(path: String, recursive: Bool, _ propagation: MountFlags) {
    calls.append(.setPropagation(slot: slot, path: path, recursive: recursive, propagation: propagation))
  }

  /// A mount(2) data string (`size=1M,mode=755,newinstance`) as fsconfig(2) options, in order.
  static func options(fromData data: String?) -> [Option] {
    guard let data, !data.isEmpty else { return [] }
    return data.split(separator: ",").map { part in
      guard let equals = part.firstIndex(of: "=") else { return .string(String(part), nil) }
      return .string(String(part[..<equals]), String(part[part.index(after: equals)...]))
    }
  }

  /// The `MS_*` per-mount flags of mount(2) as fsmount(2) and mount_setattr(2) attributes (`MS_RELATIME` is the
  /// attribute 0; `MS_BIND`, `MS_REC` and propagation are not attributes).
  static func attributes(_ flags: MountFlags) -> MountAttributes {
    let pairs: [(MountFlags, MountAttributes)] = [
      (.rdonly, .rdonly), (.nosuid, .nosuid), (.nodev, .nodev), (.noexec, .noexec), (.noatime, .noatime),
      (.strictatime, .strictatime), (.nodiratime, .nodiratime),
    ]
    return pairs.reduce(into: MountAttributes()) { result, pair in if flags.contains(pair.0) { result.insert(pair.1) } }
  }
}
