import SpecParser

/// Reads which of the host folders a spec's `[[files]]` entries and mount points would be made in exist already,
/// and the overlay work folders the kernel makes, for the plan's summary of what `run` leaves on the host. Each
/// host folder (``HostPlacement``) is opened once; each path beneath it is looked up with openat2(2)
/// RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS, from the deepest up, stopping at the first that exists. A path that cannot
/// be told (a symlink on the way, no permission) is left out of the result: the plan then claims nothing about it.
public struct HostFolderReader<Reader: SystemReader> {
  let reader: Reader

  public init(reader: Reader) {
    self.reader = reader
  }

  /// Whether each host path exists, by host path; empty without a mount namespace.
  /// - Parameters:
  ///   - sources: the bind sources and overlay folders as ``HostPathResolver`` resolved them (run opens those).
  ///   - hostTree: with the host's tree as the root, the `[[files]]` paths and mount targets as it resolved them.
  ///   - inRoot: in a root folder, where a symlink on the way takes a path (``HostEntryReader/destinations(for:)``):
  ///     run makes the missing folders at that destination, so those are the ones read.
  public func read(
    for spec: Spec, sources: [String: ResolvedHostPath] = [:], hostTree: [String: ResolvedHostPath] = [:],
    inRoot: [String: String] = [:]
  ) -> [String: Bool] {
    guard spec.unshares(.mount) else { return [:] }
    let placement = HostPlacement(spec: spec, sources: sources, hostTree: hostTree)
    var result: [String: Bool] = [:]
    var bases: [String: Int32] = [:]
    // The folders opened beneath each base, by the base's fd: many paths in one folder open it once.
    var folders: [Int32: OpenedFolders<Reader>] = [:]
    defer {
      for index in folders.indices { folders.values[index].closeAll() }
      for fd in bases.values { reader.close(fd) }
    }
    let made = spec.files.map(\.path) + spec.mounts.map(\.target)
    for written in made {
      let (writtenBase, onRootTree) = placement.locate(written)
      let path = onRootTree ? inRoot[written] ?? placement.landing(of: written, onRootTree: true) : written
      // Landing where it is written, it lies in the same host folder: no second look for its mount.
      guard let base = path == written ? writtenBase : placement.base(of: path),
        let fd = open(base.host, root: spec.root, cache: &bases)
      else {
        continue
      }
      // The path itself, then each folder above it, deepest first, until one exists.
      for sandboxPath in ([path] + base.foldersAbove(path).reversed()) {
        let host = base.hostPath(of: sandboxPath)
        if let known = result[host] {
          if known { break } else { continue }
        }
        guard
          let exists = exists(
            AbsolutePath.rest(of: sandboxPath, in: base.sandbox),
            in: &folders[fd, default: OpenedFolders(reader: reader, root: fd)])
        else { break }
        result[host] = exists
        if exists { break }
      }
    }
    for folder in HostPlacement.overlayWorkFolders(spec, index: true) {
      let parent = String(folder[..<(folder.lastIndex(of: "/") ?? folder.startIndex)])
      guard let fd = open(parent, root: spec.root, cache: &bases) else { continue }
      if let exists = exists(
        folder[(folder.lastIndex(of: "/") ?? folder.startIndex)...],
        in: &folders[fd, default: OpenedFolders(reader: reader, root: fd)])
      {
        result[folder] = exists
      }
    }
    return result
  }

  /// Whether overlayfs makes an index folder by default (/sys/module/overlay/parameters); false when not loaded.
  public func overlayMakesIndex(_ spec: Spec) -> Bool {
    guard !HostPlacement.overlayWorkFolders(spec, index: false).isEmpty else { return false }
    return ["index", "nfs_export"].contains { name in
      (try? reader.readFile("/sys/module/overlay/parameters/\(name)"))?.first == UInt8(ascii: "Y")
    }
  }

  /// The host folder `host` opened as run opens it (a root folder through no symlink), once per folder.
  private func open(_ host: String, root: Root, cache: inout [String: Int32]) -> Int32? {
    if let fd = cache[host] { return fd }
    let fd: Int32?
    if case .directory(host) = root.kind {
      fd = try? reader.openDirectoryWithoutSymlinks(host)
    } else {
      fd = try? reader.openPath(host.isEmpty ? "/" : host)
    }
    if let fd { cache[host] = fd }
    return fd
  }

  /// true when `relative` exists beneath the base `folders` opens in (a final symlink itself counts), false when it does not (ENOENT),
  /// nil when that cannot be told.
  private func exists(_ relative: Substring, in folders: inout OpenedFolders<Reader>) -> Bool? {
    guard let slash = relative.lastIndex(of: "/") else { return nil }
    let name = String(relative[relative.index(after: slash)...])
    guard !name.isEmpty else { return true }
    do {
      let parent = try folders.open(slash == relative.startIndex ? "/" : String(relative[..<slash])).get()
      _ = try reader.fileKind(parent, name)
      return true
    } catch {
      return error.errno == ErrnoNames.ENOENT ? false : nil
    }
  }
}
