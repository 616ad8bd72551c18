import SpecParser

/// When the host's mounts (the caller's mountinfo) matter to a spec: a rule over the spec alone, which the observer
/// follows to read them only then (each read costs start-up time on every run) and the planner follows to warn.
extension Spec {
  /// Whether the spec binds, overlays or sets a mount's propagation: what the host's mounts beneath or around them
  /// decide (see ``HostFacts/mounts``).
  var readsHostMounts: Bool {
    mounts.contains { $0.kind == .bind || $0.kind == .overlay || $0.propagation != nil }
      || root.propagation != .private || mountsCallersSysfs
  }

  /// Whether the spec mounts a sysfs that shares the caller's net namespace, so the host's mounts decide whether it
  /// can (see ``Planner/sysfsBusyWarnings()``).
  var mountsCallersSysfs: Bool { !unshares(.user) && !unshares(.net) && mounts.contains { $0.kind == .sysfs } }
}
