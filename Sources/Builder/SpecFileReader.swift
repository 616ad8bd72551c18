import SpecParser

/// Reads a spec file the way sshd's StrictModes checks a user's files: walking its path one name at a time from `/`,
/// by fd (openat(2) O_PATH|O_NOFOLLOW, then fstat(2) of that fd), following each symlink on the way by hand, and
/// noting the first file or folder another user could change. Whoever can write the spec, or rename entries in a
/// folder the walk goes down from (relative paths in it resolve in its own folder), decides what nsbuild runs. A
/// folder only passed through by `..` does not count: `..` goes back to the folder fd the walk came from, which no
/// one can change from inside the folder left.
///
/// The spec is read through the very fd whose owner and mode were checked, beneath folder fds that were checked, so
/// swapping a file or a folder for another between the check and the read cannot win.
///
/// A spec given as a pipe (`/dev/stdin`, `/dev/fd/N` or `/proc/self/fd/N` naming one, as a shell's `<(…)` does) is
/// read through the magic link in /proc/PID/fd (proc(5)): the pipe's owner (whoever made it) is checked, and since a
/// pipe has no folder, its relative paths resolve in the current directory, which is checked as a spec's folder is.
/// An fd open on a regular file is followed by the path the kernel reports for it, as any symlink is.
struct SpecFileReader<Reader: SystemReader> {
  let reader: Reader

  /// What was read: the bytes, the canonical folder relative paths resolve in (a symlinked spec resolves in the
  /// link's folder, a pipe in the current directory), and the first entry another user could change, if any.
  struct Result {
    var source: [UInt8]
    var folder: String
    var unsafe: UnsafeSpecPath?
    /// The spec came through a pipe (or a deleted file) open in a process, so `folder` is the current directory.
    var throughPipe = false
  }

  /// The folder a relative `path` resolves in; its error names the path, since getcwd(3) has none to give.
  private static func currentDirectory(_ reader: Reader, for path: String) throws(SyscallError) -> String {
    do { return try reader.currentDirectory() } catch {
      throw SyscallError(call: error.call, errno: error.errno, path: "the current folder, which \(path) is relative to")
    }
  }

  private struct Folder {
    var fd: Int32
    var path: String
    var status: FileStatus
  }

  /// What a walk ends at: the spec file's bytes, or (for the current directory of a pipe) a folder.
  private enum Goal {
    case file, folder
  }

  /// Reads the regular file (or pipe) at `path` (relative to the current directory when not absolute).
  ///
  /// - Throws: ``SyscallError`` naming the whole path walked so far: ENOENT, ENOTDIR, ELOOP (more than
  ///   ``PathResolution/maximumSymlinks`` symlinks), EINVAL when it is not a regular file or a pipe, EFBIG when larger than 64 MiB.
  func read(_ path: String) throws(SyscallError) -> Result {
    let absolute = path.hasPrefix("/") ? path : try Self.currentDirectory(reader, for: path) + "/" + path
    var result = try walk(absolute, to: .file)
    guard result.throughPipe else { return result }
    let here = try walk(try Self.currentDirectory(reader, for: path), to: .folder)
    result.folder = here.folder
    result.unsafe = result.unsafe ?? here.unsafe
    return result
  }

  private func walk(_ absolute: String, to goal: Goal) throws(SyscallError) -> Result {
    let trusted: Set<UInt32> = [0, reader.effectiveUserID()]
    var pending = Array(absolute.split(separator: "/").map(String.init).reversed())
    let root = try reader.openPath("/")
    var folders = [Folder(fd: root, path: "/", status: try statusClosing(root, "/"))]
    defer { for folder in folders { reader.close(folder.fd) } }
    var unsafe: UnsafeSpecPath?
    var links = 0
    var linkFolder: String?
    while let name = pending.popLast() {
      if name == "." { continue }
      if name == ".." {
        if folders.count > 1 { reader.close(folders.removeLast().fd) }
        continue
      }
      // Going down into an entry of `here`: whoever may rename entries in it counts from now on.
      let here = folders[folders.count - 1]
      unsafe = unsafe ?? UnsafeSpecPath.check(here.path, here.status, .folder, trusted: trusted, reader: reader)
      let entryPath = (here.path == "/" ? "" : here.path) + "/" + name
      let fd = try Self.naming(entryPath) { () throws(SyscallError) in try reader.openEntry(here.fd, name) }
      let status = try statusClosing(fd, entryPath)
      switch status.kind {
      case .symlink:
        reader.close(fd)
        // In a folder others may write to (a sticky /tmp), only the link's owner can replace it.
        if Self.othersMayWrite(here.status) {
          unsafe = unsafe ?? UnsafeSpecPath.check(entryPath, status, .symlink, trusted: trusted, reader: reader)
        }
        links += 1
        guard links <= PathResolution.maximumSymlinks else {
          throw SyscallError(call: "openat", errno: 40, path: entryPath)
        }
        let target = try Self.naming(entryPath) { () throws(SyscallError) in try reader.readLink(here.fd, name) }
        // An fd's magic link names no path for a pipe (`pipe:[997237]`), nor for a deleted file (a shell's here
        // document): either is read through the link, and only its own owner and mode count.
        if goal == .file, pending.isEmpty, !target.hasPrefix("/") || target.hasSuffix(" (deleted)"),
          Self.isDescriptorFolder(here.path)
        {
          let (opened, source) = try Self.naming(entryPath) { () throws(SyscallError) in
            try readDescriptor(here, name)
          }
          let kind: UnsafeSpecPath.Kind = opened.kind == .regular ? .file : .pipe
          unsafe = unsafe ?? UnsafeSpecPath.check(entryPath, opened, kind, trusted: trusted, reader: reader)
          return Result(source: source, folder: here.path, unsafe: unsafe, throughPipe: true)
        }
        if pending.isEmpty, linkFolder == nil { linkFolder = here.path }
        if target.hasPrefix("/") {
          while folders.count > 1 { reader.close(folders.removeLast().fd) }
        }
        pending += target.split(separator: "/").map(String.init).reversed()
      case .directory where !pending.isEmpty || goal == .folder:
        folders.append(Folder(fd: fd, path: entryPath, status: status))
      case .directory, .regular, .other:
        reader.close(fd)
        guard pending.isEmpty else { throw SyscallError(call: "openat", errno: ErrnoNames.ENOTDIR, path: entryPath) }
        let (file, source) = try Self.naming(entryPath) { () throws(SyscallError) in
          try reader.readRegularFile(here.fd, name)
        }
        unsafe = unsafe ?? UnsafeSpecPath.check(entryPath, file, .file, trusted: trusted, reader: reader)
        return Result(source: source, folder: linkFolder ?? here.path, unsafe: unsafe)
      }
    }
    guard goal == .folder else { throw SyscallError(call: "open", errno: ErrnoNames.EINVAL, path: absolute) }
    // The folder a pipe's relative paths resolve in counts as the spec's own folder does.
    let here = folders[folders.count - 1]
    unsafe = unsafe ?? UnsafeSpecPath.check(here.path, here.status, .folder, trusted: trusted, reader: reader)
    return Result(source: [], folder: here.path, unsafe: unsafe)
  }

  /// One of nsbuild's own fds (`<(…)`, a pipe or a socket on stdin) is read as it is, since a socket cannot be
  /// opened through its link (ENXIO); another process's is opened through the magic link.
  private func readDescriptor(_ folder: Folder, _ name: String) throws(SyscallError) -> (FileStatus, [UInt8]) {
    let owner = folder.path.split(separator: "/").dropFirst().first
    guard owner == "\(reader.processID())"[...], let fd = Int32(name) else {
      return try reader.readDescriptorLink(folder.fd, name)
    }
    let status = try reader.status(of: fd)
    var source: [UInt8] = []
    while true {
      let chunk = try reader.read(fd, count: 65536)
      if chunk.isEmpty { return (status, source) }
      source += chunk
      if source.count > RealKernel.maximumFileSize {
        throw SyscallError(call: "read", errno: ErrnoNames.EFBIG, path: name)
      }
    }
  }

  /// `/proc/PID/fd` or `/proc/PID/task/TID/fd` (`self` and `thread-self` are symlinks, resolved before this): a
  /// folder of magic links to open files (proc(5)).
  static func isDescriptorFolder(_ path: String) -> Bool {
    let names = path.split(separator: "/")
    let isNumber = { (name: Substring) in !name.isEmpty && name.allSatisfy { ("0"..."9").contains($0) } }
    switch names.count {
    case 3: return names[0] == "proc" && isNumber(names[1]) && names[2] == "fd"
    case 5:
      return names[0] == "proc" && isNumber(names[1]) && names[2] == "task" && isNumber(names[3]) && names[4] == "fd"
    default: return false
    }
  }

  /// fstat(2) of `fd`, closing it when that fails.
  private func statusClosing(_ fd: Int32, _ path: String) throws(SyscallError) -> FileStatus {
    do { return try reader.status(of: fd) } catch {
      reader.close(fd)
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
    case file, folder, symlink, pipe
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
  /// The group's name, when it has one.
  public var groupName: String?
  public var reason: Reason

  /// `folder /tmp/x (owner uid 65534 (nobody), mode 0775) is writable by its group (gid 100 users)`.
  public var description: String {
    let owner = "uid \(status.owner)" + (ownerName.map { " (\($0))" } ?? "")
    let mode = FileMode.octal(FileMode.permissions(of: status.mode))
    let what: String
    switch reason {
    case .owner: what = "belongs to another user"
    case .groupWritable:
      what = "is writable by its group (gid \(status.group)" + (groupName.map { " " + $0 } ?? "") + ")"
    case .worldWritable: what = "is writable by every user"
    }
    return "\(kind.rawValue) \(path) (owner \(owner), mode \(mode)) \(what)"
  }

  /// The problem with one entry, or nil when only root and `trusted` users can change it. A sticky folder may be
  /// writable by others (as /tmp is): each entry in it is checked on its own, its owner included; with
  /// `stickyExempts` false (the live state, ``StateTrust``), it may not.
  static func check<Reader: SystemReader>(
    _ path: String, _ status: FileStatus, _ kind: Kind, trusted: Set<UInt32>, reader: Reader,
    stickyExempts: Bool = true
  ) -> UnsafeSpecPath? {
    let sticky = stickyExempts && kind == .folder && status.mode & 0o1000 != 0
    // A symlink's mode means nothing, nor does an anonymous pipe's or socket's (a socket's is 0777): no path leads
    // to them, so only their owner counts.
    let modeCounts = kind != .symlink && kind != .pipe
    let reason: Reason
    if !trusted.contains(status.owner) {
      reason = .owner
    } else if modeCounts, !sticky, status.mode & 0o002 != 0 {
      reason = .worldWritable
    } else if modeCounts, !sticky, status.mode & 0o020 != 0 {
      reason = .groupWritable
    } else {
      return nil
    }
    return UnsafeSpecPath(
      path: path, kind: kind, status: status, ownerName: try? reader.userName(status.owner),
      groupName: reason == .groupWritable ? try? reader.groupName(status.group) : nil, reason: reason)
  }
}
