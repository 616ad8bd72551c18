/// A mount that stood in a live sandbox's mount namespace when `up` or the last `apply` ended, as its init's
/// `/proc/PID/mountinfo` showed it (proc_pid_mountinfo(5)): what ``SandboxRecord/mounts`` keeps, so that a mount made
/// by hand later anywhere in the sandbox (not only beneath the spec's mounts) is told from the host's mounts it was
/// made with. A mount is the same one while its id and mount point are (the kernel reuses a freed id).
public struct RecordedMount: Sendable, Hashable, Codable {
  /// mountinfo's first field, the mount's id.
  public var id: Int
  /// Where it is mounted, as seen from the sandbox's root.
  public var mountPoint: String
  public var fstype: String

  public init(id: Int, mountPoint: String, fstype: String) {
    self.id = id
    self.mountPoint = mountPoint
    self.fstype = fstype
  }

  init(_ mount: HostMount) {
    self.init(id: mount.id, mountPoint: mount.mountPoint, fstype: mount.fstype)
  }

  /// The mounts of `process`'s mount namespace, read from the host's `/proc/PID/mountinfo` once its start time says
  /// it is that process (before and after the read); nil when it is gone or the file cannot be read.
  public static func read<Reader: SystemReader>(of process: ProcessIdentity, reader: Reader) -> [RecordedMount]? {
    guard process.isAlive(reader: reader), let bytes = try? reader.readFile("/proc/\(process.pid)/mountinfo"),
      process.isAlive(reader: reader)
    else { return nil }
    return HostMount.parse(String(decoding: bytes, as: UTF8.self)).map(RecordedMount.init)
  }

  /// Whether `mount` is this one.
  func names(_ mount: HostMount) -> Bool { id == mount.id && mountPoint == mount.mountPoint }
}
