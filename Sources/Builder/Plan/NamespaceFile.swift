import SpecParser

/// The file a joined namespace is opened from at run time, as `plan` resolved it.
public enum NamespaceFile: Sendable, Hashable, Codable, CustomStringConvertible {
  /// A namespace file by path (`/run/netns/NAME`, a bind mount ip-netns(8) keeps).
  case path(path: String)
  /// `/proc/PID/ns/TYPE` of the process `pid` that started at `startTime` (proc(5) field 22): once the file is open,
  /// the start time is read again, so a pid recycled since `plan` is refused (ESRCH), never joined.
  case process(pid: Int32, startTime: UInt64)
  /// A live sandbox's init that `plan` did not find (no state, its init ended, or it was not looked for): `run`
  /// refuses such a plan before it starts anything when `plan` looked (a warning that stops run says why), and the
  /// open fails with ESRCH otherwise.
  case unresolvedSandbox(name: String)

  /// The path open(2) takes, for `/proc/PID/ns/TYPE` with `namespace`'s link name.
  public func path(for namespace: Namespace) -> String {
    switch self {
    case .path(let path): path
    case .process(let pid, _): "/proc/\(pid)/ns/\(namespace.procName)"
    case .unresolvedSandbox(let name): "<init of sandbox \(name)>/ns/\(namespace.procName)"
    }
  }

  public var description: String {
    switch self {
    case .path(let path): path
    case .process(let pid, let startTime): "process \(pid) (start time \(startTime))"
    case .unresolvedSandbox(let name): "sandbox \(name) (not found)"
    }
  }
}

/// What a namespace file is, read with ioctl_ns(2) (NS_GET_NSTYPE, NS_GET_USERNS, NS_GET_OWNER_UID) and fstat(2).
public struct NamespaceFileInfo: Sendable, Hashable {
  /// The namespace's type.
  public var type: Namespace
  /// Its id as `readlink /proc/PID/ns/TYPE` shows it: `net:[4026532210]`.
  public var id: String
  /// The id of the user namespace owning it (for a user namespace, its parent), as `user:[N]`; nil when the
  /// caller cannot see it (NS_GET_USERNS fails with EPERM outside the caller's user namespace tree).
  public var owner: String?
  /// For a user namespace, the effective user ID of the process that made it (NS_GET_OWNER_UID).
  public var ownerUID: UInt32?

  public init(type: Namespace, id: String, owner: String? = nil, ownerUID: UInt32? = nil) {
    self.type = type
    self.id = id
    self.owner = owner
    self.ownerUID = ownerUID
  }
}

/// What `plan` found of one `[namespaces] join` entry (see ``JoinTargetReader``).
public struct JoinObservation: Sendable, Hashable {
  /// Where run opens it.
  public var file: NamespaceFile
  /// The namespace found there; nil when there is none (see ``problem``).
  public var info: NamespaceFileInfo?
  /// Why it cannot be joined (no such sandbox, a dead or recycled init, no such file, a file of another type); `run`
  /// refuses the plan then.
  public var problem: String?

  public init(file: NamespaceFile, info: NamespaceFileInfo? = nil, problem: String? = nil) {
    self.file = file
    self.info = info
    self.problem = problem
  }
}
