/// How a standing mount differs from the mount step that made it, in what can be changed where it stands: its
/// per-mount flags (`ro`, `nosuid`, `nodev`, `noexec`), its filesystem made read-only by a remount, a tmpfs's
/// `size`, its propagation. Read from proc_pid_mountinfo(5); see ``DriftReport``.
struct MountDrift {
  let shape: MountShape
  let mount: HostMount

  /// The mount attributes mountinfo shows by name in a mount's own options.
  static let flags: [(MountAttributes, String)] = [
    (.rdonly, "ro"), (.nosuid, "nosuid"), (.nodev, "nodev"), (.noexec, "noexec"),
  ]
  static let flagMask = flags.reduce(MountAttributes()) { $0.union($1.0) }

  var applied: MountAttributes { shape.attributes.intersection(Self.flagMask) }
  var standing: MountAttributes {
    Self.flags.reduce(MountAttributes()) { mount.mountOptions.contains($1.1) ? $0.union($1.0) : $0 }
  }
  private var isBind: Bool { shape.fstype == "bind" }

  /// A bind also carries the flags of the host mount it copies: only the applied ones missing are drift.
  var attributesDrifted: Bool { isBind ? !applied.isSubset(of: standing) : applied != standing }
  /// The filesystem itself read-only (`mount -o remount,ro` without `bind`): the plan never makes it so.
  var superblockReadOnly: Bool {
    !isBind && mount.superOptions.contains("ro") && shape.options["ro"] == nil
  }

  /// The applied and standing tmpfs size in KiB, when they differ (the kernel shows `size=8192k`, pages rounded).
  var size: (applied: String, standing: String)? {
    guard let wanted = shape.options["size"] ?? nil, let bytes = Self.bytes(wanted), bytes > 0 else { return nil }
    let pages = (bytes + 4095) / 4096
    let shown = mount.superOptions.first { $0.hasPrefix("size=") }.map { String($0.dropFirst(5)) }
    guard let shown, let now = Self.bytes(shown), now != pages * 4096 else { return nil }
    return ("\(pages * 4)k", shown)
  }

  /// The propagation the applied plan set, and the one standing, when they differ.
  var propagation: (applied: String, standing: String)? {
    var wanted: String?
    for case .setPropagation(_, _, _, let flags) in shape.propagation {
      wanted = MountFlags.names.first { flags.contains($0.0) && $0.1 != "MS_REC" }.map { Self.word($0.1) }
    }
    guard let wanted else { return nil }
    let now =
      mount.peerGroup != nil
      ? (mount.masterGroup != nil ? "shared and slave" : "shared")
      : mount.masterGroup != nil ? "slave" : mount.isUnbindable ? "unbindable" : "private"
    return wanted == now ? nil : (wanted, now)
  }

  /// What drifted, as `options ro,nosuid; size 4096k` beside the applied `options rw,nosuid; size 8M`; nil when
  /// nothing did.
  var described: (applied: String, standing: String)? {
    var (was, now): ([String], [String]) = ([], [])
    if attributesDrifted || superblockReadOnly {
      was.append("options " + Self.text(applied))
      now.append("options " + Self.text(standing) + (superblockReadOnly ? " (filesystem read-only)" : ""))
    }
    if let size { (was, now) = (was + ["size " + size.applied], now + ["size " + size.standing]) }
    if let propagation {
      (was, now) = (was + ["propagation " + propagation.applied], now + ["propagation " + propagation.standing])
    }
    return was.isEmpty ? nil : (was.joined(separator: "; "), now.joined(separator: "; "))
  }

  private static func text(_ attributes: MountAttributes) -> String {
    ([attributes.contains(.rdonly) ? "ro" : "rw"] + flags.dropFirst().filter { attributes.contains($0.0) }.map(\.1))
      .joined(separator: ",")
  }

  /// `MS_SHARED` as `shared`.
  private static func word(_ name: String) -> String { name.dropFirst(3).lowercased() }

  /// A tmpfs size (`8M`, `8192k`, `1g`, bytes) in bytes; nil for a percentage of RAM or anything else.
  static func bytes(_ text: String) -> Int? {
    guard let last = text.last else { return nil }
    let scale: Int? =
      switch last {
      case "k", "K": 1 << 10
      case "m", "M": 1 << 20
      case "g", "G": 1 << 30
      case "t", "T": 1 << 40
      default: last.isNumber ? 1 : nil
      }
    guard let scale, let number = Int(last.isNumber ? text : String(text.dropLast())) else { return nil }
    return number.multipliedReportingOverflow(by: scale).overflow ? nil : number * scale
  }
}
