import Netlink

/// `[[net.veth]]` against a live sandbox: a new veth is made (`+`), a dropped one deleted (`-`), an address, a route
/// or the mtu changed in place (`~`), and a veth whose inside name, host name or bridge changed is deleted and made
/// anew (`-/+` of that link only). What stands is read from the sandbox's namespace (``LiveSandbox/links``), so an
/// address or route taken away by hand is put back and a link deleted by hand made again.
extension TargetPlanner {
  /// The veths of the applied plan and of the spec's, each new one paired with the old one of the same inside name,
  /// else of the same host name.
  struct VethPairing {
    let old: [VethShape]
    let new: [VethShape]

    func old(for veth: VethShape) -> VethShape? {
      old.first { $0.name == veth.name } ?? old.first { $0.hostName == veth.hostName }
    }

    func new(for veth: VethShape) -> VethShape? {
      new.first { old(for: $0) == veth }
    }

    /// The veth whose parent step is `step`, or whose init step it is.
    func shape(of step: Step, in shapes: [VethShape]) -> VethShape? {
      shapes.first { $0.host.subject == step.subject && step.actor == .parent }
        ?? shapes.first { $0.inside?.subject == step.subject && step.actor == .initProcess }
    }
  }

  /// What becomes of the link a new veth wants.
  enum LinkFate {
    /// No such veth was applied: made.
    case new
    /// Applied, but deleted by hand since: made again.
    case gone(VethShape, Drift)
    /// Another name, host name or bridge: deleted and made anew.
    case remade(VethShape)
    /// The same pair, changed in place where it differs.
    case stays(VethShape)
  }

  func fate(of veth: VethShape, _ pairing: VethPairing) -> LinkFate {
    guard let old = pairing.old(for: veth) else { return .new }
    guard veth.isSameLink(as: old) else { return .remade(old) }
    if live.links != nil, live.link(old.name) == nil {
      return .gone(
        old,
        Drift(kind: .veth, subject: .networkInterface(name: old.name), applied: "present", live: "absent"))
    }
    return .stays(old)
  }

  /// The entries of a veth or bridge step of the alignment; nil for any other step, empty for one that another
  /// entry stands for (the old half of a veth made anew).
  func networkEntries(
    _ pair: PlanDiff.Alignment, old: [Step], new: [Step], _ pairing: VethPairing, _ steps: InPlaceSteps,
    _ undoing: InPlaceSteps
  ) -> [TargetPlan.Entry]? {
    switch pair {
    case .matched(_, let after):
      return current(new[after], isNew: false, pairing, steps)
    case .added(let after):
      return current(new[after], isNew: true, pairing, steps)
    case .removed(let before):
      var step = old[before]
      guard step.kind == .veth || step.kind == .bridge else { return nil }
      // Its spec line is in the spec as it was applied, not in this one.
      step.origin = nil
      return dropped(step, pairing, steps, undoing)
    }
  }

  /// A veth or bridge step of the spec's plan, marked.
  private func current(_ step: Step, isNew: Bool, _ pairing: VethPairing, _ steps: InPlaceSteps)
    -> [TargetPlan.Entry]?
  {
    if step.kind == .bridge { return [bridge(step, isNew: isNew, steps)] }
    guard step.kind == .veth else { return nil }
    guard let veth = pairing.shape(of: step, in: pairing.new) else {
      return [TargetPlan.Entry(step: step, action: .unchanged)]
    }
    return [step.actor == .parent ? hostEnd(veth, pairing, steps) : insideEnd(step, veth, pairing, steps)]
  }

  /// A veth or bridge step of the applied plan the spec no longer has: the pair deleted from inside; a bridge left.
  private func dropped(_ step: Step, _ pairing: VethPairing, _ steps: InPlaceSteps, _ undoing: InPlaceSteps)
    -> [TargetPlan.Entry]
  {
    guard step.kind == .veth, let veth = pairing.shape(of: step, in: pairing.old) else {
      return [TargetPlan.Entry(step: step, action: .remove, note: "the bridge stays on the host")]
    }
    // Made anew under its new name: that entry's `-/+` deletes this one.
    if pairing.new(for: veth) != nil { return [] }
    guard step.actor == .parent else {
      return [TargetPlan.Entry(step: step, action: .remove, note: "its addresses and routes go with the link")]
    }
    guard live.links == nil || live.link(veth.name) != nil else {
      return [TargetPlan.Entry(step: step, action: .remove, note: "already gone from the sandbox")]
    }
    var entry = TargetPlan.Entry(
      step: step, action: .remove, apply: [steps.deleteLink(veth.name, subject: step.subject, origin: nil)])
    entry.undo = [remake(veth, undoing)]
    return [entry]
  }

  /// The undo of deleting `veth`: made again as the applied plan made it, then its inside end set up.
  private func remake(_ veth: VethShape, _ undoing: InPlaceSteps) -> [Step] {
    [undoing.makeLink(veth)] + (veth.inside.map { [undoing.setUpInside($0)] } ?? [])
  }

  private func hostEnd(_ veth: VethShape, _ pairing: VethPairing, _ steps: InPlaceSteps) -> TargetPlan.Entry {
    let make = steps.makeLink(veth)
    switch fate(of: veth, pairing) {
    case .new:
      guard live.link(veth.name) == nil else {
        // Most likely the pair an apply made before it was killed, before it wrote the record: made again as the
        // spec says rather than refused (EEXIST), so the next apply converges.
        var entry = TargetPlan.Entry(
          step: veth.host, action: .add,
          apply: [steps.deleteLink(veth.name, subject: veth.host.subject, origin: veth.host.origin), make],
          note: Self.unrecordedLink)
        entry.undo = [[], [steps.deleteHostEnd(veth)]]
        return entry
      }
      if let blocked = Self.blocked(veth.host) { return blocked }
      var entry = TargetPlan.Entry(step: veth.host, action: .add, apply: [make])
      entry.undo = [[steps.deleteHostEnd(veth)]]
      return entry
    case .gone(let old, let drift):
      // The host end went with the inside one (veth(4)): a host interface of that name now is another.
      if old.hostName == veth.hostName, let blocked = Self.blocked(veth.host) { return blocked }
      var entry = TargetPlan.Entry(step: veth.host, action: .add, apply: [make], restores: drift)
      entry.undo = [[steps.deleteHostEnd(veth)]]
      return entry
    case .remade(let old):
      // The old pair's steps, from the applied plan (its fd slots).
      let undoing = InPlaceSteps(
        target: record.initProcess, unshared: record.plan.unsharedNamespaces, plan: record.plan)
      let standing = live.links == nil || live.link(old.name) != nil
      var apply = standing ? [steps.deleteLink(old.name, subject: old.host.subject, origin: veth.host.origin)] : []
      var undo = standing ? [remake(old, undoing)] : []
      var note = veth.remade(from: old)
      // The new pair already stands though the record does not have it (an apply killed before writing it).
      if old.name != veth.name, live.link(veth.name) != nil {
        apply.append(steps.deleteLink(veth.name, subject: veth.host.subject, origin: veth.host.origin))
        undo.append([])
        note += "; " + Self.unrecordedLink
      }
      // A new host name another host interface holds (the old pair's own host end is deleted first; a new pair an
      // apply killed before its record made is deleted, as below, and its host end with it).
      let madeUnrecorded = old.name != veth.name && live.link(veth.name) != nil
      if veth.hostName != old.hostName, !madeUnrecorded, let blocked = Self.blocked(veth.host) {
        return blocked
      }
      var entry = TargetPlan.Entry(
        step: veth.host, action: .replace(Replacement(.link)), apply: apply + [make], note: note)
      entry.undo = undo + [[steps.deleteHostEnd(veth)]]
      return entry
    case .stays(let old):
      return changed(veth, old, steps)
    }
  }

  /// Init's step of a veth: set up on a link this apply makes; else its addresses and routes changed where they
  /// differ from what stands (read from the sandbox; the applied plan's where that could not be read).
  private func insideEnd(_ step: Step, _ veth: VethShape, _ pairing: VethPairing, _ steps: InPlaceSteps)
    -> TargetPlan.Entry
  {
    switch fate(of: veth, pairing) {
    case .new, .remade:
      var entry = TargetPlan.Entry(step: step, action: .add, apply: [steps.setUpInside(step)], note: Self.onNewLink)
      // The link's own undo deletes it, and its addresses and routes with it.
      entry.undo = [[]]
      return entry
    case .gone(_, let drift):
      var entry = TargetPlan.Entry(
        step: step, action: .add, apply: [steps.setUpInside(step)], restores: drift, note: Self.onNewLink)
      entry.undo = [[]]
      return entry
    case .stays(let old):
      return insideChanges(step, veth, old, steps)
    }
  }

  /// `!` for a step whose host interface `plan` found taken (``Change/conflict(before:after:)``: the spec's new host
  /// name is another link's, or the bridge it names is no bridge), as plain `plan` marks it; nil when it is free.
  /// Read from the host's /sys/class/net as `plan` reads it (``HostInterface``), so the sandbox's own host ends,
  /// which stand there too, are not asked about: only a link this apply would make.
  static func blocked(_ step: Step) -> TargetPlan.Entry? {
    guard case .conflict(let before, let after) = step.change else { return nil }
    return TargetPlan.Entry(
      step: step, action: .blocked(reason: "\(before) is in the way of a \(after)"),
      note: "apply refuses before it takes any step, as RTM_NEWLINK would (EEXIST): nsbuild never deletes or "
        + "changes a host interface it did not make; free the name or pick another in the spec")
  }

  static let unrecordedLink =
    "a link of this name stands in the sandbox though the record has none (an apply killed before writing the "
    + "record?): it is deleted (a failed apply does not bring it back) and the pair made as the spec says"

  static let onNewLink =
    "on the pair this apply makes: a failed apply deletes that pair, and these addresses and routes with it"

  /// A bridge a new veth joins: made when the host lacks it (`plan` saw it missing), `=` when it stands.
  private func bridge(_ step: Step, isNew: Bool, _ steps: InPlaceSteps) -> TargetPlan.Entry {
    guard isNew, !step.change.isUnchanged, case .networkInterface(let name) = step.subject else {
      return TargetPlan.Entry(step: step, action: .unchanged)
    }
    if let blocked = Self.blocked(step) { return blocked }
    var made = step
    made.change = .create
    var entry = TargetPlan.Entry(step: step, action: .add, apply: [made])
    entry.undo = [
      [
        Step(
          kind: .bridge, actor: .parent, subject: step.subject, calls: [.rtnetlink(request: .deleteLink(name: name))],
          change: .create, origin: step.origin, label: "delete bridge \(name) again")
      ]
    ]
    return entry
  }
}
