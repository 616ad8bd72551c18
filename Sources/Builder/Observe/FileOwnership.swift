/// A file's owner and permission bits, as fstat(2) gives them: what decides whether a process may make entries in a
/// folder (path_resolution(7)).
public struct FileOwnership: Sendable, Hashable {
  public var uid: UInt32
  public var gid: UInt32
  /// The permission bits (`st_mode & 07777`).
  public var mode: UInt32

  public init(uid: UInt32, gid: UInt32, mode: UInt32) {
    self.uid = uid
    self.gid = gid
    self.mode = mode
  }
}
