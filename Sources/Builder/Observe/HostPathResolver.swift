import SpecParser

/// A host path as `plan` read it: every symlink on the way replaced by what it points to, and the links passed.
public struct ResolvedHostPath: Sendable, Hashable {
  /// Absolute, with no symlink left on the way as plan saw the host (missing parts are kept as written).
  public var path: String
  /// Each symlink followed, in order.
  public var links: [HostLink]
  /// A symlink on the way that another user could change (see ``HostPathResolver``): not followed, so `run`, which
  /// opens ``path`` through no symlink, refuses it (ELOOP).
  public var untrusted: HostLink?
  /// On the host's tree, a symlink whose destination does not exist: not followed, since run would make that
  /// destination, a host path of the link's choosing; `run` refuses it (ELOOP), as it does any link left in ``path``.
  public var dangling: HostLink?

  public init(path: String, links: [HostLink], untrusted: HostLink? = nil, dangling: HostLink? = nil) {
    self.path = path
    self.links = links
    self.untrusted = untrusted
    self.dangling = dangling
  }
}

/// Resolves host paths the way the kernel would, one name at a time with fstatat(2) and readlinkat(2), so that
/// `plan` can show each symlink on the way and `run` can open the result with RESOLVE_NO_SYMLINKS: a symlink that
/// appears or changes between the two is then refused, never followed.
///
/// A symlink is followed only when nobody but root and the caller could have put it there or change it: the link
/// and its folder are owned by root or the caller, and the folder is writable by no one else (or is sticky, as /tmp
/// is, where no one else can rename or remove the link). `/bin -> usr/bin` is followed; a link another user made,
/// or one in a folder another user can write (and so swap a folder for a link in), is not: `run` refuses it.
public struct HostPathResolver<Reader: SystemReader> {
  let reader: Reader
  /// Root and the caller (real and effective user IDs).
  let trustedOwners: Set<UInt32>
  /// The folder paths are looked up beneath (a live sandbox's root, `/proc/PID/root` held open), each folder on the
  /// way opened with RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS, so no symlink the lookup did not judge is followed; nil:
  /// the host's own tree, by absolute path.
  let root: Int32?
  /// AT_FDCWD: the names given are absolute, so the folder fd is ignored.
  private static var anyFolder: Int32 { -100 }

  /// - Parameter root: an fd of the folder `/` stands for (see ``root``); the caller keeps it open meanwhile.
  public init(reader: Reader, caller: [UInt32] = [], root: Int32? = nil) {
    self.reader = reader
    self.trustedOwners = Set([0] + caller)
    self.root = root
  }

  /// `body` on the entry at absolute `path` (fstatat(2)/readlinkat(2) style: a folder fd and a last name): by its
  /// absolute path on the host's tree; beneath ``root``, its folder opened there first, following no symlink.
  private func at<T>(_ path: String, _ body: (Int32, String) throws(SyscallError) -> T) throws(SyscallError) -> T {
    guard let root else { return try body(Self.anyFolder, path) }
    var parts = path.split(separator: "/")
    let name = parts.popLast().map(String.init) ?? "."
    let folder = try reader.openInRootWithoutSymlinks(root, "/" + parts.joined(separator: "/"))
    defer { reader.close(folder) }
    return try body(folder, name)
  }

  private func kind(_ path: String) -> FileKind? {
    try? at(path) { (folder, name) throws(SyscallError) in try reader.fileKind(folder, name) }
  }

  private func link(_ path: String) -> String? {
    try? at(path) { (folder, name) throws(SyscallError) in try reader.readLink(folder, name) }
  }

  private func owner(_ path: String) -> (uid: UInt32, mode: UInt32)? {
    try? at(path) { (folder, name) throws(SyscallError) in try reader.ownerAndMode(folder, name) }
  }

  /// Whether only root and the caller could have made, or could change, the link `name` in `folder`.
  private func isTrusted(_ name: String, in folder: String) -> Bool {
    guard let link = owner(name), let parent = owner(folder) else { return false }
    let othersWrite = parent.mode & 0o022 != 0
    let sticky = parent.mode & 0o1000 != 0
    return trustedOwners.contains(link.uid) && trustedOwners.contains(parent.uid) && (!othersWrite || sticky)
  }

  /// The host paths a spec opens before any mount (bind sources, overlay folders, device nodes), by path as written.
  /// A root folder is left out: it is opened through no symlink at all.
  public func readSources(for spec: Spec) -> [String: ResolvedHostPath] {
    guard spec.unshares(.mount) else { return [:] }
    var paths = HostSources.paths(of: spec, devices: true)
    if case .directory(let directory) = spec.root.kind { paths.removeAll { $0 == directory } }
    return Dictionary(paths.map { ($0, resolve($0)) }, uniquingKeysWith: { first, _ in first })
  }

  /// With the host's tree as the root: the `[[files]]` paths and mount targets that lie on it (beneath none of the
  /// spec's mounts), by path as written. A lookup stops at a mount target: what lies beneath is the mount's.
  public func readHostTree(for spec: Spec) -> [String: ResolvedHostPath] {
    guard spec.unshares(.mount), case .host = spec.root.kind else { return [:] }
    let targets = Set(spec.mounts.map(\.target))
    var result: [String: ResolvedHostPath] = [:]
    // A [[files]] entry is the last name itself (a link there is what the entry compares with): only its folder is
    // resolved. A mount target is followed to the end, as mount(2) would follow it.
    // Folders on the way are looked up once for all paths through them (100,000 mounts in /tmp: /tmp once).
    var folders: [String: FileKind?] = [:]
    for file in spec.files
    where result[file.path] == nil && !AbsolutePath.isBeneath(anyOf: targets, file.path, orAt: true) {
      var parts = file.path.split(separator: "/")
      guard let name = parts.popLast() else { continue }
      var folder = resolve(
        "/" + parts.joined(separator: "/"), stoppingAt: targets, refusingDangling: true, folders: &folders)
      folder.path = (folder.path == "/" ? "" : folder.path) + "/" + name
      result[file.path] = folder
    }
    for path in spec.mounts.map(\.target)
    where result[path] == nil && !AbsolutePath.isBeneath(anyOf: targets, path, orAt: false) {
      result[path] = resolve(path, stoppingAt: targets, refusingDangling: true, folders: &folders)
    }
    return result
  }

  /// The `[[files]]` paths and mount targets beneath a bind, with the first symlink on the way inside the bind's
  /// source (read on the host, where the source lies): `run` follows none there, so plan can say it will refuse.
  public func readBeneathBinds(for spec: Spec, sources: [String: ResolvedHostPath]) -> [String: HostLink] {
    guard spec.unshares(.mount) else { return [:] }
    let mounts = MountsByTarget(spec.mounts)
    var result: [String: HostLink] = [:]
    for path in spec.files.map(\.path) + spec.mounts.map(\.target) {
      guard let (target, mount) = mounts.deepest(above: path), mount.kind == .bind, let source = mount.source else {
        continue
      }
      let folder = sources[source]?.path ?? source
      var at = folder == "/" ? "" : folder
      for name in AbsolutePath.rest(of: path, in: target).split(separator: "/") {
        at += "/" + name
        guard let kind = kind(at) else { break }
        if kind == .symlink {
          result[path] = HostLink(path: at, destination: link(at) ?? "?")
          break
        }
      }
    }
    return result
  }

  /// `path` with every symlink on the way replaced; a name that does not exist ends the lookup (the rest is kept).
  /// With `refusingDangling` (the host's tree, where run makes what is missing), a link whose destination does not
  /// exist is kept unfollowed and named in ``ResolvedHostPath/dangling``.
  public func resolve(_ path: String, stoppingAt stops: Set<String> = [], refusingDangling: Bool = false)
    -> ResolvedHostPath
  {
    var folders: [String: FileKind?] = [:]
    return resolve(path, stoppingAt: stops, refusingDangling: refusingDangling, folders: &folders)
  }

  /// ``resolve(_:stoppingAt:refusingDangling:)`` for one of many paths: `folders` keeps what each name that was not
  /// the last to look up turned out to be (nil: it could not be read), for the paths after it.
  func resolve(
    _ path: String, stoppingAt stops: Set<String>, refusingDangling: Bool, folders: inout [String: FileKind?]
  ) -> ResolvedHostPath {
    /// A name still to look at, and the link (by its index in `followed`) whose text it came from.
    typealias Pending = (name: Substring, link: Int?)
    /// Each link followed, and the lookup as it stood just before: a dangling one is taken back to there.
    var followed: [(link: HostLink, done: [Substring], pending: [Pending])] = []
    var done: [Substring] = []
    var pending: [Pending] = path.split(separator: "/").reversed().map { ($0, nil) }
    var untrusted: HostLink?
    var dangling: HostLink?
    var stopped = false
    while let (name, from) = pending.popLast() {
      if name == "." { continue }
      if name == ".." {
        _ = done.popLast()
        continue
      }
      let folder = Self.absolute(done)
      let candidate = Self.absolute(done, then: name)
      if !stops.isEmpty, stops.contains(folder) { stopped = true }
      let kind: FileKind?
      if stopped {
        kind = nil
      } else if pending.isEmpty {
        kind = self.kind(candidate)
      } else if let known = folders[candidate] {
        kind = known
      } else {
        kind = self.kind(candidate)
        folders[candidate] = kind
      }
      if refusingDangling, !stopped, kind == nil, let from {
        // Missing, and named by a link's text: that link dangles. Back to just before it, the link kept.
        let origin = followed[from]
        dangling = origin.link
        done = origin.done + [Substring(origin.link.path.split(separator: "/").last ?? "")]
        pending = origin.pending
        followed.removeSubrange(from...)
        stopped = true
        continue
      }
      guard !stopped, followed.count < PathResolution.maximumSymlinks, kind == .symlink,
        let destination = link(candidate)
      else {
        done.append(name)
        continue
      }
      guard isTrusted(candidate, in: folder) else {
        untrusted = HostLink(path: candidate, destination: destination)
        stopped = true
        done.append(name)
        continue
      }
      followed.append((HostLink(path: candidate, destination: destination), done, pending))
      let index = followed.count - 1
      if destination.hasPrefix("/") { done = [] }
      pending += destination.split(separator: "/").reversed().map { ($0, index) }
    }
    return ResolvedHostPath(
      path: Self.absolute(done), links: followed.map(\.link), untrusted: untrusted, dangling: dangling)
  }

  /// `/` followed by `names` (and `last`) joined by `/`: `/` for none. Built in place, as a lookup makes one or two
  /// for every name of every path.
  private static func absolute(_ names: [Substring], then last: Substring? = nil) -> String {
    var path = "/"
    for (index, name) in names.enumerated() {
      if index > 0 { path += "/" }
      path += name
    }
    if let last {
      if !names.isEmpty { path += "/" }
      path += last
    }
    return path
  }
}
