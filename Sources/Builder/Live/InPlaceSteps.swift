import SpecParser

/// The steps `apply` takes to change a live sandbox in place, made from the new plan's steps: each is taken by a
/// ``Step/Actor/joiner`` that joins the target's namespaces as `exec` does (``Syscall/openNamespace(namespace:file:slot:)``
/// of its init's `/proc/PID/ns/TYPE`, then ``Syscall/setns(slot:namespaces:)``)
/// and then makes the same calls `run` makes, on the sandbox as it stands (its root is the joined mount namespace's);
/// resource limits are set from outside with prlimit(2). Each step is taken by its own joiner: fd slots are its own.
struct InPlaceSteps {
  let target: ProcessIdentity
  /// The namespaces the sandbox unshared.
  let unshared: [Namespace]
  /// The new plan's host-opening step (bind sources, device nodes) and protect steps, by mount target.
  let sources: Step?
  let protects: [String: Step]
  /// What each fd slot of the new plan stands for inside the sandbox: a path looked up (`.resolve`), or the root of
  /// the mount made for a target (fsmount(2), open_tree(2)). A slot not listed is the sandbox's `/`.
  let slotPaths: [Int: String]

  init(target: ProcessIdentity, unshared: [Namespace], plan: Plan) {
    self.target = target
    self.unshared = unshared
    slotPaths = Self.slotPaths(plan.steps.flatMap(\.calls))
    sources = plan.steps.first { $0.kind == .sources }
    var protects: [String: Step] = [:]
    for step in plan.steps where step.kind == .protect {
      if case .mountTarget(let path) = step.subject { protects[path] = step }
    }
    self.protects = protects
  }

  /// Joins `wanted` of the sandbox's namespaces, as `exec` joins them: each `/proc/PID/ns/TYPE` of its init opened
  /// (its start time checked once open, so a recycled pid is refused) into a slot `calls` do not use, all before
  /// entering any (once in the sandbox's mount namespace, /proc is the sandbox's), then entered with setns(2), its
  /// user namespace first when it has one (the others are then joined with the capabilities it gives).
  func join(_ wanted: [Namespace], besides calls: [Syscall]) -> [Step.Operation] {
    let user: [Namespace] = unshared.contains(.user) ? [.user] : []
    let namespaces = user + wanted.filter { $0 != .user && unshared.contains($0) }
    let first = (Self.slots(in: calls).max() ?? -1) + 1
    let file = NamespaceFile.process(pid: target.pid, startTime: target.startTime)
    let opens = namespaces.enumerated().map { Syscall.openNamespace(namespace: $1, file: file, slot: first + $0) }
    let enters = namespaces.enumerated().map { Syscall.setns(slot: first + $0, namespaces: CloneFlags($1)) }
    return (opens + enters).map { Step.Operation($0) }
  }

  /// sethostname(2) or setdomainname(2) inside the sandbox's UTS namespace.
  func names(_ step: Step) -> Step {
    joined(step, kind: step.kind, joining: [.uts], calls: step.calls)
  }

  func loopback(_ step: Step) -> Step {
    joined(step, kind: .loopback, joining: [.net], calls: step.calls)
  }

  /// The propagation of the sandbox's `/`, set again inside its mount namespace.
  func propagation(_ step: Step) -> Step {
    joined(step, kind: .propagation, joining: [.mount], calls: step.calls)
  }

  /// A `[[files]]` entry written beneath the sandbox's root (the joined mount namespace's `/`). With `replacing`,
  /// a file that stands there (changed by the spec or by hand) is made anew and renamed over it, since `run`'s
  /// create never overwrites one.
  func file(_ step: Step, replacing: Bool) -> Step {
    let opens = reopen(Self.rootSlots(step.calls), besides: step.calls)
    let operations = step.operations.map { operation -> Step.Operation in
      guard replacing, case .createFile(let root, let path, let contents, let mode, _) = operation.call else {
        return operation
      }
      return Step.Operation(
        .replaceFile(root: root, path: path, contents: contents, mode: mode), origin: operation.origin)
    }
    return Step(
      kind: .file, actor: .joiner, subject: step.subject,
      operations: join([.mount], besides: (opens + operations).map(\.call)) + opens + operations, change: .create,
      origin: step.origin,
      label: step.title)
  }

  /// prlimit(2) of each limit on the sandbox's init, from outside.
  func limits(_ step: Step) -> Step {
    let operations = step.operations.compactMap { operation -> Step.Operation? in
      guard case .setrlimit(let limit) = operation.call else { return nil }
      return Step.Operation(.prlimit(target: target, limit: limit), origin: operation.origin)
    }
    return Step(
      kind: .rlimits, actor: .parent, subject: step.subject, operations: operations, change: .create,
      reason: "init's limits, which the processes it forks inherit; `exec` sets the spec's on its command",
      origin: step.origin, label: "set init's resource limits")
  }

  /// A mount attached to the running sandbox: host trees are copied (open_tree(2)) before joining, while they are
  /// still in this mount namespace; then the joiner enters the sandbox's namespaces, makes the rest of the mount
  /// (fsopen(2) there, so a proc, sysfs or mqueue is the sandbox's) and moves it onto its target (move_mount(2)).
  func add(_ step: Step) -> Step {
    guard case .mountTarget(let path) = step.subject else { return step }
    let shape = MountShape(step)
    let operations = step.operations + (protects[path]?.operations ?? [])
    let roots = Self.rootSlots(operations.map(\.call))
    let used = Self.slots(in: operations.map(\.call))
    var before = (sources?.operations ?? []).filter { operation in
      guard let slot = Self.opened(operation.call) else { return false }
      return used.contains(slot) && !roots.contains(slot)
    }
    var after: [Step.Operation] = []
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

  /// The mount on `path` taken off inside the sandbox's mount namespace (umount2(2) MNT_DETACH).
  func remove(_ path: String, origin: SourceRange?) -> Step {
    let calls: [Syscall] = [
      .openPath(path: "/", slot: 0), .resolve(root: 0, path: path, create: nil, slot: 1, lookup: .inRoot),
      .unmount(slot: 1, path: path),
    ]
    return Step(
      kind: .unmount, actor: .joiner, subject: .mountTarget(path: path),
      operations: join([.mount], besides: calls) + calls.map { Step.Operation($0) }, change: .create,
      reason: "processes that still use it keep it until they let go (MNT_DETACH)", origin: origin)
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
    let lookup: [Syscall] = [
      .openPath(path: "/", slot: 0), .resolve(root: 0, path: path, create: nil, slot: 1, lookup: .inRoot),
    ]
    return Step(
      kind: .mount, actor: .joiner, subject: new.subject,
      operations: join([.mount], besides: lookup + calls) + lookup.map { Step.Operation($0) }
        + calls.map { Step.Operation($0, origin: new.origin) },
      change: .create, origin: new.origin, label: "change the mount on \(path)")
  }

  /// A tmpfs option changed on the standing mount: `size` by a remount, `mode` by fchmod(2) of its root (tmpfs(5)).
  private static func optionChange(_ key: String, _ value: String?, path: String) -> Syscall? {
    guard let value else { return nil }
    switch key {
    case "size", "nr_inodes": return .reconfigure(slot: 1, path: path, key: key, value: value)
    case "mode": return UInt32(value, radix: 8).map { .changeMode(slot: 1, path: path, mode: $0) }
    default: return nil
    }
  }

  private func joined(_ step: Step, kind: Step.Kind, joining: [Namespace], calls: [Syscall]) -> Step {
    Step(
      kind: kind, actor: .joiner, subject: step.subject,
      operations: join(joining, besides: calls) + step.operations.filter { calls.contains($0.call) },
      change: .create, origin: step.origin, label: step.title)
  }

  /// Calls that fill `roots` inside the joined mount namespace as `run` filled them: the sandbox's `/` opened (its
  /// root, once joined) into a slot `calls` do not use, and each root that is a folder or mount beneath it looked up
  /// there (RESOLVE_IN_ROOT).
  func reopen(_ roots: Set<Int>, besides calls: [Syscall]) -> [Step.Operation] {
    let beneath = roots.sorted().compactMap { slot in slotPaths[slot].map { (slot, $0) } }.filter { $0.1 != "/" }
    let top = roots.subtracting(beneath.map(\.0)).sorted()
    let base = top.first ?? ((Self.slots(in: calls).union(roots).max() ?? 0) + 1)
    var operations = [Step.Operation(.openPath(path: "/", slot: base))]
    operations += top.dropFirst().map { Step.Operation(.openPath(path: "/", slot: $0)) }
    operations += beneath.map { slot, path in
      Step.Operation(.resolve(root: base, path: path, create: nil, slot: slot, lookup: .inRoot))
    }
    return operations
  }

  /// What each slot stands for (see ``slotPaths``), from the calls of a whole plan in order.
  static func slotPaths(_ calls: [Syscall]) -> [Int: String] {
    var paths: [Int: String] = [:]
    for call in calls {
      if case .resolve(let root, let path, _, let slot, _) = call {
        paths[slot] = joined(paths[root] ?? "/", path)
      }
      if case .fsmount(_, _, let slot, let path) = call { paths[slot] = path }
      if case .openTree(_, _, _, let slot, let target) = call { paths[slot] = target }
    }
    return paths
  }

  /// `path` (absolute, or relative) beneath the sandbox folder `base`.
  static func joined(_ base: String, _ path: String) -> String {
    let rest = path.split(separator: "/").joined(separator: "/")
    guard !rest.isEmpty else { return base }
    return (base.hasSuffix("/") ? base : base + "/") + rest
  }

  /// The fd slots calls name as `fd[N]` in their descriptions: what a step uses, whoever opened it.
  static func slots(in calls: [Syscall]) -> Set<Int> {
    var slots = Set<Int>()
    for call in calls {
      var rest = Substring(call.description)
      while let range = rest.firstRange(of: "fd[") {
        rest = rest[range.upperBound...]
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        if let slot = Int(digits), rest.dropFirst(digits.count).first == "]" { slots.insert(slot) }
      }
    }
    return slots
  }

  /// The slots lookups start from: the root `run` opened (the host's `/` or a root folder), which is the joined
  /// mount namespace's `/` in a live sandbox.
  static func rootSlots(_ calls: [Syscall]) -> Set<Int> {
    var roots = Set<Int>()
    for call in calls {
      if case .resolve(let root, _, _, _, _) = call { roots.insert(root) }
      if case .makeDirectory(let root, _, _, _) = call { roots.insert(root) }
      if case .createFile(let root, _, _, _, _) = call { roots.insert(root) }
      if case .symlink(let root, _, _, _) = call { roots.insert(root) }
    }
    return roots
  }

  /// Whether `call` copies a host tree or sets up that detached copy (`detached`: a bind's slot): made before
  /// joining, since open_tree(2) clones only mounts of the caller's own mount namespace (EINVAL otherwise).
  static func copiesHostTree(_ call: Syscall, detached: Int?) -> Bool {
    if case .openTree = call { return true }
    if case .setattrAt(let slot, _, _, _, _) = call, slot == detached { return true }
    if case .restoreWritable(let slot, _, _) = call, slot == detached { return true }
    return false
  }

  /// The slot a host-opening call fills.
  static func opened(_ call: Syscall) -> Int? {
    if case .openPath(_, let slot) = call { return slot }
    if case .openNoSymlinks(_, let slot, _) = call { return slot }
    if case .openDirectoryNoSymlinks(_, let slot) = call { return slot }
    return nil
  }
}
