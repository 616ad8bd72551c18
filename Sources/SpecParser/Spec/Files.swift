/// One `[[files]]` entry: a directory, file or symlink created inside the sandbox, as bwrap's `--dir`, `--file` and
/// `--symlink` do. Entries and mounts are applied in the order they are written in the spec.
public struct FileEntry: Sendable, Hashable {
  public enum Kind: String, Sendable, Hashable, CaseIterable {
    /// A directory and any missing parents (parents get 0755).
    case dir
    /// A regular file with `content`.
    case file
    /// A symbolic link to `link`.
    case symlink
  }

  public var kind: Kind
  /// The absolute path inside the sandbox.
  public var path: String
  /// Permission bits; defaults: 0755 for a directory, 0644 for a file. An existing directory keeps its mode.
  public var mode: UInt32?
  /// For `file`: the bytes to write (UTF-8).
  public var content: String
  /// For `symlink`: what the link points to, written as is.
  public var link: String?

  public init(kind: Kind, path: String, mode: UInt32? = nil, content: String = "", link: String? = nil) {
    self.kind = kind
    self.path = path
    self.mode = mode
    self.content = content
    self.link = link
  }
}

/// `[root]`: what the sandbox's `/` is.
public struct Root: Sendable, Hashable {
  public enum Kind: Sendable, Hashable {
    /// The host's tree, as it is (the default).
    case host
    /// A host directory, bound onto itself and made the root with pivot_root(2).
    case directory(String)
    /// An empty tmpfs, made the root with pivot_root(2); the spec's mounts and files fill it.
    case tmpfs
  }

  public var kind: Kind
  /// Make `/` read-only. A new root becomes read-only once every mount is in place (the root mount only: mounts on
  /// it keep their own flags). The host's tree becomes read-only, recursively, before the spec's mounts, which stay
  /// as they are; mount points must then exist already.
  public var readonly: Bool
  /// The propagation of the whole tree before the first mount: `private` (the default) or `slave`, so nothing the
  /// sandbox mounts reaches the host either way.
  public var propagation: Propagation

  public init(kind: Kind = .host, readonly: Bool = false, propagation: Propagation = .private) {
    self.kind = kind
    self.readonly = readonly
    self.propagation = propagation
  }
}
