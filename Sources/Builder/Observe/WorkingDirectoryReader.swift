import SpecParser

/// Reads whether `[process] cwd` will be a folder, where ``WorkingDirectoryPlace`` says it lands on the
/// host: looked up beneath that host folder with openat2(2) RESOLVE_IN_ROOT, through no symlink (one could lead
/// beneath a mount of the spec, where the sandbox sees something else: then nothing is predicted).
public struct WorkingDirectoryReader<Reader: SystemReader> {
  let reader: Reader

  public init(reader: Reader) {
    self.reader = reader
  }

  /// nil when the place is not on the host (made by the spec, on a tmpfs, or not predictable), has a symlink on the
  /// way, or cannot be opened.
  public func exists(for spec: Spec) -> Bool? {
    guard case .beneath(let tree, let path) = WorkingDirectoryPlace(of: spec),
      let root = try? reader.openPath(tree)
    else { return nil }
    defer { reader.close(root) }
    do {
      let fd = try reader.openInRootWithoutSymlinks(root, path)
      defer { reader.close(fd) }
      return try reader.fileKind(of: fd) == .directory
    } catch {
      return error.errno == ErrnoNames.ENOENT || error.errno == ErrnoNames.ENOTDIR ? false : nil
    }
  }
}
