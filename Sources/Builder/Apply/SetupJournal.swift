/// What init made while building the sandbox, so that a failed setup takes it back: a failed run must leave nothing
/// on the host, and a file or mount point made on the host's tree or under a bind would otherwise stay there.
///
/// Undone in exactly the reverse order of making, so each path resolves as it did when it was made: a file made on
/// a tmpfs goes while that tmpfs is still mounted (never a host file of the same name beneath it), and a mount point
/// goes once the mount on it is detached. The first detach that fails stops the undo, since paths beneath it would
/// no longer lead where they did. A folder that is not empty (someone else wrote to it) is left, and so is anything
/// whose device and inode are no longer those of what was made.
final class SetupJournal {
  private enum Event {
    case made(root: Int32, path: String, isDirectory: Bool, identity: FileIdentity)
    case mounted(root: Int32, path: String)
  }

  private var events: [Event] = []
  /// Where each resolved fd slot lies, so a mount on that slot is recorded by its path.
  private var resolved: [Int: (root: Int32, path: String)] = [:]
  /// Set when init closes its setup fds: the roots are gone, and with them the way back.
  var isClosed = false

  func noteMade(_ root: Int32, _ path: String, isDirectory: Bool, identity: FileIdentity) {
    events.append(.made(root: root, path: path, isDirectory: isDirectory, identity: identity))
  }

  func noteResolved(slot: Int, root: Int32, path: String) { resolved[slot] = (root, path) }

  func noteMounted(onSlot slot: Int) {
    if let place = resolved[slot] { events.append(.mounted(root: place.root, path: place.path)) }
  }

  /// Takes back every event, newest first. Best effort: the run is failing already, and its first error is the one
  /// reported.
  func undo<Kernel: LinuxKernel>(_ kernel: Kernel) {
    guard !isClosed else { return }
    defer { events = [] }
    for event in events.reversed() {
      switch event {
      case .mounted(let root, let path):
        // The topmost mount at the path is this one: every later mount is detached already.
        guard let fd = try? kernel.openInRoot(root, path) else { return }
        defer { kernel.close(fd) }
        guard (try? kernel.changeDirectory(to: fd)) != nil, (try? kernel.detachHere()) != nil else { return }
      case .made(let root, let path, let isDirectory, let identity):
        var parts = path.split(separator: "/").map(String.init)
        guard let name = parts.popLast(),
          let parent = try? kernel.openInRoot(root, "/" + parts.joined(separator: "/"))
        else { continue }
        // Only the file made, never another that took its name or its folder's place since.
        if (try? kernel.identity(parent, name)) == identity {
          try? kernel.removeEntry(parent, name, directory: isDirectory)
        }
        kernel.close(parent)
      }
    }
  }
}
