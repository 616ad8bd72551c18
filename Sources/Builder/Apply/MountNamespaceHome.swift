/// The fds of nsbuild's own mount namespace, root and working directory (see ``LinuxKernel/saveMountNamespace()``).
public struct SavedMountNamespace: Sendable, Hashable {
  public var namespace: Int32
  public var root: Int32
  public var workingDirectory: Int32

  public init(namespace: Int32, root: Int32, workingDirectory: Int32) {
    self.namespace = namespace
    self.root = root
    self.workingDirectory = workingDirectory
  }
}

/// Where the parent goes back to after opening host paths in the sandbox's mount namespace. Staying there would
/// leave nsbuild's root and working directory on the sandbox's root once init calls pivot_root(2), which moves
/// every process of that namespace whose root was the old one (pivot_root(2)).
final class MountNamespaceHome {
  var saved: SavedMountNamespace?

  /// Goes back when a step failed halfway, so the error is reported from the host's tree.
  func returnIfAway<Kernel: LinuxKernel>(_ kernel: Kernel) {
    guard let saved else { return }
    self.saved = nil
    try? kernel.returnToMountNamespace(saved)
  }
}
