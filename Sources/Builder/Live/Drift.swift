import SpecParser

/// A difference between a live sandbox and the plan last applied to it: something changed inside by hand since
/// `up` or the last `apply` (a `hostname` run inside, a mount taken off), not by the spec.
public struct Drift: Sendable, Hashable, CustomStringConvertible {
  /// What drifted, as the applied plan's step names it (`hostname`, `mount_target /tmp`, `file /etc/motd`).
  public var subject: Step.Subject
  /// The step kind of the applied plan that made it.
  public var kind: Step.Kind
  /// What the applied plan made, and what stands now, as text (`devbox`, `tmpfs`, `up`; `absent`).
  public var applied: String
  public var live: String
  /// Whether `apply` can bring it back in place (a mount, a name, lo, a file), or only a replacement can (ID maps).
  public var restorable: Bool

  public init(kind: Step.Kind, subject: Step.Subject, applied: String, live: String, restorable: Bool = true) {
    self.kind = kind
    self.subject = subject
    self.applied = applied
    self.live = live
    self.restorable = restorable
  }

  public var description: String { "\(DriftReport.name(of: subject, kind: kind)): applied \(applied), now \(live)" }
}

/// How a live sandbox differs from its applied plan. `nsbuild status NAME` calls ``read(_:reader:)`` to say whether
/// there is drift; `plan --target` shows the same list in its own section.
public enum DriftReport {
  /// The drift of the sandbox `record` describes, read through `reader` (read-only, from the host's /proc).
  /// Empty when nothing drifted, and when its init is gone (``ProcessIdentity/isAlive(reader:)`` tells that apart).
  public static func read<Reader: SystemReader>(_ record: SandboxRecord, reader: Reader) -> [Drift] {
    let live = LiveObserver(reader: reader).observe(record, files: record.plan.filePaths)
    return compare(record.plan, live)
  }

  /// The drift between what `applied` made and what `live` shows; values `live` could not read are not drift.
  public static func compare(_ applied: Plan, _ live: LiveSandbox) -> [Drift] {
    guard live.isAlive else { return [] }
    return applied.steps.flatMap { drift(of: $0, live) } + handMadeMounts(applied, live)
  }

  /// Mounts made by hand beneath the applied plan's mounts (`mount -t tmpfs none /srv/cache` inside): each mount
  /// whose parent is one of them (the topmost on its target), or is such a mount itself, at a path the plan mounts
  /// nothing on. One stacked by hand on a target is that target's drift (its type or options). Drift whose
  /// applied value is `absent`; `apply` takes it off. A mount made by hand on a folder of the host's tree seen in the
  /// sandbox is not told apart from the host's own mounts there (the record keeps no list of them).
  static func handMadeMounts(_ applied: Plan, _ live: LiveSandbox) -> [Drift] {
    guard let mounts = live.mounts else { return [] }
    let targets = Set(
      applied.steps.compactMap { step -> String? in
        guard step.kind == .mount, case .mountTarget(let path) = step.subject else { return nil }
        return path
      })
    let made = targets.union(applied.steps.flatMap(\.calls).compactMap(mountedPath))
    // The topmost mount on each target is the plan's: a host mount it covers keeps its own children.
    var owned = Set(targets.compactMap { live.mount(at: $0)?.id })
    var found: [Drift] = []
    // Parents come before their children in mountinfo, so one pass finds mounts nested by hand too.
    for mount in mounts where owned.contains(mount.parentID) && !owned.contains(mount.id) {
      owned.insert(mount.id)
      guard !made.contains(mount.mountPoint) else { continue }
      found.append(
        Drift(kind: .mount, subject: .mountTarget(path: mount.mountPoint), applied: "absent", live: mount.fstype))
    }
    return found
  }

  /// A person's name for what drifted: `hostname`, `mount /tmp`, `file /etc/motd`, `uid_map`.
  public static func name(of subject: Step.Subject, kind: Step.Kind) -> String {
    switch subject {
    case .mountTarget(let path): "mount " + path
    case .file(let path): "file " + path
    case .networkInterface(let name): "interface " + name
    case .clock(let clock): "timens_offsets " + clock.rawValue
    case .idMap(let file): file.rawValue
    case .process, .namespaces, .joinedNamespaces, .hostname, .domainname, .hostPaths, .processAttribute,
      .foregroundProcessGroup:
      kind.rawValue
    }
  }

  private static func drift(of step: Step, _ live: LiveSandbox) -> [Drift] {
    func found(_ applied: String, _ now: String?, restorable: Bool = true) -> [Drift] {
      guard let now, now != applied else { return [] }
      return [Drift(kind: step.kind, subject: step.subject, applied: applied, live: now, restorable: restorable)]
    }
    switch step.kind {
    case .hostname:
      guard case .sethostname(let name)? = step.calls.first else { return [] }
      return found(name, live.hostname)
    case .domainname:
      guard case .setdomainname(let name)? = step.calls.first else { return [] }
      return found(name, live.domainname)
    case .loopback: return found("up", live.loopbackUp.map { $0 ? "up" : "down" })
    case .mount: return mountDrift(step, live)
    case .file: return fileDrift(step, live)
    case .uidMap, .gidMap:
      guard case .writeProcFile(let file, let contents)? = step.calls.first else { return [] }
      return found(words(contents), live.procFiles[file].map(words), restorable: false)
    case .spawn, .unshare, .setgroups, .timeOffsets, .fork, .propagation, .sources, .root, .protect, .pivotRoot,
      .readonlyRoot, .closeFDs, .scrubEnvironment, .spawnCommand, .session, .rlimits, .boundingSet, .credentials,
      .capabilities, .noNewPrivs, .namespaceRoot, .umask, .cwd, .exec, .foreground, .terminal, .relay, .unmount, .join,
      .detach, .hold,
      .outlive, .endCommand, .veth, .bridge, .pasta:
      return []
    }
  }

  /// A mount the applied plan made that is no longer there, is now of another filesystem type, or has other flags,
  /// size or propagation (``MountDrift``). A bind has no
  /// type of its own: mountinfo (proc_pid_mountinfo(5)) shows the type of the filesystem it was taken from, never
  /// `bind`, so a bind is compared by being mounted there only.
  private static func mountDrift(_ step: Step, _ live: LiveSandbox) -> [Drift] {
    guard case .mountTarget(let path) = step.subject, live.mounts != nil else { return [] }
    let type = MountShape(step).fstype
    guard let mount = live.mount(at: path) else {
      return [Drift(kind: .mount, subject: step.subject, applied: type ?? "mounted", live: "absent")]
    }
    if let type, type != "bind", mount.fstype != type {
      return [Drift(kind: .mount, subject: step.subject, applied: type, live: mount.fstype)]
    }
    guard let changed = MountDrift(shape: MountShape(step), mount: mount).described else { return [] }
    return [Drift(kind: .mount, subject: step.subject, applied: changed.applied, live: changed.standing)]
  }

  private static func fileDrift(_ step: Step, _ live: LiveSandbox) -> [Drift] {
    guard case .file(let path) = step.subject, let now = live.files[path] else { return [] }
    for case .createFile(_, _, let contents, _, _) in step.calls {
      let wanted = Array(contents.utf8)
      switch now {
      case .file(let current) where current == wanted: return []
      case .file: return [Drift(kind: .file, subject: step.subject, applied: "as written", live: "changed")]
      case .missing: return [Drift(kind: .file, subject: step.subject, applied: "as written", live: "absent")]
      case .other: return [Drift(kind: .file, subject: step.subject, applied: "a file", live: "not a regular file")]
      }
    }
    return []
  }

  /// Where a call of the applied plan attaches a mount in the sandbox (a device node, a /proc path masked), so it is
  /// not taken for one made by hand.
  private static func mountedPath(_ call: Syscall) -> String? {
    if case .moveMount(_, _, let path) = call { return path }
    if case .mountAt(_, _, let path, _, _, _) = call { return path }
    if case .mountOverlay(_, let path, _, _, _, _, _) = call { return path }
    if case .readOnlyPath(_, _, let shown, _) = call { return shown }
    if case .maskPath(_, _, let shown, _, _) = call { return shown }
    return nil
  }

  /// The kernel pads ID map columns: compare the numbers only.
  private static func words(_ text: String) -> String {
    text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).joined(separator: " ")
  }
}

extension Plan {
  /// The sandbox paths of the plan's `[[files]]` steps.
  public var filePaths: [String] {
    steps.compactMap { step in
      guard step.kind == .file, case .file(let path) = step.subject else { return nil }
      return path
    }
  }
}
