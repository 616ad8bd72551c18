import SpecParser

/// Something on the way to a `[[files]]` path or a mount target that makes `run` fail where it would make a folder.
public enum HostObstacle: Sendable, Hashable {
  /// On the host's own tree, the symlink at host path `link` leads to `destination`, which does not exist: `run`
  /// makes no folder through a link there (it would be a host path `plan` did not name), so it refuses.
  case danglingLink(link: String, destination: String)
  /// The entry at host path `path` is not a folder (a file, a device), yet a folder is needed there: ENOTDIR.
  case notAFolder(path: String)
}

/// Reads, for each `[[files]]` entry and mount target on the root tree (the host's own or a root folder, beneath none
/// of the spec's mounts), the first obstacle on the way, walking down from the root with openat2(2)
/// RESOLVE_NO_SYMLINKS as `run` does. The walk stops at the first missing name (run makes the rest), at a symlink
/// that leads somewhere (run follows it; where is not told here), or at anything it cannot read.
public struct HostObstacleReader<Reader: SystemReader> {
  let reader: Reader

  public init(reader: Reader) {
    self.reader = reader
  }

  /// What the walks found, by sandbox path; empty without a mount namespace or with a tmpfs root.
  public func read(for spec: Spec) -> (obstacles: [String: HostObstacle], makingFolders: [String: MakingFolder]) {
    guard spec.unshares(.mount) else { return ([:], [:]) }
    let host: String
    let root: Int32
    switch spec.root.kind {
    case .host: (host, root) = ("/", (try? reader.openPath("/")) ?? -1)
    case .directory(let folder): (host, root) = (folder, (try? reader.openDirectoryWithoutSymlinks(folder)) ?? -1)
    case .tmpfs: return ([:], [:])
    }
    guard root >= 0 else { return ([:], [:]) }
    defer { reader.close(root) }
    let placement = HostPlacement(spec: spec)
    // A mount target or a folder entry is itself a folder run makes (or a link it follows); a file's own name is
    // the entry, compared by the plan's host entries instead.
    let paths = spec.mounts.map { ($0.target, true) } + spec.files.map { ($0.path, $0.kind == .dir) }
    var obstacles: [String: HostObstacle] = [:]
    var making: [String: MakingFolder] = [:]
    var walked = Walked(folders: OpenedFolders(reader: reader, root: root))
    defer { walked.folders.closeAll() }
    for (path, isFolder) in paths where placement.isOnRootTree(path) && path != "/" {
      let steps = AbsolutePath.ancestors(of: path).map(String.init).filter { $0 != "/" } + [path]
      switch walk(steps, isFolder: isFolder, host: host, walked: &walked) {
      case .obstacle(let obstacle): obstacles[path] = obstacle
      case .makesIn(let folder): making[path] = folder
      case .nothing: break
      }
    }
    return (obstacles, making)
  }

  private enum Found {
    case obstacle(HostObstacle)
    case makesIn(MakingFolder)
    case nothing
  }

  /// What the walks share: paths after paths in the same folders (100,000 mounts in /tmp) open each folder once,
  /// look up a folder on the way once, and read a folder's owner once.
  private struct Walked {
    var folders: OpenedFolders<Reader>
    /// The kind of each folder on the way (not a walk's last name, which each walk looks up once), or its error.
    var kinds: [String: Result<FileKind, SyscallError>] = [:]
    var owners: [String: FileOwnership?] = [:]
  }

  private func walk(_ paths: [String], isFolder: Bool, host: String, walked: inout Walked) -> Found {
    for path in paths {
      let slash = path.lastIndex(of: "/") ?? path.startIndex
      let parentPath = slash == path.startIndex ? "/" : String(path[..<slash])
      guard case .success(let parent) = walked.folders.open(parentPath) else { return .nothing }
      let name = String(path[path.index(after: slash)...])
      let hostPath = host == "/" ? path : host + path
      let last = path == paths.last
      let looked: Result<FileKind, SyscallError>
      if !last, let known = walked.kinds[path] {
        looked = known
      } else {
        looked = Result { () throws(SyscallError) -> FileKind in try reader.fileKind(parent, name) }
        if !last { walked.kinds[path] = looked }
      }
      let kind: FileKind
      switch looked {
      case .success(let found): kind = found
      case .failure(let error):
        // The first missing name: run makes it (and what follows) in this folder, with the sandbox's credentials.
        guard error.errno == ErrnoNames.ENOENT, let owner = owner(of: parentPath, parent, &walked)
        else { return .nothing }
        let folder = host == "/" ? parentPath : (parentPath == "/" ? host : host + parentPath)
        return .makesIn(MakingFolder(folder: folder, name: hostPath, ownership: owner))
      }
      switch kind {
      case .directory: continue
      // A file bind's target and a `[[files]]` file are files; a folder entry on a file is the host entries' case.
      case .regular, .other: return path == paths.last ? .nothing : .obstacle(.notAFolder(path: hostPath))
      case .symlink:
        // In a root folder run follows the link inside the root and makes what is missing there; a file entry's
        // own name is compared by the host entries.
        guard host == "/", isFolder || path != paths.last, let destination = try? reader.readLink(parent, name),
          !reader.exists(path)
        else { return .nothing }
        return .obstacle(.danglingLink(link: path, destination: destination))
      }
    }
    return .nothing
  }

  /// The owner and mode of the folder `parent` opened at `path`, read once per folder.
  private func owner(of path: String, _ parent: Int32, _ walked: inout Walked) -> FileOwnership? {
    if let known = walked.owners[path] { return known }
    let owner = reader.ownership(of: parent)
    walked.owners[path] = owner
    return owner
  }
}

/// The existing folder on the host where `run` would make the first missing name on the way to a path, and its
/// owner and mode: in a user namespace the sandbox's root may not be allowed to write it.
public struct MakingFolder: Sendable, Hashable {
  /// The folder's host path.
  public var folder: String
  /// The host path of the first name made in it.
  public var name: String
  public var ownership: FileOwnership
}
