import SpecParser

/// Resolves a path beneath a root fd one component at a time, as openat2(2) `RESOLVE_IN_ROOT` does, and makes what
/// is missing on the way: a symlink is read and followed by hand, an absolute one from the root and `..` never above
/// it, so a dangling link's destination is made inside the root (as runc does for a mount target) and nothing is
/// ever reached or made outside it. Each component is opened with `RESOLVE_NO_SYMLINKS` relative to the folder
/// before it, so a component swapped for a symlink meanwhile is seen as one and followed the same way.
///
/// With `followsLinks` false (beneath a bind or an overlay, whose host folder may hold a link leading out of it, and
/// on the host's tree, where plan already followed the links it showed), any symlink on the way is refused (ELOOP).
/// With `makesLinkDestinations` false (the host's own tree as the root, where a link's destination is a host path
/// `plan` did not name), a missing component that a symlink's text leads to is refused instead, naming the link.
struct InRootWalk<Kernel: LinuxKernel> {
  let kernel: Kernel
  let root: Int32
  /// Whether a symlink on the way is followed inside the root (RESOLVE_IN_ROOT) or refused (RESOLVE_NO_SYMLINKS).
  let followsLinks: Bool
  let makesLinkDestinations: Bool
  /// Called with the folder, the name and the resolved path (no symlink in it) of each entry made.
  let made: (Int32, String, String, Bool) -> Void

  /// What to make when the last component is missing.
  enum Last {
    /// Resolve all but the last component; the last is the caller's to make (a file, a symlink).
    case parentOnly
    /// Follow the last component too, making it as a folder with `mode`, or an empty file with `mode`.
    case directory(mode: UInt32)
    case file(mode: UInt32)
    /// Follow it, make nothing.
    case existing
  }

  /// `path` with why the symlink on its way was refused, for an ELOOP error.
  static func refusedLink(_ path: String) -> String {
    "\(path) (a symlink on the way, which nsbuild does not follow beneath a bind or where plan showed none)"
  }

  /// A pending component, and the symlink whose text it came from (for the message when it is refused).
  private struct Part {
    var name: String
    var link: String?
  }

  /// A folder the walk stands in, by its fd and its name in the folder before it.
  private struct Place {
    var fd: Int32
    var name: String
  }

  private static func parts(_ path: String, link: String?) -> [Part] {
    path.split(separator: "/").filter { $0 != "." }.map { Part(name: String($0), link: link) }
  }

  /// Resolves `path`; returns an fd of what it ends on (O_PATH) and, for `.parentOnly`, the last name (else "").
  /// The caller closes the fd.
  func resolve(_ path: String, last: Last) throws(SyscallError) -> (fd: Int32, name: String) {
    var pending = Array(Self.parts(path, link: nil).reversed())
    var lastName = ""
    if case .parentOnly = last {
      guard let final = pending.first, final.name != ".." else {
        throw SyscallError(call: "openat2", errno: ErrnoNames.EINVAL, path: path)
      }
      lastName = final.name
      pending.removeFirst()
    }
    var stack: [Place] = []
    defer { for place in stack.dropLast() { kernel.close(place.fd) } }
    var links = 0
    var attempts = 0
    while let part = pending.popLast() {
      if part.name == ".." {
        if let top = stack.popLast() { kernel.close(top.fd) }
        continue
      }
      let folder = stack.last?.fd ?? root
      let here = "/" + (stack.map(\.name) + [part.name]).joined(separator: "/")
      do {
        stack.append(Place(fd: try kernel.openInRootWithoutSymlinks(folder, part.name), name: part.name))
        attempts = 0
        continue
      } catch  where error.errno == ErrnoNames.ELOOP {
        guard (try? kernel.fileKind(folder, part.name)) == .symlink else { throw named(error, here) }
        guard followsLinks else { throw named(error, Self.refusedLink(here)) }
        links += 1
        guard links <= PathResolution.maximumSymlinks else { throw named(error, path) }
        let text = try kernel.readLink(folder, part.name)
        if text.hasPrefix("/") {
          for place in stack { kernel.close(place.fd) }
          stack = []
        }
        pending += Self.parts(text, link: "\(here) (a symlink to \(text))").reversed()
      } catch  where error.errno == ErrnoNames.ENOENT {
        // With `.parentOnly` the last name was set aside: every component walked here is a folder on the way.
        var isLast = pending.isEmpty
        if case .parentOnly = last { isLast = false }
        if let link = part.link, !makesLinkDestinations {
          throw SyscallError(
            call: "openat2", errno: ErrnoNames.ENOENT,
            path: "\(link): its destination does not exist, and on the host's tree nsbuild makes none")
        }
        if !isLast, case .existing = last { throw named(error, here) }
        // A racing maker may win (EEXIST): the component is then looked at again, a bounded number of times each.
        attempts += 1
        guard attempts <= PathResolution.maximumSymlinks else { throw named(error, here) }
        try make(part.name, in: folder, at: here, as: isLast ? last : .directory(mode: 0o755))
        pending.append(part)
      } catch {
        throw named(error, here)
      }
    }
    if let top = stack.popLast() { return (top.fd, lastName) }
    return (try kernel.openInRoot(root, "/"), lastName)
  }

  private func named(_ error: SyscallError, _ path: String) -> SyscallError {
    SyscallError(call: error.call, errno: error.errno, path: path)
  }

  /// Makes `name` in `folder` as `last` says; a name taken meanwhile (EEXIST) is left for the walk to look at again.
  private func make(_ name: String, in folder: Int32, at path: String, as last: Last) throws(SyscallError) {
    do throws(SyscallError) {
      switch last {
      case .file(let mode):
        try kernel.writeFile(folder, name, contents: [], mode: mode)
        made(folder, name, path, false)
      case .directory(let mode):
        try kernel.makeDirectory(folder, name, mode: mode)
        made(folder, name, path, true)
        // mkdirat applies the umask; a folder left with another mode than the spec's is an error, not a surprise.
        try kernel.changeDirectoryMode(folder, name, mode: mode)
      case .parentOnly, .existing:
        throw SyscallError(call: "openat2", errno: ErrnoNames.ENOENT, path: path)
      }
    } catch  where error.errno == ErrnoNames.EEXIST {
    } catch {
      throw named(error, path)
    }
  }
}
