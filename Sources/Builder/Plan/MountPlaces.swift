import SpecParser

/// Where each mount point and `[[files]]` path is looked up, and what that adds to a step: the symlinks plan
/// followed on the host's tree, a mount's root to look up what lies beneath it, a lock on a host mount point.
extension FilesystemPlan {
  /// Where a path inside the sandbox is looked up: which root fd slot, the path beneath it, and how.
  struct Place {
    var root: Int
    var path: String
    var lookup: PathLookup
    /// On a host file system (the host's tree, a root folder, a bind's source, an overlay's folders), where another
    /// run may use the same folder: a mount point there is locked.
    var onHost: Bool
  }

  /// Beneath a bind or an overlay: beneath that mount's root, through no symlink, so a symlink in its host folder
  /// cannot lead out of it. Beneath a fresh mount (tmpfs, proc…): on the host's tree, beneath that mount's root with
  /// RESOLVE_IN_ROOT (a folder above it swapped for a symlink since cannot redirect what is made there); in a new
  /// root, as that mount's target was, then inside it (an absolute symlink made there means the sandbox's root). On
  /// the host's tree: the path as plan resolved it (the symlinks it shows already followed), through no symlink.
  /// In a root folder or a tmpfs root: beneath the root, RESOLVE_IN_ROOT.
  func place(_ path: String) -> Place {
    for ancestor in AbsolutePath.ancestors(of: path).reversed() {
      guard let mountRoot = mounted[String(ancestor)] else { continue }
      let rest = String(AbsolutePath.rest(of: path, in: String(ancestor)))
      if let mountRoot {
        return Place(
          root: mountRoot.slot, path: rest, lookup: mountRoot.lookup, onHost: mountRoot.lookup == .noSymlinks)
      }
      let outer = place(String(ancestor))
      return Place(root: outer.root, path: (outer.path == "/" ? "" : outer.path) + rest, lookup: .inRoot, onHost: false)
    }
    switch spec.root.kind {
    case .host:
      let resolved = planner.state.hostTreePaths[path]?.path ?? path
      return Place(root: Self.root, path: resolved, lookup: .noSymlinks, onHost: true)
    case .directory: return Place(root: Self.root, path: path, lookup: .inRoot, onHost: true)
    case .tmpfs: return Place(root: Self.root, path: path, lookup: .inRoot, onHost: false)
    }
  }

  /// The symlinks plan followed on the way to `path` on the host's tree, to show with its step.
  func linksNote(_ path: String) -> String? {
    guard let links = planner.state.hostTreePaths[path]?.links, !links.isEmpty else { return nil }
    return "via " + links.map(\.description).joined(separator: ", ")
      + ", which plan followed: run opens the path it led to through no symlink"
  }

  /// Opens (making it when missing) a mount point; on a host file system, takes a shared lock on it too.
  func pointCalls(_ at: Place, target: String, create: MountPointKind, slot: Int) -> [Syscall] {
    let open = Syscall.resolve(root: at.root, path: at.path, create: create, slot: slot, lookup: at.lookup)
    return at.onHost ? [open, .lockShared(slot: slot, path: target)] : [open]
  }

  /// Records a mount just made; for a bind or an overlay (or any mount on the host's tree) with something beneath
  /// it, opens the mount's root, which what lies beneath is then looked up from.
  /// `root` is the slot of the mount's fd from the new mount API (``DetachedMount``), already the mount's root.
  mutating func noteMounted(_ mount: Mount, at: Place, root: Int? = nil) -> [Syscall] {
    let hostFiles = mount.kind == .bind || mount.kind == .overlay
    guard hostFiles || spec.root.kind == .host, itemParents.contains(mount.target[...]) else {
      mounted[mount.target] = .some(nil)
      return []
    }
    if let root {
      mounted[mount.target] = (root, hostFiles ? .noSymlinks : .inRoot)
      return []
    }
    let mountRoot = slot()
    mounted[mount.target] = (mountRoot, hostFiles ? .noSymlinks : .inRoot)
    return [.resolve(root: at.root, path: at.path, create: nil, slot: mountRoot, lookup: at.lookup)]
  }
}
