import SpecParser

/// The user namespace steps: setgroups, uid_map, gid_map, all written by the parent once the sandbox has unshared.
extension Planner {
  func userSteps() -> [Step] {
    guard spec.unshares(.user) else { return [] }
    let uidMap = spec.user.uidMap.isEmpty ? [defaultMapping] : spec.user.uidMap
    let gidMap = spec.user.gidMap.isEmpty ? [defaultMapping] : spec.user.gidMap
    var steps: [Step] = []
    if let setgroups = setgroupsValue {
      steps.append(
        Step(
          kind: .setgroups, actor: .parent, calls: [.writeProcFile(file: "setgroups", contents: setgroups.rawValue)],
          change: .modify(before: "allow", after: setgroups.rawValue),
          reason: state.isPrivileged ? nil : "an unprivileged gid_map needs setgroups denied first",
          origin: origin("user.setgroups")))
    }
    steps.append(
      Step(
        kind: .uidMap, actor: .parent,
        calls: [.writeProcFile(file: "uid_map", contents: render(uidMap, caller: state.uid))],
        change: .create, reason: "written once, from the parent side", origin: origin("user.uid_map")))
    steps.append(
      Step(
        kind: .gidMap, actor: .parent,
        calls: [.writeProcFile(file: "gid_map", contents: render(gidMap, caller: state.gid))],
        change: .create, reason: setgroupsValue == .deny ? "after setgroups" : nil, origin: origin("user.gid_map")))
    return steps
  }

  /// With no map given, the caller becomes root inside, one ID wide, as `unshare -r` and bwrap do.
  private var defaultMapping: IDMapping { IDMapping(inside: 0, outside: .caller, count: 1) }

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
      return "\(line.inside) \(outside) \(line.count)\n"
    }.joined()
  }
}
