import SpecParser

/// The user namespace steps: setgroups, uid_map, gid_map, all written by the parent once the sandbox has unshared.
extension Planner {
  func userSteps() throws(PlanError) -> [Step] {
    guard spec.unshares(.user) else { return [] }
    // "caller" is known now: the lines it starts must still not overlap, fit below the kernel's "no ID", and map
    // the IDs the spec gives the command.
    let conflicts = CallerMapRules.check(spec, uid: state.uid, gid: state.gid, file: "")
    if !conflicts.isEmpty { throw PlanError.callerMaps(conflicts) }
    // setgroups(2) inside needs setgroups "allow", which an unprivileged caller never gets: denied by default, and
    // the kernel refuses an unprivileged gid_map without it.
    if !state.isPrivileged, spec.user.setgroups != .allow, !(spec.process.groups ?? []).isEmpty {
      throw PlanError.cannotSetGroups
    }
    let uidMap = spec.user.uidMap.isEmpty ? [defaultMapping] : spec.user.uidMap
    let gidMap = spec.user.gidMap.isEmpty ? [defaultMapping] : spec.user.gidMap
    if needsHelper(uidMap, caller: state.uid) || needsHelper(gidMap, caller: state.gid) {
      return try helperSteps(uidMap, gidMap)
    }
    var steps: [Step] = []
    if let setgroups = setgroupsValue {
      steps.append(
        Step(
          kind: .setgroups, actor: .parent, subject: .idMap(file: .setgroups),
          calls: [.writeProcFile(file: "setgroups", contents: setgroups.rawValue)],
          change: .modify(before: "allow", after: setgroups.rawValue),
          reason: state.isPrivileged ? nil : "an unprivileged gid_map needs setgroups denied first",
          origin: origin("user.setgroups")))
    }
    steps.append(
      Step(
        kind: .uidMap, actor: .parent, subject: .idMap(file: .uidMap),
        calls: [.writeProcFile(file: "uid_map", contents: render(uidMap, caller: state.uid))],
        change: .create, reason: "written once, from the parent side", origin: origin("user.uid_map")))
    steps.append(
      Step(
        kind: .gidMap, actor: .parent, subject: .idMap(file: .gidMap),
        calls: [.writeProcFile(file: "gid_map", contents: render(gidMap, caller: state.gid))],
        change: .create, reason: setgroupsValue == .deny ? "after setgroups" : nil, origin: origin("user.gid_map")))
    return steps
  }

  /// Whether the kernel refuses `map` from an unprivileged caller: anything but its own ID, one wide
  /// (user_namespaces(7)), needs newuidmap(1)/newgidmap(1).
  private func needsHelper(_ map: [IDMapping], caller: UInt32) -> Bool {
    guard !state.isPrivileged else { return false }
    guard map.count == 1, map[0].count == 1 else { return true }
    switch map[0].outside {
    case .caller: return false
    case .id(let id): return id != caller
    }
  }

  /// The maps through the set-user-ID helpers, which check /etc/subuid and /etc/subgid.
  private func helperSteps(_ uidMap: [IDMapping], _ gidMap: [IDMapping]) throws(PlanError) -> [Step] {
    guard let newuidmap = state.newuidmap, let newgidmap = state.newgidmap else {
      throw PlanError.cannotMap(
        "this uid_map or gid_map needs newuidmap(1) and newgidmap(1) (Debian's uidmap package) and ranges in /etc/subuid and /etc/subgid, or root; without them only your own ID can be mapped, one wide"
      )
    }
    var steps: [Step] = []
    // Denied by default here too, as for a direct unprivileged map: setgroups(2) inside could otherwise drop a
    // group the host uses to deny access (user_namespaces(7), "negative" group permissions).
    let setgroups = spec.user.setgroups ?? .deny
    steps.append(
      Step(
        kind: .setgroups, actor: .parent, subject: .idMap(file: .setgroups),
        calls: [.writeProcFile(file: "setgroups", contents: setgroups.rawValue)],
        change: .modify(before: "allow", after: setgroups.rawValue),
        reason: "before gid_map, which fixes it", origin: origin("user.setgroups")))
    let maps: [(Step.Kind, Step.IDMapFile, String, [IDMapping], UInt32, SpecKeyPath)] = [
      (.uidMap, .uidMap, newuidmap, uidMap, state.uid, "user.uid_map"),
      (.gidMap, .gidMap, newgidmap, gidMap, state.gid, "user.gid_map"),
    ]
    for (kind, file, helper, map, caller, key) in maps {
      steps.append(
        Step(
          kind: kind, actor: .parent, subject: .idMap(file: file),
          calls: [.idMapHelper(program: helper, map: render(map, caller: caller))],
          change: .create, reason: "ranges beyond your own ID go through the set-user-ID helper", origin: origin(key)))
    }
    return steps
  }

  /// With no map given, the caller becomes root inside, one ID wide, as `unshare -r` and bwrap do.
  var defaultMapping: IDMapping { IDMapping(inside: 0, outside: .caller, count: 1) }

  /// What to write to setgroups: the spec's choice, else `deny` when the kernel requires it (unprivileged caller).
  private var setgroupsValue: Setgroups? {
    spec.user.setgroups ?? (state.isPrivileged ? nil : .deny)
  }

  private func render(_ map: [IDMapping], caller: UInt32) -> String {
    map.map { line in
      let outside: UInt32
      switch line.outside {
      case .id(let id): outside = id
      case .caller: outside = caller
      }
      return "\(line.insideStart(caller: caller)) \(outside) \(line.count)\n"
    }.joined()
  }
}
