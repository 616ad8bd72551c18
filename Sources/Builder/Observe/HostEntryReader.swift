import SpecParser

/// Reads what already stands where a spec's `[[files]]` entries and mount points would be made, on the tree they
/// are made on: the host's own (`[root]` absent) or a root folder. Each path is looked up as `run` will look it up,
/// beneath that tree's root with openat2(2) RESOLVE_IN_ROOT, never through a symlink out of it. Paths beneath one of
/// the spec's own mounts are left unread: they land on that mount (or in a bind's source), not where they would be
/// read here, so the plan counts them as new; so are paths with a symlink on the way, which could lead there.
public struct HostEntryReader<Reader: SystemReader> {
  let reader: Reader
  /// Contents are read for comparison up to this size (bytes), or a `[[files]]` entry's own length if larger; a
  /// larger file counts as "something else".
  static var comparedBytes: Int { 65536 }

  public init(reader: Reader) {
    self.reader = reader
  }

  /// The entries by sandbox path; absent paths are missing from the result. Empty for a tmpfs root, or without a
  /// mount namespace.
  /// - Parameter resolved: the host's tree paths as ``HostPathResolver`` resolved them: each is read where `run`
  ///   will make it, with the symlinks plan shows already followed.
  public func read(for spec: Spec, resolved: [String: ResolvedHostPath] = [:]) -> [String: HostEntry] {
    guard spec.unshares(.mount), let root = openRoot(spec.root.kind) else { return [:] }
    defer { reader.close(root) }
    let targets = Set(spec.mounts.map(\.target))
    // In a root folder, each is read where run will make it (through a symlink's destination inside the root).
    let moved = destinations(for: spec)
    var entries: [String: HostEntry] = [:]
    var folders = OpenedFolders(reader: reader, root: root)
    defer { folders.closeAll() }
    for file in spec.files where !AbsolutePath.isBeneath(anyOf: targets, file.path, orAt: true) {
      // Contents as long as the entry's own are read in full, so an identical file of any size compares equal.
      // A symlink that leads beneath one of the spec's mounts lands there: nothing to read on the host.
      let path = resolved[file.path]?.path ?? moved[file.path] ?? file.path
      guard !AbsolutePath.isBeneath(anyOf: targets, path, orAt: true) || path == file.path else { continue }
      let limit = max(Self.comparedBytes, file.content.utf8.count)
      entries[file.path] = entry(path, in: &folders, compare: limit)
    }
    for mount in spec.mounts where !AbsolutePath.isBeneath(anyOf: targets, mount.target, orAt: false) {
      let path = resolved[mount.target]?.path ?? moved[mount.target] ?? mount.target
      guard !AbsolutePath.isBeneath(anyOf: targets, path, orAt: false) || path == mount.target else { continue }
      entries[mount.target] = entry(path, in: &folders, compare: Self.comparedBytes)
    }
    return entries
  }

  private func openRoot(_ kind: Root.Kind) -> Int32? {
    switch kind {
    case .host: try? reader.openPath("/")
    case .directory(let folder): try? reader.openDirectoryWithoutSymlinks(folder)
    case .tmpfs: nil
    }
  }

  /// What stands at `path` beneath the root `folders` opens in (each folder opened once for every entry in it).
  private func entry(_ path: String, in folders: inout OpenedFolders<Reader>, compare limit: Int) -> HostEntry? {
    var parts = path.split(separator: "/").map(String.init)
    // A symlink on the way could lead beneath one of the spec's mounts, where the entry is not what is read here:
    // such a path is left unread, and so counts as new.
    guard let name = parts.popLast(),
      case .success(let parent) = folders.open("/" + parts.joined(separator: "/"))
    else { return nil }
    guard let kind = try? reader.fileKind(parent, name) else { return nil }
    switch kind {
    case .directory: return .directory
    case .symlink: return .symlink(to: (try? reader.readLink(parent, name)) ?? "")
    case .regular:
      let contents = try? reader.readExistingFile(parent, name)
      return .file(contents: contents.flatMap { $0.count <= limit ? $0 : nil })
    case .other: return .other
    }
  }
}
