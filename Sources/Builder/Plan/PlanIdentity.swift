import SpecParser

/// Who the sandbox's processes are. After unshare(2) a process keeps the caller's IDs; in a new user namespace they
/// may be unmapped there (a root caller with `uid_map = 0 → 100000`), and the kernel then refuses to create any file
/// (EOVERFLOW), since a new file's owner must be mapped. So init first becomes the new namespace's root, as crun
/// does, and the command gets exactly the IDs and groups the spec says, with the namespace's root (or, without a user
/// namespace, root) for what it leaves out, as runc and crun do: nothing of the caller's passes on.
extension Planner {
  /// The uid_map and gid_map as written: the default maps the caller to 0, one ID wide.
  var writtenMaps: (uid: [IDMapping], gid: [IDMapping]) {
    let callerAsRoot = [IDMapping(inside: 0, outside: .caller, count: 1)]
    return (
      spec.user.uidMap.isEmpty ? callerAsRoot : spec.user.uidMap,
      spec.user.gidMap.isEmpty ? callerAsRoot : spec.user.gidMap
    )
  }

  /// The ID the sandbox acts as inside its user namespace: 0 when mapped, else the caller's own ID when mapped,
  /// else the lowest mapped one.
  static func rootID(in map: [IDMapping], caller: UInt32) -> UInt32 {
    let starts = map.map { $0.insideStart(caller: caller) }
    if starts.contains(0) { return 0 }
    return map.insideID(of: caller, caller: caller) ?? starts.min() ?? 0
  }

  /// The uid and gid the command gets for `[process] uid` and `gid` left out: the user namespace's root, or root
  /// without one. Nil when nsbuild cannot change IDs (no root, no user namespace), or in a joined user namespace,
  /// whose maps are another sandbox's: the command then keeps the caller's IDs, as they map there.
  var defaultIdentity: (uid: UInt32, gid: UInt32)? {
    guard spec.unshares(.user) else { return state.isPrivileged && spec.join(of: .user) == nil ? (0, 0) : nil }
    let maps = writtenMaps
    return (Self.rootID(in: maps.uid, caller: state.uid), Self.rootID(in: maps.gid, caller: state.gid))
  }

  /// Whether setgroups(2) is refused in the new user namespace: `setgroups = "deny"`, which is the default without
  /// root (user_namespaces(7)).
  var setgroupsDenied: Bool {
    spec.unshares(.user) && (spec.user.setgroups ?? (state.isPrivileged ? .allow : .deny)) == .deny
  }

  /// Whether the command's process may call setgroups(2): root outside, or a user namespace allowing it; in a
  /// joined one, whose `setgroups` file is another sandbox's, only when the spec asks for groups.
  var canSetGroups: Bool {
    spec.unshares(.user) ? !setgroupsDenied : state.isPrivileged && spec.join(of: .user) == nil
  }

  /// init becomes root of the new user namespace (setresgid(2), setresuid(2)) when the caller's own IDs are not
  /// that already: after the host paths are opened, with the caller's own access, and before anything is created.
  /// Where setgroups(2) is allowed it first drops the caller's supplementary groups, which would otherwise still
  /// grant their access to host files (a `root:4 0775` folder) to everything init creates. The ID change clears
  /// PR_SET_PDEATHSIG (prctl(2)), so init sets it again and checks that its parent still lives.
  func namespaceRootStep() -> Step? {
    guard spec.unshares(.user), let root = defaultIdentity else { return nil }
    let maps = writtenMaps
    let uids = [state.uid, state.euid].map { maps.uid.insideID(of: $0, caller: state.uid) }
    let gid = maps.gid.insideID(of: state.gid, caller: state.gid)
    let switches = uids.contains(where: { $0 != root.uid }) || gid != root.gid
    let dropsGroups = !setgroupsDenied
    guard switches || dropsGroups else { return nil }
    let outsideUID = Self.outside(of: root.uid, in: maps.uid, caller: state.uid)
    let outsideGID = Self.outside(of: root.gid, in: maps.gid, caller: state.gid)
    let unmapped = uids.contains(nil) || gid == nil
    var calls: [Syscall] = dropsGroups ? [.setgroups(groups: [])] : []
    // During setup init dies with the sandbox process by SIGTERM, which it takes between steps to take back what it
    // made (see the fork step); the check follows, as after every re-armed PR_SET_PDEATHSIG.
    if switches {
      calls += [.setresgid(gid: root.gid), .setresuid(uid: root.uid), .setParentDeathSignal(signal: 15), .checkParent]
    }
    let groupsNote = dropsGroups ? "no supplementary group of yours reaches what init creates; " : ""
    return Step(
      kind: .namespaceRoot, actor: .initProcess, subject: .processAttribute(attribute: .credentials), calls: calls,
      change: switches
        ? .modify(before: "uid \(state.euid) gid \(state.gid) outside", after: "\(root.uid):\(root.gid) inside")
        : .modify(before: "your supplementary groups", after: "none"),
      reason: (unmapped
        ? "your own uid or gid is not mapped inside, and nothing can be created under an unmapped owner (EOVERFLOW); "
        : "before anything is created; ") + groupsNote
        + "what the sandbox makes on the host is owned by \(outsideUID):\(outsideGID) there"
        + (switches ? "; the ID change clears PR_SET_PDEATHSIG, so it is set again" : ""),
      origin: origin("user.uid_map") ?? origin("namespaces.unshare"),
      label: switches
        ? "become \(root.uid):\(root.gid) of the new user namespace"
        : "drop your supplementary groups in the new user namespace"
    )
  }

  /// The ID outside that `inside` maps to.
  static func outside(of inside: UInt32, in map: [IDMapping], caller: UInt32) -> String {
    map.outsideID(of: inside, caller: caller).map(String.init) ?? "?"
  }

  /// Said at `plan`: with setgroups denied, the caller's supplementary groups cannot be dropped, so the command
  /// keeps their access to host files.
  func credentialWarnings() -> [PlanWarning] {
    let groups = state.host.supplementaryGroups
    guard setgroupsDenied, !groups.isEmpty else { return [] }
    let listed = groups.prefix(8).map(String.init).joined(separator: ", ") + (groups.count > 8 ? ", …" : "")
    return [
      PlanWarning(
        "setgroups is denied in the new user namespace, so the command keeps your supplementary groups (\(listed)) and their access to host files: no process there can drop them (user_namespaces(7)); they show as 65534 inside unless gid_map maps them. Start nsbuild without them (setpriv --clear-groups) if the sandbox must not have them",
        origin: origin("user.setgroups") ?? origin("namespaces.unshare"))
    ]
  }
}
