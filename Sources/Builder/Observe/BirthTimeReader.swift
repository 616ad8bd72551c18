import SpecParser

/// Finds which of the host paths `run` would make lie on a file system that keeps no birth times (tmpfs before
/// Linux 6.x, ramfs, NFS, some FUSE file systems): there a failed run's undo cannot tell the file it made from one
/// that took its name (and inode number) since, so it leaves it.
struct BirthTimeReader<Reader: SystemReader> {
  let reader: Reader

  /// `changes` as ``HostChanges/list()`` lists them; each is looked up at its nearest existing folder (what it
  /// would be made in), one statx(2) per folder.
  /// A path `exists` says is missing is looked up from its folder (`run` makes it there), without a statx(2) of its
  /// own.
  func paths(withoutBirthTimesIn changes: [String], exists: [String: Bool] = [:]) -> [String] {
    var known: [String: Bool] = [:]
    return changes.compactMap { change in
      let path = change.hasPrefix("mount point ") ? String(change.dropFirst("mount point ".count)) : change
      var folder = path
      if exists[path] == false, let parent = AbsolutePath.parent(of: path) { folder = parent }
      while true {
        if let keeps = known[folder] { return keeps ? nil : path }
        if let keeps = reader.keepsBirthTimes(folder) {
          known[folder] = keeps
          return keeps ? nil : path
        }
        guard let parent = AbsolutePath.parent(of: folder) else { return nil }
        folder = parent
      }
    }
  }
}
