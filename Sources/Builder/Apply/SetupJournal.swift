import SpecParser

/// What init made while building the sandbox, so that a failed setup takes it back: a failed run must leave nothing
/// on the host, and a file or mount point made on the host's tree or under a bind would otherwise stay there.
///
/// Undone in exactly the reverse order of making, so each path resolves as it did when it was made: a file made on
/// a tmpfs goes while that tmpfs is still mounted (never a host file of the same name beneath it), and a mount point
/// goes once the mount on it is detached. The first detach that fails stops the undo, since paths beneath it would
/// no longer lead where they did. A folder that is not empty (someone else wrote to it) is left, and so is anything
/// whose device, inode and birth time are no longer those of what was made (or on a file system without birth times,
/// where a reused inode number could not be told apart).
final class SetupJournal {
  private enum Event {
    case made(root: Int32, path: String, isDirectory: Bool, identity: FileIdentity, lookup: PathLookup)
    case mounted(root: Int32, path: String, lookup: PathLookup)
  }

  private var events: [Event] = []
  /// Where each resolved fd slot lies, so a mount on that slot is recorded by its path.
  private var resolved: [Int: (root: Int32, path: String, lookup: PathLookup)] = [:]
  /// Set when init closes its setup fds: the roots are gone, and with them the way back.
  var isClosed = false

  func noteMade(_ root: Int32, _ path: String, isDirectory: Bool, identity: FileIdentity, lookup: PathLookup = .inRoot)
  {
    events.append(.made(root: root, path: path, isDirectory: isDirectory, identity: identity, lookup: lookup))
  }

  func noteResolved(slot: Int, root: Int32, path: String, lookup: PathLookup = .inRoot) {
    resolved[slot] = (root, path, lookup)
  }

  func noteMounted(onSlot slot: Int) {
    if let place = resolved[slot] {
      events.append(.mounted(root: place.root, path: place.path, lookup: place.lookup))
    }
  }

  /// A mount made on `path` beneath the fd `root` (a protected path beneath a fresh proc or sysfs, which
  /// ``ProtectedPaths`` reaches through no symlink, and so is undone the same way).
  func noteMounted(root: Int32, path: String) { events.append(.mounted(root: root, path: path, lookup: .noSymlinks)) }

  /// unlinkat(2), only while holding an exclusive flock(2) on the entry: another live run holds a shared one on every
  /// host mount point it uses (and rmdir(2) of a folder another mount namespace has a mount on succeeds, detaching
  /// that mount), so a folder or file another sandbox is mounted on stays. On a mount made read-only since (the
  /// host's tree, or a read-only bind, after the mount points in it were made), that mount is first made writable
  /// again: it was writable when the file was made in it.
  private func remove<Kernel: LinuxKernel>(
    _ name: String, in parent: Int32, at path: String, root: RootedPaths<Kernel>, isDirectory: Bool, _ kernel: Kernel
  ) {
    let lock: Int32?
    do { lock = try kernel.lockExclusive(parent, name) } catch { return }
    defer { if let lock { kernel.close(lock) } }
    do {
      try kernel.removeEntry(parent, name, directory: isDirectory)
    } catch  where error.errno == ErrnoNames.EROFS {
      guard makeWritable(mountHolding: path, root: root, kernel) else { return }
      try? kernel.removeEntry(parent, name, directory: isDirectory)
    } catch {}
  }

  /// Clears MOUNT_ATTR_RDONLY on the mount that holds `path`: the first folder above it, nearest first, that is the
  /// root of a mount (mount_setattr(2) refuses any other with EINVAL).
  /// Each folder is looked up as the file was made (through no symlink beneath a bind or on the host's tree).
  private func makeWritable<Kernel: LinuxKernel>(mountHolding path: String, root: RootedPaths<Kernel>, _ kernel: Kernel)
    -> Bool
  {
    for folder in AbsolutePath.ancestors(of: path).reversed() {
      guard let fd = try? root.lookUp(String(folder)) else { return false }
      defer { kernel.close(fd) }
      if (try? kernel.mountSetattr(fd: fd, recursive: false, set: [], clear: .rdonly)) != nil { return true }
    }
    return false
  }

  /// Detaches the topmost mount at `path`, reached by fd (never through /proc, which the sandbox's mounts may cover):
  /// a folder mount from inside it, a file mount by its name in its folder. Whether it is gone.
  private func detach<Kernel: LinuxKernel>(_ path: String, beneath root: RootedPaths<Kernel>, _ kernel: Kernel) -> Bool
  {
    guard let fd = try? root.lookUp(path) else { return false }
    defer { kernel.close(fd) }
    var parts = path.split(separator: "/").map(String.init)
    guard (try? kernel.fileKind(of: fd)) != .directory, let name = parts.popLast() else {
      return (try? kernel.detach(fd)) != nil
    }
    guard let parent = try? root.lookUp("/" + parts.joined(separator: "/")) else { return false }
    defer { kernel.close(parent) }
    return (try? kernel.detach(parent, name)) != nil
  }

  /// Takes back every event, newest first. Best effort: the run is failing already, and its first error is the one
  /// reported.
  func undo<Kernel: LinuxKernel>(_ kernel: Kernel) {
    guard !isClosed else { return }
    defer { events = [] }
    for event in events.reversed() {
      switch event {
      case .mounted(let root, let path, let lookup):
        // The topmost mount at the path is this one: every later mount is detached already.
        guard detach(path, beneath: RootedPaths(kernel: kernel, root: root, lookup: lookup), kernel) else { return }
      case .made(let root, let path, let isDirectory, let identity, let lookup):
        var parts = path.split(separator: "/").map(String.init)
        let folder = RootedPaths(kernel: kernel, root: root, lookup: lookup)
        guard let name = parts.popLast(), let parent = try? folder.lookUp("/" + parts.joined(separator: "/")) else {
          continue
        }
        defer { kernel.close(parent) }
        // Only the file made, never another that took its name (or its inode number) or its folder's place since.
        guard identity.birth != nil, (try? kernel.identity(parent, name)) == identity else { continue }
        remove(name, in: parent, at: path, root: folder, isDirectory: isDirectory, kernel)
      }
    }
  }
}
