/// Reads a spec file the way sshd's StrictModes checks a user's files: walking its path one name at a time from `/`,
/// by fd (openat(2) O_PATH|O_NOFOLLOW, then fstat(2) of that fd), following each symlink on the way by hand, and
/// noting the first file or folder another user could change. Whoever can write the spec, or rename entries in a
/// folder above it (relative paths in it resolve in its own folder), decides what nsbuild runs.
///
/// The spec is read through the very fd whose owner and mode were checked, beneath folder fds that were checked, so
/// swapping a file or a folder for another between the check and the read cannot win.
struct SpecFileReader<Kernel: LinuxKernel> {
  let kernel: Kernel

  /// The most symlinks followed on one path, as the kernel's own limit (path_resolution(7)).
  static var maximumLinks: Int { 40 }

  /// What was read: the bytes, the canonical folder relative paths resolve in (a symlinked spec resolves in the
  /// link's folder), and the first entry another user could change, if any.
  struct Result {
    var source: [UInt8]
    var folder: String
    var unsafe: UnsafeSpecPath?
  }

  /// The folder a relative `path` resolves in; its error names the path, since getcwd(3) has none to give.
  private static func currentDirectory(_ kernel: Kernel, for path: String) throws(SyscallError) -> String {
    do { return try kernel.currentDirectory() } catch {
      throw SyscallError(call: error.call, errno: error.errno, path: "the current folder, which \(path) is relative to")
    }
  }

  private struct Folder {
    var fd: Int32
    var path: String
    var status: FileStatus
  }

  /// Reads the regular file at `path` (relative to the current directory when not absolute).
  ///
  /// - Throws: ``SyscallError`` naming the whole path walked so far: ENOENT, ENOTDIR, ELOOP (more than
  ///   ``maximumLinks`` symlinks), EINVAL when it is not a regular file, EFBIG when larger than 64 MiB.
  func read(_ path: String) throws(SyscallError) -> Result {
    let trusted: Set<UInt32> = [0, kernel.effectiveUserID()]
    let absolute = path.hasPrefix("/") ? path : try Self.currentDirectory(kernel, for: path) + "/" + path
    var pending = Array(absolute.split(separator: "/").map(String.init).reversed())
    let root = try kernel.openPath("/")
    var folders = [Folder(fd: root, path: "/", status: try statusClosing(root, "/"))]
    defer { for folder in folders { kernel.close(folder.fd) } }
    var unsafe = UnsafeSpecPath.check("/", folders[0].status, .folder, trusted: trusted, kernel: kernel)
    var links = 0
    var linkFolder: String?
    while let name = pending.popLast() {
      let here = folders[folders.count - 1]
      if name == "." { continue }
      if name == ".." {
        if folders.count > 1 { kernel.close(folders.removeLast().fd) }
        continue
      }
      let entryPath = (here.path == "/" ? "" : here.path) + "/" + name
      let fd = try Self.naming(entryPath) { () throws(SyscallError) in try kernel.openEntry(here.fd, name) }
      let status = try statusClosing(fd, entryPath)
      switch status.kind {
      case .symlink:
        kernel.close(fd)
        // In a folder others may write to (a sticky /tmp), only the link's owner can replace it.
        if Self.othersMayWrite(here.status) {
          unsafe = unsafe ?? UnsafeSpecPath.check(entryPath, status, .symlink, trusted: trusted, kernel: kernel)
        }
        links += 1
        guard links <= Self.maximumLinks else { throw SyscallError(call: "openat", errno: 40, path: entryPath) }
        let target = try Self.naming(entryPath) { () throws(SyscallError) in try kernel.readLink(here.fd, name) }
        if pending.isEmpty, linkFolder == nil { linkFolder = here.path }
        if target.hasPrefix("/") {
          while folders.count > 1 { kernel.close(folders.removeLast().fd) }
        }
        pending += target.split(separator: "/").map(String.init).reversed()
      case .directory where !pending.isEmpty:
        unsafe = unsafe ?? UnsafeSpecPath.check(entryPath, status, .folder, trusted: trusted, kernel: kernel)
        folders.append(Folder(fd: fd, path: entryPath, status: status))
      case .directory, .regular, .other:
        kernel.close(fd)
        guard pending.isEmpty else { throw SyscallError(call: "openat", errno: ErrnoNames.ENOTDIR, path: entryPath) }
        let (file, source) = try Self.naming(entryPath) { () throws(SyscallError) in
          try kernel.readRegularFile(here.fd, name)
        }
        unsafe = unsafe ?? UnsafeSpecPath.check(entryPath, file, .file, trusted: trusted, kernel: kernel)
        return Result(source: source, folder: linkFolder ?? here.path, unsafe: unsafe)
      }
    }
    throw SyscallError(call: "open", errno: ErrnoNames.EINVAL, path: absolute)
  }

  /// fstat(2) of `fd`, closing it when that fails.
  private func statusClosing(_ fd: Int32, _ path: String) throws(SyscallError) -> FileStatus {
    do { return try kernel.status(of: fd) } catch {
      kernel.close(fd)
      throw SyscallError(call: error.call, errno: error.errno, path: path)
    }
  }

  /// Group or others may write to the folder.
  static func othersMayWrite(_ status: FileStatus) -> Bool { status.mode & 0o022 != 0 }

  /// Runs an *at() call, giving its error the whole path rather than the last name.
  static func naming<T>(_ path: String, _ body: () throws(SyscallError) -> T) throws(SyscallError) -> T {
    do { return try body() } catch { throw SyscallError(call: error.call, errno: error.errno, path: path) }
  }
}

/// A file or folder on the way to a spec that someone other than root and the caller could change.
public struct UnsafeSpecPath: Sendable, Hashable, CustomStringConvertible {
  public enum Kind: String, Sendable, Hashable {
    case file, folder, symlink
  }

  public enum Reason: Sendable, Hashable {
    /// Owned by a user other than root and the caller.
    case owner
    /// Writable by its group, or by every user, without the sticky bit (which limits renames to each entry's owner).
    case groupWritable, worldWritable
  }

  public var path: String
  public var kind: Kind
  public var status: FileStatus
  /// The owner's login name, when it has one.
  public var ownerName: String?
  public var reason: Reason

  /// `folder /tmp/x (owner uid 65534 (nobody), mode 0775) is writable by its group`.
  public var description: String {
    let owner = "uid \(status.owner)" + (ownerName.map { " (\($0))" } ?? "")
    let mode = "0" + String(status.mode & 0o7777, radix: 8)
    let what: String
    switch reason {
    case .owner: what = "belongs to another user"
    case .groupWritable: what = "is writable by its group"
    case .worldWritable: what = "is writable by every user"
    }
    return "\(kind.rawValue) \(path) (owner \(owner), mode \(mode)) \(what)"
  }

  /// The problem with one entry, or nil when only root and `trusted` users can change it. A sticky folder may be
  /// writable by others (as /tmp is): each entry in it is checked on its own, its owner included.
  static func check<Kernel: LinuxKernel>(
    _ path: String, _ status: FileStatus, _ kind: Kind, trusted: Set<UInt32>, kernel: Kernel
  ) -> UnsafeSpecPath? {
    let sticky = kind == .folder && status.mode & 0o1000 != 0
    let reason: Reason
    if !trusted.contains(status.owner) {
      reason = .owner
    } else if kind != .symlink, !sticky, status.mode & 0o002 != 0 {
      reason = .worldWritable
    } else if kind != .symlink, !sticky, status.mode & 0o020 != 0 {
      reason = .groupWritable
    } else {
      return nil
    }
    return UnsafeSpecPath(
      path: path, kind: kind, status: status, ownerName: kernel.userName(status.owner), reason: reason)
  }
}
