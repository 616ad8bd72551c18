import SpecParser

/// The host paths a spec opens before any mount, listed in this one place for all that need them: the plan's first
/// step opens them (in this order, an fd slot each), and the observer resolves them and checks that they exist.
enum HostSources {
  /// One host path and the spec entry that names it (a failed open points at that entry).
  struct Source: Sendable, Hashable {
    /// The `[root] path`, or the `[[mounts]]` entry at this index.
    enum Entry: Sendable, Hashable {
      case rootPath
      case mount(index: Int)
    }
    var path: String
    var namedBy: Entry
  }

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

  /// A root folder first, then each mount's paths in spec order, each with the entry naming it (a path named twice
  /// is listed twice).
  static func sources(of spec: Spec, devices: Bool) -> [Source] {
    var sources: [Source] = []
    if case .directory(let directory) = spec.root.kind { sources.append(Source(path: directory, namedBy: .rootPath)) }
    for (index, mount) in spec.mounts.enumerated() {
      sources += paths(of: mount, devices: devices).map { Source(path: $0, namedBy: .mount(index: index)) }
    }
    return sources
  }

  /// The paths of ``sources(of:devices:)``.
  static func paths(of spec: Spec, devices: Bool) -> [String] { sources(of: spec, devices: devices).map(\.path) }

  /// The host's null device, named by the first mount whose protection masks files with it (a fresh proc's, as runc
  /// and crun do), or nil. Opened by the plan's first step, never from the sandbox; not resolved by the observer.
  static func nullDevice(of spec: Spec) -> Source? {
    spec.mounts.firstIndex(where: KernelFilesystemProtection.needsNullDevice).map {
      Source(path: "/dev/null", namedBy: .mount(index: $0))
    }
  }
}
