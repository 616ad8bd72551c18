import SpecParser

/// What the kernel allows for each kind of step in a running sandbox, and what stays when the spec drops one.
extension TargetPlanner {
  /// What stays when the spec drops an in-place item that has nothing to take back.
  static func leftAsIs(_ kind: Step.Kind) -> String {
    switch kind {
    case .hostname, .domainname: "the name stays as it is: the UTS namespace has no other to go back to"
    case .file: "the file stays in the sandbox"
    case .loopback: "lo is down already"
    case .rlimits: "init keeps its limits; the next `exec` gets the inherited ones"
    case .propagation: "the mounts keep their propagation"
    case .spawn, .unshare, .setgroups, .uidMap, .gidMap, .timeOffsets, .fork, .sources, .root, .mount, .protect,
      .pivotRoot, .readonlyRoot, .closeFDs, .scrubEnvironment, .spawnCommand, .session, .boundingSet, .credentials,
      .capabilities, .noNewPrivs, .namespaceRoot, .umask, .cwd, .exec, .foreground, .terminal, .relay, .unmount, .join,
      .detach, .hold,
      .outlive, .endCommand, .checkProgram, .deleteLink:
      "nothing to take back"
    case .veth: "the veth stays until the sandbox ends"
    case .bridge: "the bridge stays on the host"
    case .pasta: "pasta runs until the sandbox ends"
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
      // A veth's and a bridge's marks are ``TargetPlanner/networkEntries(_:old:new:_:_:_:)``'s.
      case .hostname, .domainname, .loopback, .mount, .file, .rlimits, .propagation, .veth, .bridge: self = .inPlace
      case .unshare: self = .replaces(.namespaceSet)
      case .setgroups: self = .replaces(.setgroups)
      case .uidMap, .gidMap, .namespaceRoot: self = .replaces(.idMap)
      case .timeOffsets: self = .replaces(.clockOffsets)
      case .root, .pivotRoot, .readonlyRoot: self = .replaces(.root)
      case .session, .boundingSet, .credentials, .capabilities, .noNewPrivs, .umask, .cwd, .exec:
        self = .replaces(.process)
      // Joining other sandboxes' namespaces sets the namespaces as unshare(2) does: another set is another sandbox.
      case .join: self = .replaces(.namespaceSet)
      case .pasta: self = .replaces(.network)
      // `up`'s detach, hold and outlive steps are the holder's, taken once; an apply's ending of a main command is
      // never in a spec's plan.
      case .spawn, .fork, .sources, .protect, .closeFDs, .scrubEnvironment, .spawnCommand, .foreground, .terminal,
        .relay, .unmount,
        .detach, .hold, .outlive, .endCommand, .checkProgram, .deleteLink:
        self = .setup
      }
    }
  }
}
