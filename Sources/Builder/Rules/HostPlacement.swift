import SpecParser

/// Where a path inside the sandbox lies on the host, as `run` makes it: beneath a bind, in the bind's source
/// folder; beneath an overlay with an upper folder, in that folder (a write there copies each folder on the way up
/// into it); on the host's tree or a root folder, at that place; beneath any other mount (a tmpfs, proc, a minimal
/// /dev) or on a tmpfs root, nowhere: it goes with the sandbox. Shared by the planner's host-changes summary and
/// ``HostFolderReader``, so both place a path alike.
struct HostPlacement {
  /// The host folder a part of the sandbox's tree comes from, and the sandbox path it appears at.
  struct Base: Hashable {
    var host: String
    var sandbox: String

    /// The host path of `path`, which lies at or beneath ``sandbox``.
    func hostPath(of path: String) -> String {
      let rest = AbsolutePath.rest(of: path, in: sandbox)
      return rest.isEmpty ? host : (host == "/" ? "" : host) + rest
    }

    /// The folders above `path` that lie beneath ``sandbox`` (it excluded), top first: those `run` makes when
    /// missing.
    func foldersAbove(_ path: String) -> [String] {
      AbsolutePath.ancestors(of: path).map(String.init).filter { AbsolutePath.isBeneath($0, sandbox) }
    }
  }

  let spec: Spec
  private let mounts: MountsByTarget
  /// The host paths the spec opens (bind sources, overlay folders) as plan resolved them, by path as written: run
  /// opens the resolved path, so what it makes lands there (see ``HostPathResolver``).
  private let sources: [String: ResolvedHostPath]
  /// With the host's tree as the root: the `[[files]]` paths and mount targets as plan resolved them.
  private let hostTree: [String: ResolvedHostPath]

  init(spec: Spec, sources: [String: ResolvedHostPath] = [:], hostTree: [String: ResolvedHostPath] = [:]) {
    self.spec = spec
    self.mounts = MountsByTarget(spec.mounts)
    self.sources = sources
    self.hostTree = hostTree
  }

  /// The host folder a source opens as: where plan resolved it, or as written when it was not resolved.
  private func resolved(_ source: String) -> String { sources[source]?.path ?? source }

  /// The host folder `path` is made in, or nil when it lands on something that goes with the sandbox.
  func base(of path: String) -> Base? { locate(path).base }

  /// ``base(of:)`` and ``isOnRootTree(_:)`` of `path` at once, from one look for the mount above it.
  func locate(_ path: String) -> (base: Base?, onRootTree: Bool) {
    guard let (target, mount) = mounts.deepest(above: path) else { return (rootBase, true) }
    return (base(beneath: target, mount), false)
  }

  /// The host folder the root tree's paths are made in; nil for a tmpfs root.
  private var rootBase: Base? {
    switch spec.root.kind {
    case .tmpfs: return nil
    case .directory(let directory): return Base(host: directory, sandbox: "/")
    case .host: return Base(host: "/", sandbox: "/")
    }
  }

  /// The host folder a path beneath `mount` (at `target`, the deepest mount above it) is made in.
  private func base(beneath target: String, _ mount: Mount) -> Base? {
    switch (mount.kind, mount.upper) {
    case (.bind, _): return Base(host: mount.source.map(resolved) ?? "/", sandbox: target)
    case (.overlay, .directories(let upper, _)): return Base(host: resolved(upper), sandbox: target)
    case (.overlay, .tmpfs), (.overlay, nil), (.tmpfs, _), (.proc, _), (.sysfs, _), (.dev, _), (.devpts, _),
      (.mqueue, _):
      return nil
    }
  }

  /// Where `path` is made: on the host's tree, as plan resolved it (run makes it there, through no symlink); anywhere
  /// else, `path` itself.
  func landing(of path: String) -> String { landing(of: path, onRootTree: isOnRootTree(path)) }

  /// ``landing(of:)`` when whether `path` lies on the root tree is known already.
  func landing(of path: String, onRootTree: Bool) -> String {
    guard case .host = spec.root.kind, onRootTree else { return path }
    return hostTree[path]?.path ?? path
  }

  /// Whether `path` lies on the host's tree or in the root folder, under none of the spec's mounts.
  func isOnRootTree(_ path: String) -> Bool { mounts.deepest(above: path) == nil }

  /// The folders overlayfs makes inside each work folder when mounting: `work`, and `index` when the index feature
  /// is on (overlay's `index` or `nfs_export` module parameter; nsbuild passes neither option).
  static func overlayWorkFolders(_ spec: Spec, index: Bool) -> [String] {
    spec.mounts.flatMap { mount -> [String] in
      guard case .directories(_, let work) = mount.upper else { return [] }
      return [work + "/work"] + (index ? [work + "/index"] : [])
    }
  }
}
