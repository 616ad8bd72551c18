/// Marks the spec's new plan against a live sandbox (`plan SPEC --target NAME`). Pure: it reads its arguments only.
///
/// The new plan's steps are matched with the applied plan's (``SandboxRecord/plan``) by kind and subject, as
/// ``PlanDiff`` matches them. A step the spec did not change is `=`, unless the sandbox drifted from it (``Drift``)
/// and it can be brought back in place. A changed, added or removed step is marked by what the kernel allows in a
/// running sandbox (``Category``): names, lo, mounts, files, resource limits and `/`'s propagation change in place;
/// the namespace set, ID maps, setgroups, clock offsets and the root replace the sandbox; a mount's new source or
/// type replaces that mount; `[process]` settings replace the main command.
public struct TargetPlanner: Sendable {
  public let record: SandboxRecord
  public let live: LiveSandbox

  public init(record: SandboxRecord, live: LiveSandbox) {
    self.record = record
    self.live = live
  }

  /// - Throws: ``TargetPlanError/notRunning(_:pid:)`` when the sandbox's init is gone.
  public func plan(_ new: Plan) throws(TargetPlanError) -> TargetPlan {
    guard live.isAlive else { throw .notRunning(record.name.rawValue, pid: record.initProcess.pid) }
    // Pid and start time name the process; its namespaces must still be the ones recorded (`up` keeps them).
    for (namespace, id) in record.namespaceIDs.sorted(by: { $0.key < $1.key }) {
      if let now = live.namespaceIDs[namespace], now != id {
        throw .otherNamespaces(record.name.rawValue, namespace: namespace, recorded: id, live: now)
      }
    }
    let old = record.plan.steps
    // A name an apply set and then stopped (nsbuild killed) before recording it is the spec's, not drift.
    let drift = DriftReport.compare(record.plan, live).filter { item in
      !new.steps.contains { $0.kind == item.kind && $0.subject == item.subject && alreadyStands($0) }
    }
    let steps = InPlaceSteps(target: record.initProcess, unshared: record.plan.unsharedNamespaces, plan: new)
    let undoing = InPlaceSteps(target: record.initProcess, unshared: record.plan.unsharedNamespaces, plan: record.plan)
    let pairs = PlanDiff.Alignment.align(old.map(PlanDiff.key), new.steps.map(PlanDiff.key))
    let entries = pairs.map { pair -> TargetPlan.Entry in
      var entry: TargetPlan.Entry
      switch pair {
      case .matched(let before, let after):
        entry = matched(old[before], new.steps[after], drift: drift, steps)
        entry.undo = undo(entry, old: old[before], new: new.steps[after], steps, undoing)
      case .added(let index):
        entry = added(new.steps[index], steps)
        entry.undo = undo(entry, old: nil, new: new.steps[index], steps, undoing)
      case .removed(let index):
        entry = removed(old[index], steps)
        entry.undo = undo(entry, old: old[index], new: nil, steps, undoing)
      }
      entry.step.change = change(of: entry)
      return mainCommandNoted(entry)
    }
    return TargetPlan(
      name: record.name, target: record.initProcess, entries: entries, drift: drift, unread: live.unread)
  }

  /// A `[process]` change with a main command running: the entry says how `apply` replaces that process. The `exec`
  /// step is marked so too while the record says an earlier nsbuild's apply left the main command on settings it
  /// was not started with.
  private func mainCommandNoted(_ entry: TargetPlan.Entry) -> TargetPlan.Entry {
    guard record.hasMainCommand, !entry.isSetup else { return entry }
    var entry = entry
    if entry.step.kind == .exec, entry.action == .unchanged, record.mainCommandOutdated == true {
      entry.action = .replace(Replacement(.process))
      entry.step.change = .modify(before: "started with earlier [process] settings", after: "as the spec says")
    }
    guard entry.action == .replace(Replacement(.process)) else { return entry }
    entry.note = Self.mainCommandReplaced
    return entry
  }

  /// Whether the sandbox already stands as `step` makes it, where what the step makes is read whole: its host or
  /// domain name. An apply that was killed after such a step, before it wrote the record, left it so.
  private func alreadyStands(_ step: Step) -> Bool {
    if case .sethostname(let name)? = step.calls.first { return live.hostname == name }
    if case .setdomainname(let name)? = step.calls.first { return live.domainname == name }
    return false
  }

  /// The note of a step the sandbox already stands as, though the record says otherwise.
  static let standsUnrecorded =
    "already so in the sandbox, though not recorded: an apply took this step and stopped before writing the record"

  /// What `apply` does about a main command whose `[process]` settings changed.
  public static let mainCommandReplaced =
    "a running process's args, env, ids and capabilities cannot be changed from outside (execve(2) sets them): "
    + "apply ends the main command (SIGTERM, then SIGKILL after 10 s, through a pidfd), its keeper told first that "
    + "this end is not the sandbox's, and starts the new one in the live sandbox as `nsbuild exec` does; init and "
    + "every other process stay (the next `nsbuild exec` uses the new settings too)"

  private func matched(_ old: Step, _ new: Step, drift: [Drift], _ steps: InPlaceSteps) -> TargetPlan.Entry {
    let category = Category(new.kind)
    if case .setup = category { return setup(new, changed: PlanDiff.content(old) != PlanDiff.content(new)) }
    guard PlanDiff.content(old) == PlanDiff.content(new) else {
      guard alreadyStands(new) else { return changed(old, new, category, steps) }
      return TargetPlan.Entry(step: new, action: .unchanged, note: Self.standsUnrecorded)
    }
    guard case .inPlace = category,
      let found = drift.first(where: { $0.kind == new.kind && $0.subject == new.subject && $0.restorable })
    else { return TargetPlan.Entry(step: new, action: .unchanged) }
    // Drift the spec did not ask for: brought back in place, as the applied plan made it.
    if new.kind == .mount {
      if found.live == "absent" {
        return TargetPlan.Entry(step: new, action: .add, apply: [steps.add(new)], restores: found)
      }
      return replacedMount(old, new, .mountSource, steps, restores: found)
    }
    return TargetPlan.Entry(
      step: new, action: .inPlace, apply: inPlace(new, steps, replacing: found.live != "absent"), restores: found)
  }

  /// The step's ``Change`` against the live sandbox rather than the host `plan` observed: the sandbox's own
  /// hostname and domain name where they were read, else what the applied plan made.
  private func change(of entry: TargetPlan.Entry) -> Change {
    var (wanted, now): (String?, String?) = (nil, nil)
    if case .sethostname(let name)? = entry.step.calls.first { (wanted, now) = (name, live.hostname) }
    if case .setdomainname(let name)? = entry.step.calls.first { (wanted, now) = (name, live.domainname) }
    switch entry.action {
    case .unchanged: return .unchanged(value: now ?? wanted ?? "as applied")
    case .add: return .create
    case .inPlace, .replace: return .modify(before: now ?? "as applied", after: wanted ?? "as the spec says")
    case .remove: return .modify(before: now ?? "as applied", after: "absent")
    }
  }

  private func changed(_ old: Step, _ new: Step, _ category: Category, _ steps: InPlaceSteps) -> TargetPlan.Entry {
    switch category {
    case .inPlace:
      guard new.kind == .mount else {
        return TargetPlan.Entry(step: new, action: .inPlace, apply: inPlace(new, steps, replacing: true))
      }
      if let change = steps.change(old, to: new) {
        return TargetPlan.Entry(step: new, action: .inPlace, apply: [change])
      }
      let cause: Replacement.Cause = MountShape(old).isSameMount(as: MountShape(new)) ? .mountRemade : .mountSource
      return replacedMount(old, new, cause, steps, restores: nil)
    case .replaces(let cause): return TargetPlan.Entry(step: new, action: .replace(Replacement(cause)))
    case .setup: return setup(new, changed: true)
    }
  }

  private func added(_ new: Step, _ steps: InPlaceSteps) -> TargetPlan.Entry {
    switch Category(new.kind) {
    case .inPlace:
      if let path = unrecordedMount(new) {
        // Attached again rather than stacked: one mount on the path, as `up` would have made it.
        return TargetPlan.Entry(
          step: new, action: .add, apply: [steps.remove(path, origin: new.origin), steps.add(new)],
          note: Self.unrecordedMountNote)
      }
      return TargetPlan.Entry(step: new, action: .add, apply: inPlace(new, steps))
    case .replaces(let cause): return TargetPlan.Entry(step: new, action: .replace(Replacement(cause)))
    case .setup: return setup(new, changed: true)
    }
  }

  /// The path of a mount the spec adds where the sandbox already has a mount of that type the applied plan did not
  /// make: most likely the one an apply attached before it was killed, before it wrote the record.
  private func unrecordedMount(_ step: Step) -> String? {
    guard step.kind == .mount, case .mountTarget(let path) = step.subject, let type = MountShape(step).fstype,
      live.mount(at: path)?.fstype == type
    else { return nil }
    return path
  }

  static let unrecordedMountNote =
    "a mount of this type already stands here that the record does not have (an apply killed before writing the "
    + "record?): it is taken off (umount2 MNT_DETACH) and the spec's attached, so one mount stands on the path"

  private func removed(_ old: Step, _ steps: InPlaceSteps) -> TargetPlan.Entry {
    switch Category(old.kind) {
    case .inPlace:
      guard old.kind == .mount, case .mountTarget(let path) = old.subject else {
        return TargetPlan.Entry(step: old, action: .remove, note: Self.leftAsIs(old.kind))
      }
      return TargetPlan.Entry(step: old, action: .remove, apply: [steps.remove(path, origin: old.origin)])
    case .replaces(let cause): return TargetPlan.Entry(step: old, action: .replace(Replacement(cause)))
    case .setup: return setup(old, changed: true)
    }
  }

  private func replacedMount(
    _ old: Step, _ new: Step, _ cause: Replacement.Cause, _ steps: InPlaceSteps, restores: Drift?
  ) -> TargetPlan.Entry {
    guard case .mountTarget(let path) = new.subject else { return TargetPlan.Entry(step: new, action: .unchanged) }
    return TargetPlan.Entry(
      step: new, action: .replace(Replacement(cause)),
      apply: [steps.remove(path, origin: old.origin), steps.add(new)], restores: restores)
  }

  private func setup(_ step: Step, changed: Bool) -> TargetPlan.Entry {
    TargetPlan.Entry(
      step: step, action: .unchanged,
      note: changed ? "set up once by `up`; each in-place step opens or makes what it uses itself" : nil,
      isSetup: true)
  }

  /// `replacing`: a `[[files]]` file stands there and is made anew.
  private func inPlace(_ step: Step, _ steps: InPlaceSteps, replacing: Bool = false) -> [Step] {
    switch step.kind {
    case .hostname, .domainname: [steps.names(step)]
    case .loopback: [steps.loopback(step)]
    case .mount: [steps.add(step)]
    case .file: [steps.file(step, replacing: replacing)]
    case .rlimits: [steps.limits(step)]
    case .propagation: [steps.propagation(step)]
    case .spawn, .unshare, .setgroups, .uidMap, .gidMap, .timeOffsets, .fork, .sources, .root, .protect, .pivotRoot,
      .readonlyRoot, .closeFDs, .scrubEnvironment, .spawnCommand, .session, .boundingSet, .credentials,
      .capabilities, .noNewPrivs, .namespaceRoot, .umask, .cwd, .exec, .foreground, .unmount, .join, .detach, .hold,
      .outlive:
      []
    }
  }

  /// What stays when the spec drops an in-place item that has nothing to take back.
  private static func leftAsIs(_ kind: Step.Kind) -> String {
    switch kind {
    case .hostname, .domainname: "the name stays as it is: the UTS namespace has no other to go back to"
    case .file: "the file stays in the sandbox: apply removes only mounts"
    case .loopback: "lo stays up"
    case .rlimits: "init keeps its limits; the next `exec` gets the inherited ones"
    case .propagation: "the mounts keep their propagation"
    case .spawn, .unshare, .setgroups, .uidMap, .gidMap, .timeOffsets, .fork, .sources, .root, .mount, .protect,
      .pivotRoot, .readonlyRoot, .closeFDs, .scrubEnvironment, .spawnCommand, .session, .boundingSet, .credentials,
      .capabilities, .noNewPrivs, .namespaceRoot, .umask, .cwd, .exec, .foreground, .unmount, .join, .detach, .hold,
      .outlive:
      "nothing to take back"
    }
  }

  /// What the kernel allows for a step's kind in a running sandbox.
  enum Category {
    /// Changed, added or removed in the running sandbox.
    case inPlace
    /// Only something made anew changes it.
    case replaces(Replacement.Cause)
    /// Done once at `up` (forks, host paths opened, protections of a mount); the in-place steps do what they need.
    case setup

    init(_ kind: Step.Kind) {
      switch kind {
      case .hostname, .domainname, .loopback, .mount, .file, .rlimits, .propagation: self = .inPlace
      case .unshare: self = .replaces(.namespaceSet)
      case .setgroups: self = .replaces(.setgroups)
      case .uidMap, .gidMap, .namespaceRoot: self = .replaces(.idMap)
      case .timeOffsets: self = .replaces(.clockOffsets)
      case .root, .pivotRoot, .readonlyRoot: self = .replaces(.root)
      case .session, .boundingSet, .credentials, .capabilities, .noNewPrivs, .umask, .cwd, .exec:
        self = .replaces(.process)
      // Joining other sandboxes' namespaces sets the namespaces as unshare(2) does: another set is another sandbox.
      case .join: self = .replaces(.namespaceSet)
      // `up`'s detach, hold and outlive steps are the holder's, taken once.
      case .spawn, .fork, .sources, .protect, .closeFDs, .scrubEnvironment, .spawnCommand, .foreground, .unmount,
        .detach, .hold, .outlive:
        self = .setup
      }
    }
  }
}

/// Why no target plan could be made.
public enum TargetPlanError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The sandbox's init (pid with its start time) no longer runs.
  case notRunning(String, pid: Int32)
  /// The init's namespace `namespace` is no longer the one the record names.
  case otherNamespaces(String, namespace: String, recorded: String, live: String)

  public var description: String {
    switch self {
    case .notRunning(let name, let pid):
      "sandbox '\(name)' is not running: its init (pid \(pid)) is gone; `nsbuild down \(name)` cleans it up"
    case .otherNamespaces(let name, let namespace, let recorded, let live):
      "sandbox '\(name)': its init's \(namespace) namespace is \(live), not \(recorded) as recorded; it is not planned against"
    }
  }
}

extension TargetPlanner {
  /// Marks `plan` against the sandbox `record` describes, read through `reader` now (`apply` calls it holding the
  /// sandbox's lock, with the record it read under it): the same marking `plan --target` prints.
  ///
  /// - Throws: ``TargetPlanError/notRunning(_:pid:)`` when its init is gone,
  ///   ``TargetPlanError/otherNamespaces(_:namespace:recorded:live:)`` when it holds other namespaces.
  public static func plan<Reader: SystemReader>(
    _ plan: Plan, record: SandboxRecord, reader: Reader
  ) throws(TargetPlanError) -> TargetPlan {
    let files = Array(Set(record.plan.filePaths + plan.filePaths)).sorted()
    let live = LiveObserver(reader: reader).observe(record, files: files)
    return try TargetPlanner(record: record, live: live).plan(plan)
  }
}
