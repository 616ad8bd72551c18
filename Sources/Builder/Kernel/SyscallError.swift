/// A failed system call: which call, on what path, and the errno it returned.
public struct SyscallError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The call's name as its man page gives it, e.g. `mount` for mount(2).
  public var call: String
  /// The errno value (errno(3)).
  public var errno: Int32
  /// The path the call acted on, when it had one.
  public var path: String?

  public init(call: String, errno: Int32, path: String? = nil) {
    self.call = call
    self.errno = errno
    self.path = path
  }

  /// `mount(2): EACCES (Permission denied)`, with the path first when there is one.
  public var description: String {
    let name = ErrnoNames.name(errno)
    let text = ErrnoNames.message(errno)
    let place = path.map { "\($0): " } ?? ""
    // newuidmap and newgidmap are programs (section 1); everything else here is a system call (section 2).
    let section = call.hasPrefix("new") ? 1 : 2
    return "\(place)\(call)(\(section)): \(name) (\(text))"
  }
}

/// Symbolic names and descriptions for errno values (errno(3)), so messages say `EACCES` rather than `13`.
public enum ErrnoNames {
  static let table: [Int32: (String, String)] = [
    1: ("EPERM", "Operation not permitted"), 2: ("ENOENT", "No such file or directory"),
    3: ("ESRCH", "No such process"), 4: ("EINTR", "Interrupted system call"), 5: ("EIO", "Input/output error"),
    6: ("ENXIO", "No such device or address"),
    7: ("E2BIG", "Argument list too long"), 8: ("ENOEXEC", "Exec format error"), 9: ("EBADF", "Bad file descriptor"),
    10: ("ECHILD", "No child processes"), 11: ("EAGAIN", "Resource temporarily unavailable"),
    12: ("ENOMEM", "Cannot allocate memory"), 13: ("EACCES", "Permission denied"), 14: ("EFAULT", "Bad address"),
    16: ("EBUSY", "Device or resource busy"), 17: ("EEXIST", "File exists"), 18: ("EXDEV", "Invalid cross-device link"),
    19: ("ENODEV", "No such device"), 20: ("ENOTDIR", "Not a directory"), 21: ("EISDIR", "Is a directory"),
    22: ("EINVAL", "Invalid argument"), 23: ("ENFILE", "Too many open files in system"),
    24: ("EMFILE", "Too many open files"), 26: ("ETXTBSY", "Text file busy"), 27: ("EFBIG", "File too large"),
    28: ("ENOSPC", "No space left on device"), 30: ("EROFS", "Read-only file system"),
    32: ("EPIPE", "Broken pipe"), 34: ("ERANGE", "Numerical result out of range"),
    36: ("ENAMETOOLONG", "File name too long"), 38: ("ENOSYS", "Function not implemented"),
    39: ("ENOTEMPTY", "Directory not empty"), 40: ("ELOOP", "Too many levels of symbolic links"),
    71: ("EPROTO", "Protocol error"), 75: ("EOVERFLOW", "Value too large for defined data type"),
    95: ("EOPNOTSUPP", "Operation not supported"), 97: ("EAFNOSUPPORT", "Address family not supported by protocol"),
    98: ("EADDRINUSE", "Address already in use"), 99: ("EADDRNOTAVAIL", "Cannot assign requested address"),
    101: ("ENETUNREACH", "Network is unreachable"), 109: ("ETOOMANYREFS", "Too many references: cannot splice"),
    122: ("EDQUOT", "Disk quota exceeded"),
  ]

  /// `EACCES` for 13; `errno 999` for values not in the table.
  public static func name(_ errno: Int32) -> String { table[errno]?.0 ?? "errno \(errno)" }

  /// The strerror(3)-style text.
  public static func message(_ errno: Int32) -> String { table[errno]?.1 ?? "Unknown error \(errno)" }

  public static let EPERM: Int32 = 1
  /// EAGAIN, as flock(2) names it.
  public static let EWOULDBLOCK: Int32 = 11
  public static let ENOENT: Int32 = 2
  public static let ESRCH: Int32 = 3
  public static let EBADF: Int32 = 9
  public static let EACCES: Int32 = 13
  public static let EBUSY: Int32 = 16
  public static let EEXIST: Int32 = 17
  /// No such device: rtnetlink(7)'s answer for a link that is gone.
  public static let ENODEV: Int32 = 19
  public static let ENOTDIR: Int32 = 20
  public static let EISDIR: Int32 = 21
  public static let EINVAL: Int32 = 22
  public static let EFBIG: Int32 = 27
  public static let EROFS: Int32 = 30
  public static let ERANGE: Int32 = 34
  public static let ENOTEMPTY: Int32 = 39
  public static let ELOOP: Int32 = 40
  public static let EPROTO: Int32 = 71
}
