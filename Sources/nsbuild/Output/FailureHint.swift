import Builder
import SpecParser

/// The `= help:` line of a failed step's report: what the errno most likely means for this kind of step. Every step
/// kind is listed, so a new kind must be given its hints, or none, on purpose.
struct FailureHint {
  let plan: Plan

  /// The hint for `failure` of `step`, or nil where none is known.
  func text(_ step: Step, _ failure: StepFailure) -> String? {
    let errno = failure.error.errno
    switch step.kind {
    case .exec, .checkProgram: return Self.exec(errno)
    case .unshare: return unshare(errno)
    case .mount: return beneathRoot(errno, failure) ?? Self.mount(step, errno)
    case .file: return beneathRoot(errno, failure)
    case .readonlyRoot: return errno == ErrnoNames.ELOOP ? Self.noSymlinkFollowed : nil
    case .sources: return sources(step, failure)
    case .timeOffsets:
      return errno == ErrnoNames.ERANGE
        ? "an offset may not take the clock below zero or past the kernel's limit (time_namespaces(7))" : nil
    case .uidMap, .gidMap: return idMap(step, errno)
    case .veth, .bridge, .deleteLink: return Self.network(errno)
    case .pasta:
      return "pasta needs /dev/net/tun readable and writable by the caller, and a host interface with a default route"
    case .spawn, .setgroups, .fork, .propagation, .hostname, .domainname, .loopback, .root, .protect, .pivotRoot,
      .closeFDs, .scrubEnvironment, .spawnCommand, .session, .rlimits, .boundingSet, .credentials, .capabilities,
      .noNewPrivs, .namespaceRoot, .umask, .cwd, .foreground, .terminal, .relay, .join, .unmount, .detach, .hold,
      .outlive, .endCommand:
      return nil
    }
  }

  /// What rtnetlink(7) errors mean for a veth or bridge step.
  private static func network(_ errno: Int32) -> String? {
    switch errno {
    case ErrnoNames.EEXIST:
      "an interface, address or route of that name is already there: another sandbox (or the host) uses it; pick another host_name or address"
    case ErrnoNames.EPERM: "making a veth or a bridge takes CAP_NET_ADMIN in the host's network namespace: run as root"
    case 101: "a gateway must lie in a subnet of an address of the interface (ENETUNREACH)"
    case 95: "this kernel lacks the veth or bridge driver (modprobe veth, bridge)"
    default: nil
    }
  }

  static let noSymlinkFollowed =
    "nsbuild follows no symlink beneath a bind or an overlay, nor one on the host's tree that plan did not show: name the real path"

  private static func exec(_ errno: Int32) -> String? {
    switch errno {
    case ErrnoNames.ENOENT: "the command was not found (check [process] args and PATH inside)"
    case ErrnoNames.EACCES: "the command is not executable, or a mount is noexec"
    default: nil
    }
  }

  private func unshare(_ errno: Int32) -> String? {
    switch errno {
    case ErrnoNames.EINVAL: return "unshare(CLONE_NEWUSER) needs a single-threaded caller"
    case ErrnoNames.EPERM where !inUserNamespace:
      return "creating namespaces needs root, or a user namespace: add \"user\" to [namespaces] unshare"
    case ErrnoNames.EPERM, 28:  // ENOSPC: user.max_user_namespaces reached, or set to 0
      return "user namespaces may be disabled (sysctl user.max_user_namespaces, AppArmor) or need root"
    default: return nil
    }
  }

  /// What a mount or a `[[files]]` entry meets on its way beneath the root.
  private func beneathRoot(_ errno: Int32, _ failure: StepFailure) -> String? {
    switch errno {
    case ErrnoNames.ENOENT where Self.isDanglingLink(failure):
      return
        "a symlink on the way leads to a path that does not exist, and on the host's tree nsbuild makes no folder through a symlink: make its destination first, or name the real path in the spec"
    case ErrnoNames.EACCES where inUserNamespace:
      return
        "in a user namespace the sandbox's root is, on the host, the ID its map gives 0: give the folder to that owner (chown), or map the folder's owner in"
    case ErrnoNames.ELOOP: return Self.noSymlinkFollowed
    default: return nil
    }
  }

  /// A mount's own failures, after those of its path (``beneathRoot(_:_:)``).
  private static func mount(_ step: Step, _ errno: Int32) -> String? {
    switch errno {
    case ErrnoNames.EPERM where step.title.hasPrefix("mount proc"):
      return
        "proc cannot be mounted in a user namespace when the host /proc is partly covered, or read-only while this one is not, or without a pid namespace owned by it"
    case ErrnoNames.EPERM where step.title.hasPrefix("mount sysfs"):
      return
        "sysfs cannot be mounted in a user namespace when the host /sys is partly covered, or read-only while this one is not, or without a net namespace owned by it"
    case ErrnoNames.EBUSY where step.title.hasPrefix("mount sysfs"):
      return
        "without a net namespace a fresh sysfs is the host's, which the kernel will not mount again where it already is: add \"net\" to [namespaces] unshare, or bind the host's /sys read-only instead"
    case ErrnoNames.ENOENT: return "the mount target (or bind source) does not exist"
    case ErrnoNames.EWOULDBLOCK: return "another nsbuild run was taking this mount point back at that moment; run again"
    default: return nil
    }
  }

  private func sources(_ step: Step, _ failure: StepFailure) -> String? {
    switch failure.error.errno {
    case ErrnoNames.ENOENT: return "a host path the spec names does not exist; nsbuild does not make it"
    case ErrnoNames.ELOOP where Self.isRootFolder(step, failure),
      ErrnoNames.ENOTDIR where Self.isRootFolder(step, failure):
      return "the root folder must be a real folder: it or a folder above it is a symlink (or not a folder)"
    case ErrnoNames.ELOOP:
      return
        "a symlink is on the way that plan did not follow (another user could change it, or it appeared since): name the real path"
    default: return nil
    }
  }

  private func idMap(_ step: Step, _ errno: Int32) -> String? {
    guard errno == ErrnoNames.EPERM else { return nil }
    if step.kind == .gidMap,
      plan.steps.contains(where: { $0.calls == [.writeProcFile(file: "setgroups", contents: "allow")] })
    {
      return "without root, gid_map can only be written after setgroups is denied: remove setgroups = \"allow\""
    }
    if step.calls.contains(where: Self.isHelper) {
      return
        "the helper refused the map: each range outside your own ID must lie in your /etc/subuid (/etc/subgid) ranges"
    }
    return "without root, only your own ID can be mapped (one line, count 1)"
  }

  private static func isHelper(_ call: Syscall) -> Bool {
    if case .idMapHelper = call { return true }
    return false
  }

  /// Whether the call that failed opens the root folder (the only host path opened as a folder, through no symlink).
  private static func isRootFolder(_ step: Step, _ failure: StepFailure) -> Bool {
    guard step.operations.indices.contains(failure.callIndex) else { return false }
    if case .openDirectoryNoSymlinks = step.operations[failure.callIndex].call { return true }
    return false
  }

  /// A walk on the host's tree that met a symlink to nothing (see InRootWalk): the target exists as far as the link.
  private static func isDanglingLink(_ failure: StepFailure) -> Bool {
    failure.error.path?.hasSuffix(": its destination does not exist, and on the host's tree nsbuild makes none")
      ?? false
  }

  private var inUserNamespace: Bool { plan.steps.contains { $0.kind == .uidMap } }
}
