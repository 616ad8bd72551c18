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

/// Reading ownership is for `plan`'s predictions only: a kernel that cannot tell (a test's recording kernel) says
/// nothing, and the plan then claims nothing.
public protocol FileOwnershipReading {
  /// fstat(2) of an open fd (an O_PATH one included).
  func ownership(of fd: Int32) -> FileOwnership?
}
