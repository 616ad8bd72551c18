import SpecParser

/// The steps `apply` takes to change a live sandbox in place, made from the new plan's steps: each is taken by a
/// ``Step/Actor/joiner`` that joins the target's namespaces as `exec` does (``Syscall/openNamespace(namespace:file:slot:)``
/// of its init's `/proc/PID/ns/TYPE`, then ``Syscall/setns(slot:namespaces:)``)
/// and then makes the same calls `run` makes, on the sandbox as it stands (its root is the joined mount namespace's);
/// resource limits are set from outside with prlimit(2). Each step is taken by its own joiner: fd slots are its own.
struct InPlaceSteps {
  let target: ProcessIdentity
  /// The sandbox's main command, running (checked by its start time when its limits were read), whose resource
  /// limits `[process] rlimits` set; nil without one.
  var mainCommand: ProcessIdentity?
  /// The namespaces the sandbox unshared.
  let unshared: [Namespace]
  /// The new plan's host-opening step (bind sources, device nodes) and protect steps, by mount target.
  let sources: Step?
  let protects: [String: Step]
  /// What each fd slot of the new plan stands for inside the sandbox: a path looked up (`.resolve`), or the root of
  /// the mount made for a target (fsmount(2), open_tree(2)). A slot not listed is the sandbox's `/`.
  let slotPaths: [Int: String]
  /// The sandbox paths as ``LiveSandbox/paths`` resolved them beneath its root: a step reaches a path from the
  /// sandbox's `/` by the resolved one (the symlinks `run`'s rule follows replaced), following no symlink
  /// (RESOLVE_NO_SYMLINKS), so a symlink the sandbox puts on the way (now or after `plan`) is refused (ELOOP),
  /// never followed to a host file.
  var resolved: [String: ResolvedHostPath] = [:]
  /// ``LiveSandbox/missingFrom``: where the folders an in-place step makes on the way to a path begin.
  var missingFrom: [String: String] = [:]

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

  /// `lo` taken down in the sandbox's network namespace, as a fresh one has it: the spec no longer brings it up, or
  /// a failed apply takes back bringing it up.
  func loopbackDown(_ step: Step) -> Step {
    let down = Step.Operation(.loopbackDown, origin: step.origin)
    return Step(
      kind: .loopback, actor: .joiner, subject: step.subject,
      operations: join([.net], besides: [down.call]) + [down], change: .create, origin: step.origin,
      label: "bring lo down")
  }

  /// The `[[files]]` file `step` wrote, removed beneath the sandbox's root (unlinkat(2)); nil when `step` writes
  /// no file.
  func removeFile(_ step: Step) -> Step? {
    guard case .file(let path) = step.subject else { return nil }
    for case .createFile(let root, let relative, _, _, let lookup) in step.calls {
      let remove = Step.Operation(
        .removeFile(root: root, path: onHostTree(relative, root: root, lookup: lookup), lookup: lookup),
        origin: step.origin)
      let opens = reopen([root], besides: [remove.call])
      return Step(
        kind: .file, actor: .joiner, subject: step.subject,
        operations: join([.mount], besides: (opens + [remove]).map(\.call)) + opens + [remove], change: .create,
        origin: step.origin, label: "remove \(path)")
    }
    return nil
  }

  /// The folders a step made on the way to `path` (from ``missingFrom`` on, `path` included) removed again, deepest
  /// first, each only while empty (unlinkat(2) AT_REMOVEDIR), as a failed `up` takes back the folders it made; nil
  /// when the whole path stood before `apply`.
  func removeMadeFolders(_ path: String, origin: SourceRange?) -> Step? {
    guard let first = missingFrom[path] else { return nil }
    var folders: [String] = []
    var at: String? = inSandbox(path)
    while let folder = at, AbsolutePath.isWithin(folder, first) {
      folders.append(folder)
      at = AbsolutePath.parent(of: folder)
    }
    guard !folders.isEmpty else { return nil }
    let calls =
      [Syscall.openPath(path: "/", slot: 0)]
      + folders.map { Syscall.removeFolder(root: 0, path: $0, lookup: .noSymlinks) }
    return Step(
      kind: .file, actor: .joiner, subject: .file(path: path),
      operations: join([.mount], besides: calls) + calls.map { Step.Operation($0) }, change: .create,
      origin: origin, label: "remove the folders made on the way to \(path) (\(first) on), if empty")
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
      guard replacing, case .createFile(let root, let path, let contents, let mode, let lookup) = operation.call else {
        return operation
      }
      return Step.Operation(
        .replaceFile(
          root: root, path: onHostTree(path, root: root, lookup: lookup), contents: contents, mode: mode,
          lookup: lookup),
        origin: operation.origin)
    }
    return Step(
      kind: .file, actor: .joiner, subject: step.subject,
      operations: join([.mount], besides: (opens + operations).map(\.call)) + opens + operations, change: .create,
      origin: step.origin,
      label: step.title)
  }

  /// prlimit(2) of each limit, from outside, on the sandbox's main command (the process `up` set them on) when it
  /// has one, and on its init, whose limits the processes it forks inherit (`exec` sets the spec's on its command).
  func limits(_ step: Step) -> Step {
    let processes = (mainCommand.map { [$0] } ?? []) + [target]
    let operations = processes.flatMap { process in
      step.operations.compactMap { operation -> Step.Operation? in
        guard case .setrlimit(let limit) = operation.call else { return nil }
        return Step.Operation(.prlimit(target: process, limit: limit), origin: operation.origin)
      }
    }
    return Step(
      kind: .rlimits, actor: .parent, subject: step.subject, operations: operations, change: .create,
      reason: mainCommand == nil
        ? "init's limits, which the processes it forks inherit; `exec` sets the spec's on its command"
        : "the main command's limits, which `up` set, and init's, which the processes it forks inherit",
      origin: step.origin,
      label: mainCommand == nil ? "set init's resource limits" : "set the main command's and init's resource limits")
  }

  func joined(_ step: Step, kind: Step.Kind, joining: [Namespace], calls: [Syscall]) -> Step {
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
      Step.Operation(.resolve(root: base, path: inSandbox(path), create: nil, slot: slot, lookup: .noSymlinks))
    }
    return operations
  }

  /// The lookup of the sandbox path `path` from its `/` (slot `root`), as ``resolved`` says it (see there).
  func lookUp(_ path: String, root: Int, slot: Int) -> Syscall {
    .resolve(root: root, path: inSandbox(path), create: nil, slot: slot, lookup: .noSymlinks)
  }

  /// A `[[files]]` path looked up from the sandbox's `/` through no symlink (the host's tree): its folder as
  /// ``resolved`` has it in the sandbox; beneath a mount's root, `path` as it is.
  func onHostTree(_ path: String, root: Int, lookup: PathLookup) -> String {
    guard lookup == .noSymlinks, slotPaths[root] == nil, let name = path.split(separator: "/").last else {
      return path
    }
    let folder = inSandbox(AbsolutePath.parent(of: path) ?? "/")
    return (folder == "/" ? "" : folder) + "/" + name
  }

  /// `path` with the symlinks on its way that `run`'s rule follows replaced (``resolved``); as written when it was
  /// not resolved, or when a link on it is not followed (a step that meets one fails: ELOOP).
  func inSandbox(_ path: String) -> String {
    guard let place = resolved[path], place.untrusted == nil, place.dangling == nil else { return path }
    return place.path
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

  /// The slots `calls` fill with a lookup or a mount of their own (openat2(2), fsmount(2), open_tree(2)).
  static func filled(_ calls: [Syscall]) -> Set<Int> {
    var slots = Set<Int>()
    for call in calls {
      if case .resolve(_, _, _, let slot, _) = call { slots.insert(slot) }
      if case .fsmount(_, _, let slot, _) = call { slots.insert(slot) }
      if case .openTree(_, _, _, let slot, _) = call { slots.insert(slot) }
    }
    return slots
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
