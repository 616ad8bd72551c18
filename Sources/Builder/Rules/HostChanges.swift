import SpecParser

/// The paths `run` would leave changed on the host, as host paths: files and mount points beneath a bind land in
/// its source folder (as plan resolved it) (beneath an overlay with an upper folder, in that folder); on the host's
/// tree, files not already there and mount points that do not exist yet; in a root folder, every file and mount
/// point; on a tmpfs root, only what lies beneath a bind. Each comes after the missing folders `run` makes above it
/// (`folder /a/b`), and every overlay work folder the kernel makes (`overlay work folder /w/work`) is listed too.
///
/// A rule over the spec and what was read of the host, in one place for both sides: the planner lists these in the
/// plan, and the observer reads which of them lie where no birth time is kept (see ``BirthTimeReader``).
struct HostChanges {
  let spec: Spec
  let state: ObservedState
  /// Where paths land on the host, built once (a lookup per entry stays linear in the mounts).
  let placement: HostPlacement

  init(spec: Spec, state: ObservedState) {
    self.spec = spec
    self.state = state
    self.placement = HostPlacement(spec: spec, sources: state.hostSources, hostTree: state.hostTreePaths)
  }

  /// Each change once, in spec order: `folder PATH`, `PATH` (a `[[files]]` entry), `mount point PATH`,
  /// `overlay work folder PATH`.
  func list() -> [String] {
    guard spec.unshares(.mount) else { return [] }
    var result: [String] = []
    for file in spec.files {
      // Unchanged, or something else there: run leaves it as it is (in the second case it refuses and fails).
      guard case .create = FileChange.of(file, existing: state.hostEntries[file.path]) else { continue }
      result += made(file.path, as: "", createdAsMountPoint: false)
    }
    for mount in spec.mounts {
      result += made(mount.target, as: "mount point ", createdAsMountPoint: true)
    }
    for folder in HostPlacement.overlayWorkFolders(spec, index: state.overlayMakesIndex)
    where state.hostPathExists[folder] != true {
      result.append("overlay work folder " + folder)
    }
    // Two mounts on one target make one mount point; two entries in one folder make it once.
    var seen: Set<String> = []
    return result.filter { seen.insert($0).inserted }
  }

  /// What making `path` leaves on the host: the folders above it known to be missing, then the entry itself.
  private func made(_ path: String, as label: String, createdAsMountPoint: Bool) -> [String] {
    // Something in the way (a dangling symlink, a file for a folder): run refuses, and makes nothing of it.
    let (found, onRootTree) = placement.locate(path)
    guard let base = found, state.obstacles[path] == nil else { return [] }
    // On the host's tree or in a root folder, an existing mount point is used as it is.
    if createdAsMountPoint, onRootTree, state.hostEntries[path] != nil { return [] }
    // In a root folder, a dangling symlink on the way leads run to make the entry at its destination inside the root;
    // on the host's tree, run makes it where plan resolved it (the symlinks it shows followed).
    let landing =
      onRootTree ? state.inRootDestinations[path] ?? placement.landing(of: path, onRootTree: true) : path
    let host = base.hostPath(of: landing)
    if state.hostPathExists[host] == true { return [] }
    // A path that lands where it is written lies in the same host folder: no second look for its mount.
    let folders = landing == path ? foldersMade(above: landing, in: base) : foldersMade(above: landing)
    return folders.map { "folder " + $0 } + [label + host]
  }

  /// The host folders above `path` that `run` makes (mkdir -p, 0755) because they are known to be missing.
  func foldersMade(above path: String) -> [String] {
    guard let base = placement.base(of: path) else { return [] }
    return foldersMade(above: path, in: base)
  }

  /// ``foldersMade(above:)`` for a path known to be made in `base`.
  private func foldersMade(above path: String, in base: HostPlacement.Base) -> [String] {
    base.foldersAbove(path).map(base.hostPath(of:)).filter { state.hostPathExists[$0] == false }
  }
}
