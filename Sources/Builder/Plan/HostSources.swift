import SpecParser

/// The host paths a spec opens before any mount, listed in this one place for all that need them: the plan's first
/// step opens them (in this order, an fd slot each), and the observer resolves them and checks that they exist.
enum HostSources {
  /// The host paths `mount` opens: a bind's source, an overlay's lower, upper and work folders, and with `devices`
  /// the host device nodes a `dev` mount binds.
  static func paths(of mount: Mount, devices: Bool) -> [String] {
    switch mount.kind {
    case .bind: return mount.source.map { [$0] } ?? []
    case .overlay:
      guard case .directories(let upper, let work) = mount.upper else { return mount.lower }
      return mount.lower + [upper, work]
    case .dev: return devices ? DevicePlan.nodes.map { "/dev/" + $0 } : []
    case .tmpfs, .proc, .sysfs, .devpts, .mqueue: return []  // made fresh: no host path
    }
  }

  /// A root folder first, then each mount's paths in spec order.
  static func paths(of spec: Spec, devices: Bool) -> [String] {
    var paths: [String] = []
    if case .directory(let directory) = spec.root.kind { paths.append(directory) }
    for mount in spec.mounts { paths += Self.paths(of: mount, devices: devices) }
    return paths
  }
}
