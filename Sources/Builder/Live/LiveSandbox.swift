import Netlink
import SpecParser

/// What stands in a live sandbox now, read from the host through its init's `/proc/PID/` entries (proc(5)) and,
/// for its UTS names, by a child that joins its UTS namespace. Read, never changed: see ``LiveObserver``.
///
/// A value that could not be read is nil (or absent from a dictionary), and the plan claims nothing about it;
/// ``unread`` says why.
public struct LiveSandbox: Sendable, Hashable {
  /// The recorded init still runs (same pid and start time: ``ProcessIdentity/isAlive(reader:)``).
  public var isAlive: Bool
  /// uname(2) inside its UTS namespace.
  public var hostname: String?
  public var domainname: String?
  /// Its mounts, `/proc/PID/mountinfo` (proc_pid_mountinfo(5)): mount points as seen from its root.
  public var mounts: [HostMount]?
  /// `/proc/PID/ns/NAME` link texts (`uts:[4026532210]`), by the links' names (`mnt`, `uts`, …).
  public var namespaceIDs: [String: String] = [:]
  /// `/proc/PID/uid_map`, `gid_map`, `setgroups` and `timens_offsets` as the kernel writes them.
  public var procFiles: [String: String] = [:]
  /// Init's resource limits (`/proc/PID/limits`).
  public var limits: [ResourceLimit.Resource: ResourceLimit] = [:]
  /// The main command's resource limits (`/proc/PID/limits` of ``SandboxRecord/mainCommand``, checked to be that
  /// process by its start time): the process the spec's `[process] rlimits` are set on. Nil with no main command
  /// running, or none recorded.
  public var commandLimits: [ResourceLimit.Resource: ResourceLimit]?
  /// Whether `lo` is up in its network namespace (`/proc/PID/net/igmp` and `if_inet6`).
  public var loopbackUp: Bool?
  /// The links of its network namespace with their addresses and gateway routes, from rtnetlink(7) dumps made
  /// there (``SystemReader/routeDumps(ofProcess:requests:)``); nil when not read (no veth in either plan).
  public var links: [LinkState]?
  /// The `[[files]]` entries as they stand, by sandbox path (reached through `/proc/PID/root` with
  /// RESOLVE_IN_ROOT, never following its symlinks out).
  public var files: [String: LiveFile] = [:]
  /// The sandbox paths in-place steps reach from its `/` (mount targets, `[[files]]` folders), each resolved beneath
  /// its root by the rule `run` has for the host's tree (``HostPathResolver``): a symlink only root or the caller
  /// could have made is followed, one another user (the sandbox itself) could change is named and not followed.
  public var paths: [String: ResolvedHostPath] = [:]
  /// For a path of ``paths`` that does not stand whole: the first folder on its resolved way that is missing, from
  /// which on an in-place step makes every folder (and so a failed `apply` removes them again).
  public var missingFrom: [String: String] = [:]
  /// Whether the pasta recorded (``SandboxRecord/pasta``) still runs, by its pid and start time; nil without one.
  public var pastaRunning: Bool?
  /// What could not be read, and why (`hostname: setns: EPERM`), for the plan's notes.
  public var unread: [String] = []

  public init(isAlive: Bool) {
    self.isAlive = isAlive
  }

  /// The link named `name` in its network namespace, when links were read.
  public func link(_ name: String) -> LinkState? { links?.first { $0.name == name } }

  /// The topmost mount at `path`, when mounts were read.
  public func mount(at path: String) -> HostMount? {
    guard let mounts else { return nil }
    let stacked = mounts.filter { $0.mountPoint == path }
    return stacked.first { mount in !stacked.contains { $0.parentID == mount.id } } ?? stacked.last
  }
}

/// A `[[files]]` entry as it stands in a live sandbox.
public enum LiveFile: Sendable, Hashable {
  case missing
  /// A regular file and its contents.
  case file(contents: [UInt8])
  /// A folder, symlink, device…: not what a file entry makes.
  case other
}
