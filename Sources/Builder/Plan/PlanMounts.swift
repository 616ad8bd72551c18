import SpecParser

/// The filesystem steps. All paths go through fds: every host source is opened first (so no later mount can hide
/// it), the root is opened as fd slot 0, and each target is resolved beneath it with openat2(2) RESOLVE_IN_ROOT, so
/// a symlink in the way resolves inside the sandbox, never outside it. Mounts and `[[files]]` entries are taken in
/// the order the spec writes them.
extension Planner {
  func filesystemSteps() -> [Step] {
    guard spec.unshares(.mount) else { return [] }
    var plan = FilesystemPlan(planner: self)
    return plan.steps()
  }
}

/// Builds the filesystem steps, handing out fd slots.
struct FilesystemPlan {
  let planner: Planner
  var spec: Spec { planner.spec }
  /// Slot 0 holds the root.
  static let root = 0
  private var nextSlot = 1
  var sources: [String: Int] = [:]
  /// The mounts made so far, by target, with the fd slot of the mount's root and how paths beneath it are looked up
  /// when something is made beneath it (see ``place(_:)``).
  var mounted: [String: (slot: Int, lookup: PathLookup)?] = [:]
  /// Every folder above a `[[files]]` path or mount target: a mount on one of them has something made beneath it.
  var itemParents: Set<Substring> = []

  /// What run leaves on the host, with where paths land there, built once (a lookup per `[[files]]` entry stays
  /// linear in the mounts).
  private let changes: HostChanges
  private var placement: HostPlacement { changes.placement }

  init(planner: Planner) {
    self.planner = planner
    self.changes = HostChanges(spec: planner.spec, state: planner.state)
  }

  /// The kernel lacks a call of the new mount API (see ``DetachedMount``): mounts go through mount(2) on
  /// /proc/self/fd paths, checked to be proc's, with a plan warning.
  var throughProc: Bool { planner.state.host.missingMountCall != nil }
  /// Overlays go through mount(2) also where overlayfs takes no layer fds (before Linux 6.13).
  var overlayThroughProc: Bool { throughProc || !planner.state.host.overlayTakesLayerFDs }

  mutating func slot() -> Int {
    defer { nextSlot += 1 }
    return nextSlot
  }

  mutating func steps() -> [Step] {
    for path in spec.files.map(\.path) + spec.mounts.map(\.target) {
      itemParents.formUnion(AbsolutePath.ancestors(of: path))
    }
    var steps = [propagationStep()] + planner.hostOpenSteps(sourcesStep())
    if let becomeRoot = planner.namespaceRootStep() { steps.append(becomeRoot) }
    if let root = rootStep() { steps.append(root) }
    let keepsHostTree = spec.root.kind == .host
    var madeEarly: Set<Int> = []
    if keepsHostTree, spec.root.readonly {
      let targets = Set(spec.mounts.map(\.target))
      // The host's tree goes read-only first, recursively; the sandbox's own mounts then sit on it writable. What
      // the spec puts on the host's tree itself ([[files]] entries and mount points under no mount of the spec)
      // cannot be made once it is read-only, so it is made before.
      for (index, file) in spec.files.enumerated() where !AbsolutePath.isBeneath(anyOf: targets, file.path, orAt: true)
      {
        steps.append(fileStep(index, file))
        madeEarly.insert(index)
      }
      steps.append(readOnlyHostTreeStep(targets: targets))
    }
    steps += itemSteps(except: madeEarly)
    if !keepsHostTree { steps.append(pivotStep()) }
    steps.append(
      Step(
        kind: .closeFDs, actor: .initProcess, subject: .processAttribute(attribute: .fileDescriptors),
        calls: [.setParentDeathSignal(signal: 9), .checkParent, .closeSlots],
        change: .create,
        reason:
          "the command waits for it: it must not reach host folders through /proc/1/fd; from here nothing can be "
          + "taken back, so init now dies with the sandbox process by SIGKILL"))
    if !keepsHostTree, spec.root.readonly {
      steps.append(
        Step(
          kind: .readonlyRoot, actor: .initProcess, subject: .mountTarget(path: "/"),
          calls: [.mountSetattr(path: "/", recursive: false, set: .rdonly)],
          change: .create, reason: "last, so the mounts above could still be made",
          origin: planner.origin("root.readonly")))
    }
    return steps
  }

  /// Makes the host's tree read-only, after making the mount points missing on it: each from its own mount entry.
  private mutating func readOnlyHostTreeStep(targets: Set<String>) -> Step {
    var operations: [Step.Operation] = []
    for (index, mount) in spec.mounts.enumerated()
    where !AbsolutePath.isBeneath(anyOf: targets, mount.target, orAt: false) {
      guard planner.state.hostEntries[mount.target] == nil else { continue }
      let create: MountPointKind =
        mount.kind == .bind ? .likeSource(slot: sources[mount.source ?? ""] ?? 0) : .directory
      let at = place(mount.target)
      operations.append(
        Step.Operation(
          .resolve(root: at.root, path: at.path, create: create, slot: slot(), lookup: at.lookup),
          origin: planner.origin(SpecKeyPath("mounts").index(index))))
    }
    let origin = planner.origin("root.readonly")
    operations.append(
      Step.Operation(.setattrAt(slot: Self.root, path: "/", recursive: true, set: .rdonly, clear: []), origin: origin))
    return Step(
      kind: .readonlyRoot, actor: .initProcess, subject: .mountTarget(path: "/"), operations: operations,
      change: .create,
      reason: operations.count > 1
        ? "before the sandbox's own mounts, which keep their own flags; their missing mount points first"
        : "before the sandbox's own mounts, which keep their own flags",
      origin: origin, label: "make the host's tree read-only")
  }

  private func propagationStep() -> Step {
    let flag = MountFlags(spec.root.propagation)
    return Step(
      kind: .propagation, actor: .initProcess, subject: .mountTarget(path: "/"),
      calls: [.mount(source: nil, target: "/", fstype: nil, flags: [.rec, flag], data: nil)],
      change: .modify(before: "copied from the host", after: spec.root.propagation.rawValue),
      reason: "before the first mount, so no mount propagates to the host",
      origin: planner.origin("root.propagation") ?? planner.origin("namespaces.unshare"))
  }

  /// Every host path a later step reads: bind sources, overlay layers, device nodes, a root directory; with the
  /// host's tree as the root, `/` itself as fd slot 0.
  /// Each open comes from the spec entry that first names its path, so a failed open points at that entry.
  private mutating func sourcesStep() -> Step {
    let paths = HostSources.sources(of: spec, devices: true) + [HostSources.nullDevice(of: spec)].compactMap { $0 }
    var operations: [Step.Operation] = []
    if case .host = spec.root.kind { operations.append(Step.Operation(.openPath(path: "/", slot: Self.root))) }
    var rootDirectory: String?
    if case .directory(let directory) = spec.root.kind { rootDirectory = directory }
    var opened: [String] = []
    for source in paths where sources[source.path] == nil {
      let path = source.path
      let slot = slot()
      sources[path] = slot
      opened.append(path)
      // Opened as plan resolved it, through no symlink: one swapped in since is refused, never followed.
      let resolved = planner.state.hostSources[path] ?? ResolvedHostPath(path: path, links: [])
      let call: Syscall =
        path == rootDirectory
        ? .openDirectoryNoSymlinks(path: path, slot: slot)
        : .openNoSymlinks(path: resolved.path, slot: slot, via: resolved.links)
      operations.append(Step.Operation(call, origin: origin(of: source.namedBy)))
    }
    // `run -t` with a minimal /dev: the command's pseudo-terminal, bound there as `console`.
    if spec.process.terminal, let dev = spec.mounts.firstIndex(where: { $0.kind == .dev }) {
      let slot = slot()
      sources[DevicePlan.console] = slot
      opened.append("the command's pseudo-terminal")
      operations.append(
        Step.Operation(
          .openTerminalReplica(slot: slot),
          origin: planner.origin("process.terminal") ?? planner.origin(SpecKeyPath("mounts").index(dev))))
    }
    return Step(
      kind: .sources, actor: .initProcess, subject: .hostPaths(paths: opened), operations: operations,
      change: .create, reason: "before any mount can hide them", label: "open the host paths the sandbox uses")
  }

  private func origin(of entry: HostSources.Source.Entry) -> SourceRange? {
    switch entry {
    case .rootPath: planner.origin("root.path")
    case .mount(let index): planner.origin(SpecKeyPath("mounts").index(index))
    }
  }

  private mutating func rootStep() -> Step? {
    switch spec.root.kind {
    case .host:
      return nil
    case .tmpfs:
      return Step(
        kind: .root, actor: .initProcess, subject: .mountTarget(path: "/"),
        calls: throughProc
          ? [
            .mount(source: "tmpfs", target: "/tmp", fstype: "tmpfs", flags: [.nosuid, .nodev], data: "mode=755"),
            .openPath(path: "/tmp", slot: Self.root),
          ] : tmpfsAtTmp(mode: "755", slot: Self.root),
        change: .create, reason: "built at /tmp, which only this mount namespace sees, then pivoted to",
        origin: planner.origin("root"), label: "make an empty tmpfs root")
    case .directory(let directory):
      let source = sources[directory] ?? 0
      let (stage, point) = (slot(), slot())
      var bind = DetachedMount.tree(of: source, path: directory, recursive: true, slot: Self.root, target: "/")
      bind.attach(to: point, path: "/tmp/root")
      let calls: [Syscall] =
        throughProc
        ? [
          .mount(source: "tmpfs", target: "/tmp", fstype: "tmpfs", flags: [.nosuid, .nodev], data: "mode=700"),
          .openPath(path: "/tmp", slot: stage),
          .makeDirectory(root: stage, path: "/root", mode: 0o755),
          .resolve(root: stage, path: "/root", create: nil, slot: point),
          .mountAt(
            source: .slot(slot: source, path: directory), target: point, path: "/tmp/root", fstype: nil,
            flags: [.bind, .rec], data: nil),
          .openPath(path: "/tmp/root", slot: Self.root),
        ]
        : tmpfsAtTmp(mode: "700", slot: stage) + [
          .makeDirectory(root: stage, path: "/root", mode: 0o755),
          .resolve(root: stage, path: "/root", create: nil, slot: point),
        ] + bind.calls
      return Step(
        kind: .root, actor: .initProcess, subject: .mountTarget(path: "/"), calls: calls,
        change: .create,
        reason: "staged on a tmpfs only this mount namespace sees, by fd: the folder is never looked up by path again",
        origin: planner.origin("root"), label: "bind \(directory) as the root")
    }
  }

  /// A tmpfs (nosuid, nodev, of `mode`) into fd slot `slot`, attached onto /tmp, which this mount namespace alone
  /// then sees: the host's own /tmp, opened before any mount of the spec.
  private mutating func tmpfsAtTmp(mode: String, slot root: Int) -> [Syscall] {
    let tmp = slot()
    var tmpfs = DetachedMount.filesystem(
      "tmpfs", options: [.string("mode", mode)], attributes: [.nosuid, .nodev], context: slot(), slot: root,
      path: "/tmp")
    tmpfs.attach(to: tmp, path: "/tmp")
    return [.openPath(path: "/tmp", slot: tmp)] + tmpfs.calls
  }

  private func pivotStep() -> Step {
    Step(
      kind: .pivotRoot, actor: .initProcess, subject: .mountTarget(path: "/"),
      calls: [
        .changeDirectoryTo(slot: Self.root, path: "the new root"), .pivotRoot, .detachOldRoot, .chdir(path: "/"),
      ],
      change: .create, reason: "the old root is detached, so nothing outside the new root stays reachable",
      origin: planner.origin("root"), label: "pivot_root into the new root")
  }

  /// Mounts and files, in the order the spec writes them, except that a mount moves before anything written earlier
  /// that lies beneath its target (parents first: otherwise it would hide them).
  private mutating func itemSteps(except madeEarly: Set<Int>) -> [Step] {
    let order = SetupOrder(planner: planner)
    let mountsInside = order.mountsInside()
    // A loop, not a closure over `self`: that copied this whole plan for every item.
    var steps: [Step] = []
    steps.reserveCapacity(order.items.count)
    for (position, item) in order.items.enumerated() {
      switch item {
      case .mount(let index, let mount):
        // Mount points of later mounts inside this one are made before it can turn read-only.
        steps.append(mountStep(index, protectedSysfs(mount), mountPointsInside: mountsInside[position] ?? []))
        if let protection = protectionStep(index, mount, nullDevice: sources["/dev/null"]) { steps.append(protection) }
      case .file(let index, let file): if !madeEarly.contains(index) { steps.append(fileStep(index, file)) }
      }
    }
    return steps
  }

  private func fileStep(_ index: Int, _ file: FileEntry) -> Step {
    let call: Syscall
    let at = place(file.path)
    switch file.kind {
    case .dir: call = .makeDirectory(root: at.root, path: at.path, mode: file.mode ?? 0o755, lookup: at.lookup)
    case .file:
      call = .createFile(
        root: at.root, path: at.path, contents: file.content, mode: file.mode ?? 0o644, lookup: at.lookup)
    case .symlink: call = .symlink(root: at.root, path: at.path, link: file.link ?? "", lookup: at.lookup)
    }
    let folders = changes.foldersMade(above: placement.landing(of: file.path))
    return Step(
      kind: .file, actor: .initProcess, subject: .file(path: file.path), calls: [call],
      change: FileChange.of(file, existing: planner.state.hostEntries[file.path]),
      reason: Self.reasons([
        folders.isEmpty ? nil : "makes the missing folders \(folders.joined(separator: ", ")) on the host first",
        linksNote(file.path),
      ]),
      origin: planner.origin(SpecKeyPath("files").index(index)), label: "create \(file.kind.rawValue) \(file.path)")
  }

  private mutating func mountStep(_ index: Int, _ mount: Mount, mountPointsInside inside: [Mount]) -> Step {
    // A sysfs the protection made read-only (see protectedSysfs) says why.
    let protectedReadOnly = mount.isReadOnly && !spec.mounts[index].isReadOnly
    var mount = mount
    // A fresh read-only mount with mounts inside is mounted writable, then made read-only after their mount points.
    let deferReadOnly = mount.kind != .bind && mount.isReadOnly && !inside.isEmpty
    if deferReadOnly { mount.options.removeAll { $0 == .ro } }
    let target = slot()
    let at = place(mount.target)
    let calls =
      throughProc || (mount.kind == .overlay && overlayThroughProc)
      ? mountCallsThroughProc(mount, target: target, at: at, inside: inside, deferReadOnly: deferReadOnly)
      : detachedMountCalls(mount, target: target, at: at, inside: inside, deferReadOnly: deferReadOnly)
    let readOnly =
      mount.kind == .bind && mount.isReadOnly
      ? "read-only recursively, keeping the flags the kernel locked"
      : protectedReadOnly
        ? "read-only: the command could be host root, and sysfs settings are host-wide; `unmask = true` leaves it writable"
        : nil
    return Step(
      kind: .mount, actor: .initProcess, subject: .mountTarget(path: mount.target), calls: calls, change: .create,
      reason: Self.reasons([readOnly, linksNote(mount.target)]),
      origin: planner.origin(SpecKeyPath("mounts").index(index)), label: Self.label(mount))
  }

  /// A mount through mount(2) on /proc/self/fd paths, where the kernel lacks the new mount API.
  private mutating func mountCallsThroughProc(
    _ mount: Mount, target: Int, at: Place, inside: [Mount], deferReadOnly: Bool
  ) -> [Syscall] {
    var calls: [Syscall] = []
    switch mount.kind {
    case .bind:
      let source = sources[mount.source ?? ""] ?? 0
      calls += pointCalls(at, target: mount.target, create: .likeSource(slot: source), slot: target)
      calls.append(
        .mountAt(
          source: .slot(slot: source, path: mount.source ?? ""), target: target, path: mount.target, fstype: nil,
          flags: [.bind, .rec], data: nil))
    case .dev:
      calls += pointCalls(at, target: mount.target, create: .directory, slot: target)
      calls += DevicePlan(mount: mount, sources: sources).callsThroughProc(
        target: target, at: (at.root, at.path), slot: { slot() })
    case .overlay:
      calls += pointCalls(at, target: mount.target, create: .directory, slot: target)
      calls += overlayCalls(mount, target: target, at: at)
    case .tmpfs, .proc, .sysfs, .devpts, .mqueue:
      calls += pointCalls(at, target: mount.target, create: .directory, slot: target)
      calls.append(freshMount(mount, target: target))
    }
    calls += noteMounted(mount, at: at)
    // Only a mount that turns read-only needs them early; otherwise each is made at its own step, in spec order.
    for other in inside where mount.isReadOnly || deferReadOnly {
      let create: MountPointKind =
        other.kind == .bind ? .likeSource(slot: sources[other.source ?? ""] ?? 0) : .directory
      let point = place(other.target)
      calls.append(.resolve(root: point.root, path: point.path, create: create, slot: slot(), lookup: point.lookup))
    }
    calls += afterMount(mount, at: at)
    if deferReadOnly {
      let mounted = slot()
      calls.append(.resolve(root: at.root, path: at.path, create: nil, slot: mounted, lookup: at.lookup))
      calls.append(.setattrAt(slot: mounted, path: mount.target, recursive: false, set: .rdonly, clear: []))
    }
    return calls
  }

  /// A step's reason from its parts, in order, joined by "; "; nil when there are none.
  static func reasons(_ parts: [String?]) -> String? {
    let present = parts.compactMap { $0 }
    return present.isEmpty ? nil : present.joined(separator: "; ")
  }

  static func label(_ mount: Mount) -> String {
    switch mount.kind {
    case .bind: "bind \(mount.source ?? "?") on \(mount.target)"
    case .dev: "make a minimal /dev on \(mount.target)"
    case .tmpfs, .proc, .sysfs, .devpts, .mqueue, .overlay: "mount \(mount.kind.rawValue) on \(mount.target)"
    }
  }

  /// A filesystem made fresh: tmpfs, proc, sysfs, devpts, mqueue.
  private func freshMount(_ mount: Mount, target: Int) -> Syscall {
    let (flags, data) = Self.freshOptions(mount)
    let name = mount.kind.rawValue
    return .mountAt(
      source: .name(filesystem: name), target: target, path: mount.target, fstype: name, flags: flags, data: data)
  }

  /// The mount(2) flags and data of a fresh filesystem (tmpfs, proc, sysfs, devpts, mqueue).
  static func freshOptions(_ mount: Mount) -> (flags: MountFlags, data: String?) {
    var flags = Self.flags(mount.options)
    var data: String?
    switch mount.kind {
    case .tmpfs:
      var parts: [String] = []
      if let size = mount.size { parts.append("size=\(size)") }
      if let mode = mount.mode { parts.append("mode=\(FileMode.digits(mode))") }
      if let uid = mount.uid { parts.append("uid=\(uid)") }
      if let gid = mount.gid { parts.append("gid=\(gid)") }
      data = parts.isEmpty ? nil : parts.joined(separator: ",")
    case .devpts:
      flags.formUnion([.nosuid, .noexec])
      data = "newinstance,ptmxmode=0666,mode=620"
    // bind, dev and overlay are not fresh mounts (see `mountStep`).
    case .proc, .sysfs, .mqueue, .bind, .dev, .overlay:
      // proc(5), sysfs(5) and mqueue are mounted nosuid,nodev,noexec by every tool and distribution.
      flags.formUnion([.nosuid, .nodev, .noexec])
    }
    return (flags, data)
  }

  private mutating func overlayCalls(_ mount: Mount, target: Int, at: Place) -> [Syscall] {
    var calls: [Syscall] = []
    let lower = mount.lower.map { sources[$0] ?? 0 }
    var upper: Int?
    var work: Int?
    switch mount.upper {
    case .directories(let upperPath, let workPath):
      upper = sources[upperPath]
      work = sources[workPath]
    case .tmpfs:
      // A tmpfs on the target holds the upper and work folders; the overlay then covers it.
      calls.append(
        .mountAt(
          source: .name(filesystem: "tmpfs"), target: target, path: mount.target, fstype: "tmpfs", flags: [], data: nil)
      )
      let (u, w) = (slot(), slot())
      for (name, slot) in [("upper", u), ("work", w)] {
        // On the tmpfs just mounted on the target: looked up as the target was, then inside that fresh mount.
        let path = (at.path == "/" ? "" : at.path) + "/.nsbuild-overlay-" + name
        calls.append(.makeDirectory(root: at.root, path: path, mode: 0o755, lookup: .inRoot))
        calls.append(.resolve(root: at.root, path: path, create: nil, slot: slot))
      }
      (upper, work) = (u, w)
    case nil: break
    }
    calls.append(
      .mountOverlay(
        target: target, path: mount.target, lower: lower, upper: upper, work: work, flags: Self.flags(mount.options),
        userXattr: spec.unshares(.user)))
    return calls
  }

  /// Options a bind only takes through mount_setattr(2), and the mount's own propagation, on the new mount.
  private mutating func afterMount(_ mount: Mount, at: Place) -> [Syscall] {
    let attributes =
      mount.kind == .bind ? Self.attributes(mount.options) : (set: MountAttributes(), clear: MountAttributes())
    // A bind copies its source mount's flags; on a host tree this plan made read-only, a bind not marked `ro` gets
    // back the writability its source had before (and no more).
    let restore = mount.kind == .bind && !mount.isReadOnly && spec.root.kind == .host && spec.root.readonly
    guard !attributes.set.isEmpty || !attributes.clear.isEmpty || mount.propagation != nil || restore else { return [] }
    // Opened again after mounting, so the fd is the new mount's root rather than the folder under it.
    let mounted = slot()
    var calls: [Syscall] = [.resolve(root: at.root, path: at.path, create: nil, slot: mounted, lookup: at.lookup)]
    if restore {
      calls.append(.restoreWritable(slot: mounted, source: sources[mount.source ?? ""] ?? 0, path: mount.target))
    }
    if !attributes.set.isEmpty || !attributes.clear.isEmpty {
      calls.append(
        .setattrAt(slot: mounted, path: mount.target, recursive: true, set: attributes.set, clear: attributes.clear))
    }
    if let propagation = mount.propagation {
      var flags = MountFlags(propagation)
      if mount.kind == .bind { flags.insert(.rec) }
      calls.append(.propagateAt(slot: mounted, path: mount.target, flags: flags))
    }
    return calls
  }

  static func flags(_ options: [MountOption]) -> MountFlags {
    options.reduce(into: MountFlags()) { flags, option in
      switch option {
      case .ro: flags.insert(.rdonly)
      case .nosuid: flags.insert(.nosuid)
      case .nodev: flags.insert(.nodev)
      case .noexec: flags.insert(.noexec)
      case .relatime: flags.insert(.relatime)
      case .noatime: flags.insert(.noatime)
      case .strictatime: flags.insert(.strictatime)
      case .nodiratime: flags.insert(.nodiratime)
      case .rw: break
      }
    }
  }

  /// Attributes to set and clear with mount_setattr(2); an atime mode clears the atime field first.
  static func attributes(_ options: [MountOption]) -> (set: MountAttributes, clear: MountAttributes) {
    var set = MountAttributes()
    var clear = MountAttributes()
    for option in options {
      switch option {
      case .ro: set.insert(.rdonly)
      case .nosuid: set.insert(.nosuid)
      case .nodev: set.insert(.nodev)
      case .noexec: set.insert(.noexec)
      case .relatime: clear.insert(.atimeMask)
      case .noatime:
        clear.insert(.atimeMask)
        set.insert(.noatime)
      case .strictatime:
        clear.insert(.atimeMask)
        set.insert(.strictatime)
      case .nodiratime: set.insert(.nodiratime)
      case .rw: clear.insert(.rdonly)
      }
    }
    return (set, clear)
  }
}
