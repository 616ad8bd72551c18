/// How `plan --target` marks a step against a live sandbox: what `apply` does about it.
public enum TargetAction: Sendable, Hashable {
  /// `=`: the sandbox already stands as the step makes it; apply skips it.
  case unchanged
  /// `~`: changed in place in the running sandbox (a hostname, a mount's options, a file, a resource limit).
  case inPlace
  /// `+`: an item the sandbox lacks (a new mount, a file, a hostname) is added in place.
  case add
  /// `-`: an item the spec no longer has (a mount) is taken off in place.
  case remove
  /// `-/+`: the kernel cannot change this in a running sandbox; what `replacement` says is made anew.
  case replace(Replacement)
  /// `!`: something on the host stands in the way of what the step makes (a host interface that takes a new veth's
  /// host name, a non-bridge with a new bridge's name): `apply` refuses the whole plan before it takes any step, as
  /// the kernel would refuse this one (RTM_NEWLINK: EEXIST). `reason` says what is in the way.
  case blocked(reason: String)

  /// `=`, `~`, `+`, `-`, `-/+` or `!`.
  public var symbol: String {
    switch self {
    case .unchanged: "="
    case .inPlace: "~"
    case .add: "+"
    case .remove: "-"
    case .replace: "-/+"
    case .blocked: "!"
    }
  }

  /// The snake_case name `plan --format json` writes in a step's `action`.
  public var name: String {
    switch self {
    case .unchanged: "unchanged"
    case .inPlace: "change"
    case .add: "add"
    case .remove: "remove"
    case .replace: "replace"
    case .blocked: "blocked"
    }
  }
}

/// Why a change cannot be made in a running sandbox, what it replaces and the man page that says so.
public struct Replacement: Sendable, Hashable {
  /// What forces the replacement.
  public enum Cause: String, Sendable, Hashable, CaseIterable {
    /// The set of namespaces unshared changed.
    case namespaceSet = "namespace_set"
    /// `uid_map` or `gid_map` changed (or the user namespace's root step with them).
    case idMap = "id_map"
    /// `/proc/PID/setgroups` changed.
    case setgroups
    /// A time namespace clock offset changed.
    case clockOffsets = "clock_offsets"
    /// The root (a root folder, overlay, pivot_root, a read-only `/`) changed.
    case root
    /// A mount's source or filesystem type changed: that mount is taken off and a new one attached.
    case mountSource = "mount_source"
    /// A mount changed in a way neither mount_setattr(2) nor a remount makes: that mount is made anew.
    case mountRemade = "mount_remade"
    /// A `[process]` setting changed: taken at fork and execve(2).
    case process
    /// `[net.pasta]` changed: pasta is started with the sandbox and is not restarted or changed in a live one.
    case network
    /// A veth's inside name, host name or bridge changed: that pair is deleted and made anew.
    case link = "veth_link"
  }

  /// How much is made anew.
  public enum Scope: String, Sendable, Hashable {
    /// The whole sandbox (`apply --replace` downs and ups it).
    case sandbox
    /// That one mount.
    case mount
    /// The main command, when the sandbox has one; the next `exec` gets the new settings either way.
    case mainCommand = "main_command"
    /// That one veth pair, its addresses and routes set again.
    case link
  }

  public var cause: Cause

  public init(_ cause: Cause) {
    self.cause = cause
  }

  public var scope: Scope {
    switch cause {
    case .namespaceSet, .idMap, .setgroups, .clockOffsets, .root, .network: .sandbox
    case .mountSource, .mountRemade: .mount
    case .process: .mainCommand
    case .link: .link
    }
  }

  /// The man page that documents the rule, as `name(section)`.
  public var manPage: String {
    switch cause {
    case .namespaceSet: "namespaces(7)"
    case .idMap, .setgroups: "user_namespaces(7)"
    case .clockOffsets: "time_namespaces(7)"
    case .root: "pivot_root(2)"
    case .mountSource: "move_mount(2)"
    case .mountRemade: "mount_setattr(2)"
    case .process: "execve(2)"
    case .network: "pasta(1)"
    case .link: "veth(4)"
    }
  }

  /// Why, in the kernel's terms, without the man page.
  public var reason: String {
    switch cause {
    case .namespaceSet:
      "a process's namespaces are fixed when unshare(2) makes them: another set of namespaces is another sandbox"
    case .idMap:
      "uid_map and gid_map can be written once: a second write fails with EPERM"
    case .setgroups:
      "setgroups cannot be changed once gid_map is written (EPERM)"
    case .clockOffsets:
      "clock offsets are frozen once a process entered the time namespace: a later write fails with EACCES"
    case .root:
      "pivot_root cannot be redone under running processes: their root and working directory stay on the old root"
    case .mountSource:
      "a mount's source or type cannot change in place: the mount is taken off (umount2) and a new one attached"
    case .mountRemade:
      "neither mount_setattr(2) nor a remount makes this change: the mount is taken off and a new one attached"
    case .process:
      "[process] settings are taken at fork and execve(2): the next `exec` uses them, and a main command is replaced"
    case .network:
      "pasta is started once with the sandbox (by `up`, through a keeper that ends it with the sandbox) and nsbuild does not restart or change it in a live sandbox: a changed [net.pasta], or a pasta that ended, makes the sandbox anew, the old pasta ended with it"
    case .link:
      "a veth pair's names and bridge are set when it is made here: the pair is deleted (RTM_DELLINK, its host end goes with it) and made anew, its addresses and routes set again"
    }
  }

  /// `reason (man page)`.
  public var description: String { "\(reason) (\(manPage))" }
}
