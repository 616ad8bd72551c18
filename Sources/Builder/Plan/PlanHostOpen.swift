import SpecParser

/// Host paths opened with the caller's own access. In a new user namespace even root loses CAP_DAC_OVERRIDE over
/// files whose owner the map leaves out, so a root caller could not open a bind source in another user's private
/// folder from inside. So nsbuild, still root in the host's user namespace, joins the sandbox's new mount namespace
/// (setns(2)) before anything runs there, opens the paths on that namespace's copies of the host's mounts, and passes
/// the fds to init over a socket (unix(7) SCM_RIGHTS), as runc does. mount(2) binds from them, since they lie in
/// init's own mount namespace (an fd opened in the host's would give EINVAL), and the kernel's locks on those copies
/// stay: a read-only host mount stays read-only. (crun's open_tree(2) clones, made before the user namespace, carry
/// no such locks.) Without root, the caller keeps its own access in its user namespace, and init opens them.
extension Planner {
  /// Whether nsbuild opens the host paths itself: as root holding CAP_SYS_CHROOT (which setns(2) into a mount
  /// namespace needs; assumed when not read), for a sandbox with user and mount namespaces.
  var opensHostPathsOutside: Bool {
    let chroot = state.host.effectiveCapabilities.map { $0 & (1 << 18) != 0 } ?? true
    return spec.unshares(.user) && spec.unshares(.mount) && state.isPrivileged && chroot
  }

  /// The step that opens the host paths, split when ``opensHostPathsOutside``: nsbuild opens and sends them (a
  /// parent step, taken once the ID maps are written), and init receives them where it would have opened them.
  func hostOpenSteps(_ sources: Step) -> [Step] {
    let slots = sources.calls.compactMap(Self.openedSlot)
    guard opensHostPathsOutside, !slots.isEmpty else { return [sources] }
    var parent = sources
    parent.actor = .parent
    parent.operations =
      [Step.Operation(.saveMountNamespace), Step.Operation(.enterMountNamespace)] + sources.operations
      + [Step.Operation(.sendSlots(slots: slots)), Step.Operation(.returnToMountNamespace)]
    parent.reason =
      "by nsbuild, root of the host's user namespace, in the sandbox's mount namespace before anything runs there: root inside cannot reach what the map leaves out; then back to its own, so the sandbox's pivot_root does not move nsbuild's root"
    parent.label = "open the host paths the sandbox uses, from outside its user namespace"
    let receive = Step(
      kind: .sources, actor: .initProcess, subject: sources.subject, calls: [.receiveSlots(slots: slots)],
      change: .create,
      reason: "opened by nsbuild outside the user namespace", label: "receive the host paths nsbuild opened")
    return [parent, receive]
  }

  /// The fd slot an open call fills.
  static func openedSlot(_ call: Syscall) -> Int? {
    if case .openPath(_, let slot) = call { return slot }
    if case .openDirectoryNoSymlinks(_, let slot) = call { return slot }
    if case .openNoSymlinks(_, let slot, _) = call { return slot }
    if case .openTerminalReplica(let slot) = call { return slot }
    return nil
  }
}
