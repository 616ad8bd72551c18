/// Warnings about what the sandbox does to the host, from the spec alone, so `check` says them as plainly as `plan`:
/// a command that runs as host root, a proc or sysfs left unprotected for it, and `[[files]]` entries that are
/// written into the host's own tree rather than into the sandbox.
struct HostTreeRules {
  let spec: Spec
  let sink: DiagnosticSink

  /// How many host paths one warning names before it counts the rest.
  static let namedPaths = 5

  func check() {
    hostRoot()
    unmaskedForHostRoot()
    hostKernelFilesystemBinds()
    hostDevicesAndSockets()
    filesOnTheHost()
  }

  private var start: SourceRange { SourceRange(at: SourceLocation(line: 1, column: 1, offset: 0)) }

  /// Without a user namespace, the command's uid 0 is the host's: dropping capabilities does not change who owns
  /// the host's files or whom proc(5) lets change a sysctl. (With no namespace at all, nsbuild needs no root and the
  /// command keeps the caller's uid, unless the spec sets it to 0.)
  private func hostRoot() {
    guard !spec.unshares(.user), (spec.process.uid ?? 0) == 0, !spec.namespaces.isEmpty || spec.process.uid == 0
    else { return }
    sink.warning(
      "host-root",
      "the command runs as host root: without a user namespace nsbuild runs as root and so does the command, so even with every capability dropped it can change whatever root-owned file or setting the sandbox leaves writable",
      at: spec.origins["process.uid"] ?? spec.origins["namespaces.unshare"] ?? start,
      hint:
        "add \"user\" to [namespaces] unshare and run nsbuild as yourself, not as root (rootless: root inside is you outside, so a project folder you own stays writable and the host's root-owned files do not), or set [process] uid; keep the host's tree read-only and /proc and /sys protected (no `unmask`)"
    )
    // kill(2) checks the uid alone: without a pid namespace every root process of the host is in reach.
    if !spec.unshares(.pid) {
      sink.warning(
        "host-signals",
        "without a pid namespace the command, as host root, can signal (and kill) every process the host runs as root",
        at: spec.origins["namespaces.unshare"] ?? start, hint: "add \"pid\" to [namespaces] unshare")
    }
  }

  /// `unmask = true` on a proc or sysfs that a host root command sees: host-wide sysctls and sysfs settings.
  private func unmaskedForHostRoot() {
    guard !spec.unshares(.user) else { return }
    for (index, mount) in spec.mounts.enumerated() where mount.unmask {
      guard let range = spec.origins[SpecKeyPath("mounts").index(index).appending("unmask")] else { continue }
      let what =
        mount.kind == .proc
        ? "/proc/sys and /proc/sysrq-trigger writable (host-wide sysctls such as kernel.core_pattern)"
        : "this sysfs writable (host-wide device and kernel settings)"
      sink.warning(
        "unmasked", "without a user namespace, `unmask = true` leaves \(what) for a command that may be host root",
        at: range, hint: "leave `unmask` out unless the command needs them")
    }
  }

  /// A writable bind of the host's own /proc or /sys gives a host root command the host's sysctls and sysfs, with
  /// none of a fresh mount's protection.
  private func hostKernelFilesystemBinds() {
    guard !spec.unshares(.user) else { return }
    for (index, mount) in spec.mounts.enumerated() where mount.kind == .bind && !mount.isReadOnly {
      guard let source = mount.source,
        ["/proc", "/sys"].contains(where: { AbsolutePath.isWithin(source, $0) }),
        let range = spec.origins[SpecKeyPath("mounts").index(index)]
      else { continue }
      sink.warning(
        "host-kernel-bind",
        "this writable bind of the host's \(source) lets a command that may be host root change host-wide kernel settings there",
        at: range,
        hint: "mount a fresh `proc` or `sysfs` instead (nsbuild protects those), or add \"ro\" to its options")
    }
  }

  /// On the host's tree, /dev and /run are the host's: its disks and /dev/kmsg are root's to write, and a device
  /// file ignores a read-only mount (only nodev stops it); a socket in /run (systemd's, a container engine's) takes a
  /// connect(2) on a read-only mount too, and its server sees uid 0 (SO_PEERCRED). `[root] readonly` protects neither.
  private func hostDevicesAndSockets() {
    guard !spec.unshares(.user), spec.unshares(.mount), spec.root.kind == .host else { return }
    let at = spec.origins["root.readonly"] ?? spec.origins["namespaces.unshare"] ?? start
    if !spec.mounts.contains(where: { $0.target == "/dev" && ($0.kind == .dev || $0.kind == .tmpfs) }) {
      sink.warning(
        "host-devices",
        "the command sees the host's /dev: as host root it can write the host's disks and /dev/kmsg, read-only tree or not (device files ignore a read-only mount)",
        at: at,
        hint: "add a [[mounts]] entry with type = \"dev\" and target = \"/dev\" (a minimal /dev, as bwrap --dev)")
    }
    if !spec.mounts.contains(where: { $0.target == "/run" && $0.kind == .tmpfs }) {
      sink.warning(
        "host-sockets",
        "the command sees the host's /run: the sockets there (systemd's, a container engine's) take its connections as host root, read-only tree or not",
        at: at, hint: "add a [[mounts]] entry with type = \"tmpfs\" and target = \"/run\"")
    }
  }

  /// Entries that land on host storage: on the host's own tree (no mount of the spec above them) or in a bind's
  /// source folder. With `[root] readonly` the host's tree turns read-only only after they are written there.
  private func filesOnTheHost() {
    guard spec.unshares(.mount), !spec.files.isEmpty else { return }
    let mounts = MountsByTarget(spec.mounts)
    var onHostTree: [(Int, String)] = []
    var inBinds: [(Int, String)] = []
    for (index, file) in spec.files.enumerated() {
      if let (target, mount) = mounts.deepest(above: file.path) {
        guard mount.kind == .bind, let source = mount.source else { continue }
        inBinds.append((index, (source == "/" ? "" : source) + AbsolutePath.rest(of: file.path, in: target)))
      } else if spec.root.kind == .host {
        onHostTree.append((index, file.path))
      }
    }
    if let (first, _) = onHostTree.first, let range = spec.origins[SpecKeyPath("files").index(first)] {
      let readOnly =
        spec.root.readonly
        ? "; `[root] readonly` makes the host's tree read-only inside the sandbox only after they are written, so they are written all the same"
        : ""
      sink.warning(
        "files-on-host",
        "these [[files]] entries are written into the host's own tree and stay there after the sandbox ends\(readOnly): \(Self.list(onHostTree.map(\.1)))",
        at: range, hint: "put them beneath a tmpfs mount, or use a [root] of its own, to keep the host clean")
    }
    if let (first, _) = inBinds.first, let range = spec.origins[SpecKeyPath("files").index(first)] {
      sink.warning(
        "files-on-host",
        "these [[files]] entries land in a bind's source folder on the host and stay there: \(Self.list(inBinds.map(\.1)))",
        at: range)
    }
  }

  /// The first few paths, and how many more.
  static func list(_ paths: [String]) -> String {
    let named = paths.prefix(namedPaths).joined(separator: ", ")
    return paths.count > namedPaths ? "\(named) and \(paths.count - namedPaths) more" : named
  }
}
