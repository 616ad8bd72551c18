import SpecParser

/// The steps that take back each in-place step of a target plan (``TargetPlan/Entry/undo``), made as plan data from
/// what stands before `apply`: the sandbox's own hostname and files and init's limits as ``LiveSandbox`` read them,
/// for a mount changed where it stands the applied plan's step (``SandboxRecord/plan``), and for a mount taken off
/// the copy of it nsbuild keeps (``Syscall/keepMount(slot:path:)``). A failed `apply` takes them, newest first, so
/// the sandbox is left as it was.
extension TargetPlanner {
  /// One list of undo steps per step of `entry.apply`, at the same index. `steps` makes steps from the new plan,
  /// `undoing` from the applied one (whose fd slots an old mount's calls name).
  func undo(_ entry: TargetPlan.Entry, old: Step?, new: Step?, _ steps: InPlaceSteps, _ undoing: InPlaceSteps)
    -> [[Step]]
  {
    entry.apply.map { taken in
      switch taken.kind {
      case .hostname: return names(taken, now: live.hostname, old: old)
      case .domainname: return names(taken, now: live.domainname, old: old)
      case .mount:
        guard case .mountTarget(let path) = taken.subject else { return [] }
        if taken.calls.contains(where: Self.attaches) { return [steps.remove(path, origin: taken.origin)] }
        // Drift brought back where it stands (flags, size, propagation changed by hand): set back as it stood.
        if entry.restores != nil, let mount = live.mount(at: path) {
          return steps.backToStanding(new ?? taken, standing: mount).map { [$0] } ?? []
        }
        // Changed where it stands: changed back, from the new shape to the old.
        guard let old, let new, let back = undoing.change(new, to: old) else { return [] }
        return [back]
      case .unmount:
        // The copy nsbuild kept of it attached again: what stood there, files, flags and mounts beneath included
        // (drift too: a mount made by hand, or one of another type).
        guard case .mountTarget(let path) = taken.subject else { return [] }
        return [steps.restoreKept(path, origin: taken.origin)]
      // A file removed is written back from the applied plan's step.
      case .file: return new == nil ? file(taken, new: old, undoing) : file(taken, new: new, steps)
      case .loopback:
        // lo set back as it stood: down again when this apply brought it up, up again when it took it down.
        if taken.calls.contains(.loopbackDown) { return [steps.loopback(Self.loUp(taken))] }
        guard live.loopbackUp == false else { return [] }
        var down = steps.loopbackDown(taken)
        down.label = "bring lo down again"
        return [down]
      case .rlimits: return limits(taken)
      case .propagation:
        guard let old else { return [] }
        return [undoing.propagation(old)]
      case .spawn, .unshare, .setgroups, .uidMap, .gidMap, .timeOffsets, .fork, .sources, .root,
        .protect, .pivotRoot, .readonlyRoot, .closeFDs, .scrubEnvironment, .spawnCommand, .session, .boundingSet,
        .credentials, .capabilities, .noNewPrivs, .namespaceRoot, .umask, .cwd, .exec, .foreground, .terminal, .relay,
        .join, .detach,
        .hold, .outlive, .endCommand, .checkProgram, .veth, .bridge, .pasta, .deleteLink:
        return []
      }
    }
  }

  /// Whether `call` removes a file.
  static func removes(_ call: Syscall) -> Bool {
    if case .removeFile = call { return true }
    return false
  }

  /// Whether `call` attaches a mount to the sandbox's tree (move_mount(2)).
  static func attaches(_ call: Syscall) -> Bool {
    if case .moveMount = call { return true }
    return false
  }

  /// The name set back to the one the sandbox had (read from it; else the applied plan's).
  private func names(_ taken: Step, now: String?, old: Step?) -> [Step] {
    var previous = now
    if previous == nil, let old {
      for call in old.calls {
        if case .sethostname(let name) = call, taken.kind == .hostname { previous = name }
        if case .setdomainname(let name) = call, taken.kind == .domainname { previous = name }
      }
    }
    guard let previous else { return [] }
    var back = taken
    back.operations = taken.operations.map { operation in
      if case .sethostname = operation.call {
        return Step.Operation(.sethostname(name: previous), origin: operation.origin)
      }
      if case .setdomainname = operation.call {
        return Step.Operation(.setdomainname(name: previous), origin: operation.origin)
      }
      return operation
    }
    back.label = "set \(taken.kind == .hostname ? "hostname" : "domainname") back to \(previous)"
    return [back]
  }

  /// The step that brings `lo` up, in place of `taken`'s calls.
  private static func loUp(_ taken: Step) -> Step {
    var up = taken
    up.operations = [Step.Operation(.loopbackUp, origin: taken.origin)]
    up.label = "bring lo up again"
    return up
  }

  /// A file that stood there is written back with the contents read before; one this apply made (nothing stood
  /// there) is removed; one whose contents are not UTF-8 text, which a spec's file never is, stays.
  private func file(_ taken: Step, new: Step?, _ steps: InPlaceSteps) -> [Step] {
    guard let new, case .file(let path) = new.subject else { return [] }
    if live.files[path] == .missing, !taken.calls.contains(where: Self.removes), let remove = steps.removeFile(new) {
      var back = remove
      back.label = "remove \(path) again"
      return [back]
    }
    guard case .file(let contents)? = live.files[path], let text = String(validating: contents, as: UTF8.self)
    else { return [] }
    var before = new
    before.operations = new.operations.map { operation in
      guard case .createFile(let root, let path, _, let mode, let lookup) = operation.call else { return operation }
      return Step.Operation(
        .createFile(root: root, path: path, contents: text, mode: mode, lookup: lookup), origin: operation.origin)
    }
    var back = steps.file(before, replacing: true)
    back.label = "write \(path) back as it was"
    return [back]
  }

  /// The limits of each process set back to those read from its `/proc/PID/limits` before (the main command's
  /// drift included).
  private func limits(_ taken: Step) -> [Step] {
    var back = taken
    back.operations = taken.operations.compactMap { operation in
      guard case .prlimit(let target, let limit) = operation.call else { return nil }
      let before = target == record.initProcess ? live.limits : (live.commandLimits ?? [:])
      guard let previous = before[limit.resource] else { return nil }
      return Step.Operation(.prlimit(target: target, limit: previous), origin: operation.origin)
    }
    back.label = (taken.label ?? "set the resource limits") + " back"
    return back.operations.isEmpty ? [] : [back]
  }
}
