/// Folders beneath one root, each opened once with openat2(2) RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS (as `run` opens
/// them) while a reader looks up many names in them: a spec of 100,000 mounts in one folder opens that folder once,
/// not 100,000 times. A folder that could not be opened keeps its error. At most ``limit`` stay open, so that a spec
/// of many folders cannot run the process out of fds; ``closeAll()`` closes them.
struct OpenedFolders<Reader: SystemReader> {
  let reader: Reader
  /// The fd the folders are looked up beneath.
  let root: Int32
  private var opened: [String: Result<Int32, SyscallError>] = [:]
  /// How many folders stay open at most; past that the cache starts again.
  static var limit: Int { 64 }

  init(reader: Reader, root: Int32) {
    self.reader = reader
    self.root = root
  }

  /// The folder at `path` beneath ``root`` (absolute within it), opened O_PATH, or the error of that open.
  mutating func open(_ path: String) -> Result<Int32, SyscallError> {
    if let known = opened[path] { return known }
    if opened.count >= Self.limit { closeAll() }
    let result = Result { () throws(SyscallError) -> Int32 in try reader.openInRootWithoutSymlinks(root, path) }
    opened[path] = result
    return result
  }

  /// Closes every folder still open.
  mutating func closeAll() {
    for case .success(let fd) in opened.values { reader.close(fd) }
    opened = [:]
  }
}
