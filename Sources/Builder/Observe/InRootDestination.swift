import SpecParser

extension HostEntryReader {
  /// Where the spec's `[[files]]` entries and mount targets land in a root folder when a symlink on the way leads
  /// elsewhere, by sandbox path: `run` follows such a link inside the root and makes what is missing at its
  /// destination (see ``InRootWalk``), and `plan` names that place. Empty but for a root folder.
  public func destinations(for spec: Spec) -> [String: String] {
    guard spec.unshares(.mount), case .directory(let folder) = spec.root.kind,
      let root = try? reader.openDirectoryWithoutSymlinks(folder)
    else { return [:] }
    defer { reader.close(root) }
    let targets = Set(spec.mounts.map(\.target))
    var paths: [(String, Bool)] = []
    for file in spec.files where !AbsolutePath.isBeneath(anyOf: targets, file.path, orAt: true) {
      paths.append((file.path, file.kind == .dir))  // a file or a link is made at its own name, never through one
    }
    for mount in spec.mounts where !AbsolutePath.isBeneath(anyOf: targets, mount.target, orAt: false) {
      paths.append((mount.target, true))
    }
    var result: [String: String] = [:]
    for (path, followsLast) in paths {
      if let destination = destination(of: path, beneath: root, followsLast: followsLast), destination != path {
        result[path] = destination
      }
    }
    return result
  }

  /// `path` resolved beneath `root` as ``InRootWalk`` resolves it, reading only: symlinks followed inside the root,
  /// `..` never above it, and from the first missing component on, the rest taken as written. nil for a link loop.
  func destination(of path: String, beneath root: Int32, followsLast: Bool) -> String? {
    var pending = path.split(separator: "/").filter { $0 != "." }.map(String.init).reversed().map { $0 }
    let last = followsLast ? nil : pending.first
    if !followsLast, !pending.isEmpty { pending.removeFirst() }
    // Each folder walked, by name, with its fd while it exists.
    var stack: [(fd: Int32?, name: String)] = []
    defer { for case let fd? in stack.map(\.fd) { reader.close(fd) } }
    var links = 0
    while let part = pending.popLast() {
      if part == ".." {
        if let top = stack.popLast(), let fd = top.fd { reader.close(fd) }
        continue
      }
      guard let folder = stack.isEmpty ? root : stack[stack.count - 1].fd else {
        stack.append((nil, part))
        continue
      }
      do {
        stack.append((try reader.openInRootWithoutSymlinks(folder, part), part))
      } catch  where error.errno == ErrnoNames.ELOOP && (try? reader.fileKind(folder, part)) == .symlink {
        links += 1
        guard links <= PathResolution.maximumSymlinks, let text = try? reader.readLink(folder, part) else {
          return nil
        }
        if text.hasPrefix("/") {
          for case let fd? in stack.map(\.fd) { reader.close(fd) }
          stack = []
        }
        pending += text.split(separator: "/").filter { $0 != "." }.map(String.init).reversed()
      } catch {
        stack.append((nil, part))
      }
    }
    return "/" + (stack.map(\.name) + [last].compactMap { $0 }).joined(separator: "/")
  }
}
