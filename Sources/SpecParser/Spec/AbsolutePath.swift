/// Where one absolute path stands against another, in one place: "is this path beneath that mount", "what lies
/// below it there", "the folders above it". Paths are normalised, as the decoder leaves every spec path: they start
/// with `/` and hold no `.`, `..`, `//` or trailing `/`.
public enum AbsolutePath {
  /// Whether `path` is `folder` or lies beneath it; every path lies within `/`.
  public static func isWithin(_ path: String, _ folder: String) -> Bool {
    folder == "/" || path == folder || (path.hasPrefix(folder) && path.dropFirst(folder.count).first == "/")
  }

  /// Whether `path` lies beneath `folder`, `folder` itself left out.
  public static func isBeneath(_ path: String, _ folder: String) -> Bool {
    path != folder && isWithin(path, folder)
  }

  /// What follows `folder` in `path`, which lies within it: `/b/c` for `/a/b/c` in `/a` and for `/b/c` in `/`;
  /// empty for `folder` itself.
  public static func rest(of path: String, in folder: String) -> Substring {
    path.dropFirst(folder == "/" ? 0 : folder.count)
  }

  /// The folders above `path`, nearest last: `/a/b/c` gives `/`, `/a`, `/a/b`; none for `/`. Slices of `path`, so
  /// that looking up every entry's ancestors allocates no strings.
  public static func ancestors(of path: String) -> [Substring] {
    let bytes = path.utf8
    guard path != "/", bytes.first == UInt8(ascii: "/") else { return [] }
    // One pass over the bytes: a slash is ASCII, so each one's index is also a valid String index.
    var result: [Substring] = []
    result.reserveCapacity(4)
    result.append(path[..<bytes.index(after: bytes.startIndex)])
    var index = bytes.index(after: bytes.startIndex)
    while index < bytes.endIndex {
      if bytes[index] == UInt8(ascii: "/") { result.append(path[..<index]) }
      index = bytes.index(after: index)
    }
    return result
  }

  /// Whether one of `folders` (mount targets, say) lies above `path`, or with `orAt` is `path` itself: then `path`
  /// is made on that mount, not on the tree beneath it. As many lookups as `path` is deep.
  public static func isBeneath(anyOf folders: Set<String>, _ path: String, orAt: Bool) -> Bool {
    (orAt && folders.contains(path)) || ancestors(of: path).contains { folders.contains(String($0)) }
  }

  /// The folder holding `path`: `/a` for `/a/b`, `/` for `/a`; nil for `/` itself.
  public static func parent(of path: String) -> String? {
    guard path != "/", let slash = path.lastIndex(of: "/") else { return nil }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }
}

/// The spec's mounts by target, so that the deepest mount above a path is found by looking up the path's ancestors
/// (as many as its depth) instead of testing every mount: `check` and `plan` stay linear in the number of mounts.
public struct MountsByTarget: Sendable {
  private let mounts: [Mount]
  /// The index in `mounts` by target; with two on one target, the last in spec order (the one on top). Keyed by
  /// slices, so that looking up a path's ancestors (slices of it) makes no strings, and holding an index rather than
  /// a copy of each mount.
  private var indexByTarget: [Substring: Int] = [:]

  public init(_ mounts: [Mount]) {
    self.mounts = mounts
    indexByTarget.reserveCapacity(mounts.count)
    for (index, mount) in mounts.enumerated() { indexByTarget[mount.target[...]] = index }
  }

  /// The deepest mount whose target is a proper ancestor of `path`, if any: the mount `path` is made on.
  public func deepest(above path: String) -> (target: String, mount: Mount)? {
    guard !indexByTarget.isEmpty else { return nil }
    for ancestor in AbsolutePath.ancestors(of: path).reversed() {
      if let index = indexByTarget[ancestor] { return (String(ancestor), mounts[index]) }
    }
    return nil
  }
}
