import SpecParser

/// Marks the spec's new plan against a live sandbox (`plan SPEC --target NAME`). Pure: it reads its arguments only.
///
/// The new plan's steps are matched with the applied plan's (``SandboxRecord/plan``) by kind and subject, as
/// ``PlanDiff`` matches them. A step the spec did not change is `=`, unless the sandbox drifted from it (``Drift``)
/// and it can be brought back in place; drift only a replacement brings back (pasta ended, ID maps) marks it `-/+`
/// as a change of it would. A changed, added or removed step is marked by what the kernel allows in a
/// running sandbox (``Category``): names, lo, mounts, files, resource limits, `/`'s propagation and veths (see
/// ``networkEntries(_:old:new:_:_:_:)``; a renamed veth replaces that pair) change in place;
/// the namespace set, ID maps, setgroups, clock offsets and the root replace the sandbox; a mount's new source or
/// type replaces that mount; `[process]` settings replace the main command.
public struct TargetPlanner: Sendable {
  public let record: SandboxRecord
  public let live: LiveSandbox
  /// The processes that keep the sandbox's main command (see ``MainCommandSteps/Keeper``), and the chain that starts
  /// the spec's anew: with them a `[process]` change gets the steps of ``TargetPlan/mainCommand``.
  public let keepers: [MainCommandSteps.Keeper]
  public let chain: Plan?
  /// Without a main command: the `[process]` steps of the next `exec`, as last applied and now; each that differs
  /// is a `~` entry for the next `exec` only (``nextExecNote``).
  public let nextExec: NextExecSteps?
  /// By mount target: why the host paths the mount opens on the host (a bind's source, an overlay's lower folders)
  /// are refused, a symlink another user could change on their way (``HostPathResolver``), as `plan` warns: an
  /// in-place step of that mount is marked `!` (see ``refusingLinks(_:)``).
  public var refusedSources: [String: String] = [:]

  public init(
    record: SandboxRecord, live: LiveSandbox, keepers: [MainCommandSteps.Keeper] = [], chain: Plan? = nil,
    nextExec: NextExecSteps? = nil
  ) {
    self.record = record
    self.live = live
    self.keepers = keepers
    self.chain = chain
    self.nextExec = nextExec
  }

  /// - Throws: ``TargetPlanError/notRunning(_:pid:)`` when the sandbox's init is gone,
  ///   ``TargetPlanError/joinTargetNotRunning(_:target:)`` when a sandbox the spec joins is not running.
  public func plan(_ new: Plan) throws(TargetPlanError) -> TargetPlan {
    // `run`'s deletion of the host ends once its sandbox ended is no part of a live sandbox (`down` deletes them).
    var new = new
    new.steps.removeAll { $0.kind == .deleteLink }
    guard live.isAlive else { throw .notRunning(record.name.rawValue, pid: record.initProcess.pid) }
    // Pid and start time name the process; its namespaces must still be the ones recorded (`up` keeps them).
    for (namespace, id) in record.namespaceIDs.sorted(by: { $0.key < $1.key }) {
      if let now = live.namespaceIDs[namespace], now != id {
        throw .otherNamespaces(record.name.rawValue, namespace: namespace, recorded: id, live: now)
      }
    }
    // A joined sandbox `plan` could not find: its namespaces cannot be compared with the ones this sandbox joined.
    for step in new.steps where step.kind == .join {
      for case .openNamespace(_, .unresolvedSandbox(let target), _) in step.calls {
        throw .joinTargetNotRunning(record.name.rawValue, target: target)
      }
    }
    let old = record.plan.steps
    // A name an apply set and then stopped (nsbuild killed) before recording it is the spec's, not drift.
    let drift = DriftReport.compare(record.plan, live, baseline: record.mounts).filter { item in
      !new.steps.contains { step in
        step.kind == item.kind && step.subject == item.subject && (alreadyStands(step) || mountStands(step))
      }
    }
    var steps = InPlaceSteps(target: record.initProcess, unshared: record.plan.unsharedNamespaces, plan: new)
    steps.resolved = live.paths
    steps.missingFrom = live.missingFrom
    // The main command's limits were read: it runs, and its limits are set with init's.
    if live.commandLimits != nil { steps.mainCommand = record.mainCommand }
    var undoing = InPlaceSteps(target: record.initProcess, unshared: record.plan.unsharedNamespaces, plan: record.plan)
    undoing.resolved = live.paths
    let pairs = PlanDiff.Alignment.align(old.map(PlanDiff.key), new.steps.map(PlanDiff.key))
    let veths = VethPairing(old: VethShape.all(in: record.plan), new: VethShape.all(in: new))
    let entries = pairs.flatMap { pair -> [TargetPlan.Entry] in
      if let network = networkEntries(pair, old: old, new: new.steps, veths, steps, undoing) {
        return network.map { entry in
          var entry = entry
          entry.step.change = change(of: entry)
          return entry
        }
      }
      var entry: TargetPlan.Entry
      switch pair {
      case .matched(let before, let after):
        entry = matched(old[before], new.steps[after], drift: drift, steps)
        entry.undo = undo(entry, old: old[before], new: new.steps[after], steps, undoing)
      case .added(let index):
        entry = added(new.steps[index], steps)
        entry.undo = undo(entry, old: nil, new: new.steps[index], steps, undoing)
      case .removed(let index):
        // Its spec line is in the spec as it was applied, not in this one: never shown against this file.
        var gone = old[index]
        gone.origin = nil
        entry = removed(gone, steps, undoing)
        entry.undo = undo(entry, old: old[index], new: nil, steps, undoing)
        // Named by its line in the spec as it was applied (the record keeps that text): this file has none.
        if let line = old[index].origin?.start.line {
          entry.note = (["was at line \(line) of the spec as last applied"] + (entry.note.map { [$0] } ?? []))
            .joined(separator: "; ")
        }
      }
      entry.step.change = change(of: entry)
      return [mainCommandNoted(entry)]
    }.map(refusingLinks)
    let marked = blockingSelfJoins(entries)
    // Mounts made by hand are taken off first: one may cover a path the steps after it write beneath.
    let taken = handMade(drift, new, steps).map(refusingLinks)
    let last = (new.steps + taken.map(\.step)).map(\.id).max() ?? 0
    return TargetPlan(
      name: record.name, target: record.initProcess,
      entries: taken + marked + nextExecEntries(numberedFrom: last + 1), drift: drift, unread: live.unread,
      mainCommand: mainCommand(entries))
  }

  /// With the sandbox to be replaced, a join of its own init's namespaces (a spec joining the very sandbox it
  /// replaces) marked blocked: `--replace` ends that init first, and the join would then find nothing (ENOENT),
  /// with the sandbox already gone. Refused at plan time instead, as `run` refuses a join of a sandbox not running.
  private func blockingSelfJoins(_ entries: [TargetPlan.Entry]) -> [TargetPlan.Entry] {
    let replacing = entries.contains { entry in
      if case .replace(let replacement) = entry.action { return replacement.scope == .sandbox }
      return false
    }
    guard replacing else { return entries }
    let holder = record.initProcess
    return entries.map { entry in
      guard entry.step.kind == .join else { return entry }
      let joined = entry.step.calls.compactMap { call -> String? in
        guard case .openNamespace(let namespace, .process(holder.pid, holder.startTime), _) = call else { return nil }
        return namespace.procName
      }
      guard !joined.isEmpty else { return entry }
      var blocked = entry
      blocked.action = .blocked(
        reason: "the spec joins the \(joined.joined(separator: ", ")) namespace of sandbox '\(record.name)' itself, "
          + "which --replace would end before the join (join another sandbox, or unshare it)")
      blocked.apply = []
      blocked.undo = []
      return blocked
    }
  }

  /// A `-` entry for each mount made by hand beneath the plan's mounts (``DriftReport/handMadeMounts(_:_:)``) that
  /// the new plan does not mount either: taken off (umount2(2) MNT_DETACH), which cannot be undone.
  private func handMade(_ drift: [Drift], _ new: Plan, _ steps: InPlaceSteps) -> [TargetPlan.Entry] {
    // Numbered after the new plan's steps: ids name a step once in the JSON.
    var next = (new.steps.map(\.id).max() ?? 0) + 1
    let taken = drift.compactMap { item -> String? in
      guard item.kind == .mount, item.applied == "absent", case .mountTarget(let path) = item.subject,
        !new.steps.contains(where: { $0.kind == .mount && $0.subject == item.subject })
      else { return nil }
      return path
    }
    return drift.compactMap { item in
      guard item.kind == .mount, item.applied == "absent", case .mountTarget(let path) = item.subject,
        !new.steps.contains(where: { $0.kind == .mount && $0.subject == item.subject }),
        // One made by hand beneath another goes with it (MNT_DETACH takes the mounts beneath), and comes back with
        // it on a failure (the copy kept is recursive).
        !taken.contains(where: { $0 != path && AbsolutePath.isWithin(path, $0) })
      else { return nil }
      let remove = steps.remove(path, origin: nil)
      // The entry's own calls are the ones that take it off: no plan made it.
      defer { next += 1 }
      let step = Step(
        id: next, kind: .mount, actor: .joiner, subject: item.subject, operations: remove.operations,
        change: .modify(before: item.live, after: "absent"), label: "\(item.live) mounted on \(path) by hand")
      var entry = TargetPlan.Entry(
        step: step, action: .remove, apply: [remove], restores: item,
        note: "made by hand, not in the spec, which is the truth: apply takes it off with what is mounted beneath "
          + "it, its contents with it once apply succeeds (a failed apply attaches it again)")
      entry.undo = [[steps.restoreKept(path, origin: nil)]]
      return entry
    }
  }

  /// Whether the sandbox already stands as `step` makes it, where what the step makes is read whole: its host or
  /// domain name. An apply that was killed after such a step, before it wrote the record, left it so.
  private func alreadyStands(_ step: Step) -> Bool {
    if case .sethostname(let name)? = step.calls.first { return live.hostname == name }
    if case .setdomainname(let name)? = step.calls.first { return live.domainname == name }
    return false
  }

  /// Whether `step` sets a host or domain name the sandbox's could not be read of (``LiveSandbox/unread``).
  private func unread(_ step: Step) -> Bool {
    (step.kind == .hostname && live.hostname == nil) || (step.kind == .domainname && live.domainname == nil)
  }

  /// The note of a name step whose name could not be read from the sandbox.
  static let unreadName = "the sandbox's name could not be read (see `not read`): apply sets it again"

  /// Whether the mount `step` makes stands with its flags, size and propagation (``MountDrift``): a killed apply
  /// changed it so. Not drift then; the step is still planned, since its mode or owner are not read.
  private func mountStands(_ step: Step) -> Bool {
    guard step.kind == .mount, case .mountTarget(let path) = step.subject, let mount = live.mount(at: path) else {
      return false
    }
    let shape = MountShape(step)
    guard shape.fstype == "bind" || shape.fstype == mount.fstype else { return false }
    return MountDrift(shape: shape, mount: mount).described == nil
  }

  /// Whether the topmost mount on `path` was made by hand on top of the one `step` made, which stands right beneath
  /// it (its parent in mountinfo, on the same mount point) as the step makes it (``MountDrift``).
  private func coveredByHand(_ step: Step, at path: String) -> Bool {
    guard let mounts = live.mounts, let top = live.mount(at: path),
      let beneath = mounts.first(where: { $0.id == top.parentID && $0.mountPoint == path })
    else { return false }
    let shape = MountShape(step)
    guard shape.fstype == "bind" || shape.fstype == beneath.fstype else { return false }
    return MountDrift(shape: shape, mount: beneath).described == nil
  }

  static let coveredByHandNote =
    "a mount made by hand stands on top of the spec's, which is still there beneath it: apply takes off only the "
    + "one on top (umount2 MNT_DETACH), the spec's mount and its files stay"

  /// The note of an unchanged step whose drift only a replacement brings back.
  static let replacedForDrift =
    "the spec did not change this, but the sandbox drifted from it and cannot be brought back in place: "
    + "apply --replace downs the sandbox and ups it again"

  /// The note of a step the sandbox already stands as, though the record says otherwise.
  static let standsUnrecorded =
    "already so in the sandbox, though not recorded: an apply took this step and stopped before writing the record"

  /// What `apply` does about a main command whose `[process]` settings changed.
  public static let mainCommandReplaced =
    "a running process's args, env, ids and capabilities cannot be changed from outside (execve(2) sets them): "
    + "apply ends the main command, its keeper told first that this end is not the sandbox's, and starts the new "
    + "one in the live sandbox as `nsbuild exec` does, by a keeper that stays (the steps under `main command "
    + "replaced`); init and every other process stay (the next `nsbuild exec` uses the new settings too)"

  private func matched(_ old: Step, _ new: Step, drift: [Drift], _ steps: InPlaceSteps) -> TargetPlan.Entry {
    let category = Category(new.kind)
    if case .setup = category { return setup(new, changed: PlanDiff.content(old) != PlanDiff.content(new)) }
    guard PlanDiff.content(old) == PlanDiff.content(new) else {
      guard alreadyStands(new) else { return changed(old, new, category, steps) }
      return TargetPlan.Entry(step: new, action: .unchanged, note: Self.standsUnrecorded)
    }
    // A name that could not be read is not claimed to be the spec's: apply sets it again.
    if unread(new) {
      return TargetPlan.Entry(step: new, action: .inPlace, apply: inPlace(new, steps), note: Self.unreadName)
    }
    // Drift only something made anew brings back (pasta ended by hand): that replacement, as a changed step has.
    if case .replaces(let cause) = category,
      let found = drift.first(where: { $0.kind == new.kind && $0.subject == new.subject && !$0.restorable })
    {
      return TargetPlan.Entry(
        step: new, action: .replace(Replacement(cause)), restores: found, note: Self.replacedForDrift)
    }
    guard case .inPlace = category,
      let found = drift.first(where: { $0.kind == new.kind && $0.subject == new.subject && $0.restorable })
    else { return TargetPlan.Entry(step: new, action: .unchanged) }
    // Drift the spec did not ask for: brought back in place, as the applied plan made it.
    if new.kind == .mount {
      if found.live == "absent" {
        return TargetPlan.Entry(step: new, action: .add, apply: [steps.add(new)], restores: found)
      }
      // Flags, size or propagation changed by hand: set back where it stands, its contents kept.
      if case .mountTarget(let path) = new.subject, let mount = live.mount(at: path),
        let back = steps.restore(new, standing: mount)
      {
        return TargetPlan.Entry(step: new, action: .inPlace, apply: [back], restores: found)
      }
      // A mount made by hand on top of the applied one, which still stands beneath it: only that one is taken off.
      if case .mountTarget(let path) = new.subject, coveredByHand(new, at: path) {
        return TargetPlan.Entry(
          step: new, action: .inPlace, apply: [steps.remove(path, origin: new.origin)], restores: found,
          note: Self.coveredByHandNote)
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
    case .inPlace where entry.step.kind == .loopback && entry.apply.contains { $0.calls.contains(.loopbackDown) }:
      return .modify(before: "up", after: "down")
    case .inPlace, .replace:
      let before = now ?? (wanted == nil ? "as applied" : "unknown (not read)")
      return .modify(before: before, after: wanted ?? "as the spec says")
    case .remove: return .modify(before: now ?? "as applied", after: "absent")
    // What `plan` read of the host: what is in the way.
    case .blocked: return entry.step.change
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

  private func removed(_ old: Step, _ steps: InPlaceSteps, _ undoing: InPlaceSteps) -> TargetPlan.Entry {
    switch Category(old.kind) {
    case .inPlace:
      // lo goes back down, as a fresh network namespace has it: a change of its state, not an item removed.
      if old.kind == .loopback, live.loopbackUp != false {
        // The applied plan's step, named for what apply does; its spec line is in the spec as it was then.
        var step = old
        (step.label, step.origin) = ("bring lo down (the spec no longer brings it up)", nil)
        return TargetPlan.Entry(step: step, action: .inPlace, apply: [steps.loopbackDown(old)])
      }
      // The record says nsbuild wrote this file: apply removes it.
      if old.kind == .file, let remove = undoing.removeFile(old) {
        return TargetPlan.Entry(step: old, action: .remove, apply: [remove])
      }
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
      .capabilities, .noNewPrivs, .namespaceRoot, .umask, .cwd, .exec, .foreground, .terminal, .relay, .unmount, .join,
      .detach, .hold,
      .outlive, .endCommand, .checkProgram, .veth, .bridge, .pasta, .deleteLink:
      []
    }
  }
}
