import SpecParser

/// A live sandbox as `exec` enters it: its init, known by pid and start time, and the namespaces it holds that
/// nsbuild is not already in.
public struct LiveTarget: Sendable, Hashable {
  /// The init (the holder of the sandbox's namespaces), checked again when it is opened at run time.
  public var initProcess: ProcessIdentity
  /// The namespaces to enter, in namespaces(7) order (``Namespace``'s).
  public var namespaces: [Namespace]
  /// Whether this kernel enters several namespaces of a process at once through a pidfd (setns(2) with a pidfd,
  /// Linux 5.8); otherwise each is opened from `/proc/PID/ns` and entered in turn, the user namespace first.
  public var setnsTakesPidfd: Bool

  public init(initProcess: ProcessIdentity, namespaces: [Namespace], setnsTakesPidfd: Bool) {
    self.initProcess = initProcess
    self.namespaces = Namespace.allCases.filter(namespaces.contains)
    self.setnsTakesPidfd = setnsTakesPidfd
  }

  /// The sandbox `record` describes, as it stands now, read through `reader` (read-only).
  ///
  /// - Throws: ``LiveTargetError/dead(_:now:)`` when its init is gone or its pid now names another process (never
  ///   joined: a recycled pid is not the sandbox); ``LiveTargetError/stranger(_:pid:mismatches:)`` when the process
  ///   is not in the recorded namespaces (``LiveSandboxCheck``); ``LiveTargetError/unreadable(_:_:)`` when its namespaces cannot
  ///   be read.
  public static func read<Reader: SystemReader>(_ record: SandboxRecord, reader: Reader) throws(LiveTargetError)
    -> LiveTarget
  {
    let holder = record.initProcess
    switch LiveSandboxCheck.check(record, reader: reader) {
    case .running: break
    case .dead(let now): throw .dead(record.name, now: now)
    case .stranger(let mismatches): throw .stranger(record.name, pid: holder.pid, mismatches: mismatches)
    }
    // Every namespace of the init that is not nsbuild's own: those the sandbox made, and those it joined.
    var namespaces: [Namespace] = []
    for namespace in Namespace.allCases {
      let path = "/proc/\(holder.pid)/ns/\(namespace.procName)"
      guard reader.exists(path) else { continue }  // a kernel without that namespace type
      let info: NamespaceFileInfo
      do { info = try reader.namespaceFile(path) } catch { throw .unreadable(record.name, error) }
      if info.id != reader.namespaceID(namespace) { namespaces.append(namespace) }
    }
    // An init in nsbuild's own namespaces only is no sandbox: there would be nothing to enter.
    guard !namespaces.isEmpty else {
      throw .stranger(record.name, pid: holder.pid, mismatches: ["every namespace is nsbuild's own"])
    }
    return LiveTarget(
      initProcess: holder, namespaces: namespaces, setnsTakesPidfd: Self.isAtLeast(reader.kernelRelease(), 5, 8))
  }

  /// Whether uname(2)'s `release` is `major.minor` or later; false when it cannot be read (the per-namespace way
  /// works on every kernel).
  static func isAtLeast(_ release: String, _ major: Int, _ minor: Int) -> Bool {
    let version = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
    return version.count == 2 && (version[0], version[1]) >= (major, minor)
  }
}

/// Why a live sandbox cannot be entered.
public enum LiveTargetError: Error, Sendable, Hashable, CustomStringConvertible {
  /// Its init ended; `now` is whatever process holds its pid now, if any.
  case dead(SandboxName, now: ProcessIdentity?)
  /// Its pid and start time are the recorded ones, but not its namespaces: not the sandbox, never entered.
  case stranger(SandboxName, pid: Int32, mismatches: [String])
  case unreadable(SandboxName, SyscallError)

  public var description: String {
    switch self {
    case .dead(let name, nil): "sandbox '\(name)' is dead: its init has ended; `nsbuild down \(name)` removes it"
    case .dead(let name, .some(let now)):
      "sandbox '\(name)' is dead: its init's pid \(now.pid) now names another process (started at \(now.startTime)), which nsbuild will not enter; `nsbuild down \(name)` removes it"
    case .stranger(let name, let pid, let mismatches):
      "\(LiveSandboxCheck.stranger(mismatches: mismatches).problem(name, pid: pid) ?? ""), which nsbuild will not enter; `nsbuild down \(name)` removes the record"
    case .unreadable(let name, let error): "sandbox '\(name)': its namespaces cannot be read: \(error)"
    }
  }
}
