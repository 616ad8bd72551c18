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
    return compare(record.plan, live, baseline: record.mounts)
  }

  /// The drift between what `applied` made and what `live` shows; values `live` could not read are not drift.
  /// `baseline`: the mounts recorded when it was applied (``SandboxRecord/mounts``), for mounts made by hand.
  public static func compare(_ applied: Plan, _ live: LiveSandbox, baseline: [RecordedMount]? = nil) -> [Drift] {
    guard live.isAlive else { return [] }
    return applied.steps.flatMap { drift(of: $0, live) } + handMadeMounts(applied, live, baseline: baseline)
  }

  /// Mounts made by hand (`mount -t tmpfs none /mnt` inside), at a path the plan mounts nothing on: each mount whose
  /// parent is one of the plan's mounts (the topmost on its target), or is such a mount itself; and, with the mounts
  /// recorded when the plan was applied (`baseline`), every mount not among them, wherever it stands (the host's
  /// tree seen in the sandbox included), but one a mount of the host propagated in (a slave whose master is no peer
  /// group of the sandbox's, under `[root] propagation = "slave"`). One stacked by hand on a target is that
  /// target's drift (its type or options). Drift whose applied value is `absent`; `apply` takes it off, since the
  /// spec does not have it. Without a baseline (a record that predates it), a mount made by hand on the host's tree
  /// is not told from the host's own mounts there.
  static func handMadeMounts(_ applied: Plan, _ live: LiveSandbox, baseline: [RecordedMount]? = nil) -> [Drift] {
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
    guard let baseline else { return found }
    let peers = Set(mounts.compactMap(\.peerGroup))
    var seen = Set(found.map(\.subject))
    for mount in mounts where !owned.contains(mount.id) && !made.contains(mount.mountPoint) {
      guard !baseline.contains(where: { $0.names(mount) }) else { continue }
      // Propagated from the host's mount: its master is outside the sandbox.
      if let master = mount.masterGroup, !peers.contains(master) { continue }
      let subject = Step.Subject.mountTarget(path: mount.mountPoint)
      guard seen.insert(subject).inserted else { continue }
      found.append(Drift(kind: .mount, subject: subject, applied: "absent", live: mount.fstype))
    }
    return found
  }

  /// A person's name for what drifted: `hostname`, `mount /tmp`, `file /etc/motd`, `uid_map`.
  public static func name(of subject: Step.Subject, kind: Step.Kind) -> String {
    switch subject {
    case .mountTarget(let path): "mount " + path
    case .file(let path): "file " + path
    case .networkInterface(let name): kind == .pasta ? "pasta" : "interface " + name
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
    case .rlimits: return limitsDrift(step, live)
    case .spawn, .unshare, .setgroups, .timeOffsets, .fork, .propagation, .sources, .root, .protect, .pivotRoot,
      .readonlyRoot, .closeFDs, .scrubEnvironment, .spawnCommand, .session, .boundingSet, .credentials,
      .capabilities, .noNewPrivs, .namespaceRoot, .umask, .cwd, .exec, .foreground, .terminal, .relay, .unmount, .join,
      .detach, .hold,
      .outlive, .endCommand, .checkProgram, .bridge, .deleteLink:
      return []
    case .veth: return vethDrift(step, live)
    // Ended by hand (or its keeper killed): nsbuild starts pasta with the sandbox only.
    case .pasta: return found("running", live.pastaRunning.map { $0 ? "running" : "ended" }, restorable: false)
    }
  }

  /// What init's step of a veth set up that is gone from the sandbox's network namespace (read with rtnetlink(7)
  /// dumps): the link itself (deleted by hand; its host end went with it), an address or a route removed, the link
  /// taken down. Addresses and routes added by hand are not drift: nsbuild never made them.
  private static func vethDrift(_ step: Step, _ live: LiveSandbox) -> [Drift] {
    guard step.actor == .initProcess, let links = live.links, case .networkInterface(let name) = step.subject else {
      return []
    }
    func drift(_ applied: String, _ now: String) -> Drift {
      Drift(kind: .veth, subject: step.subject, applied: applied, live: now)
    }
    guard let link = links.first(where: { $0.name == name }) else { return [drift("present", "absent")] }
    let requests = VethShape.requests(step)
    let addresses = requests.filter { $0.linkAddress.map { !link.addresses.contains($0) } ?? false }
    let routes = requests.filter { $0.linkRoute.map { !link.routes.contains($0) } ?? false }
    return (link.isUp ? [] : [drift("up", "down")]) + (addresses + routes).map { drift($0.shown, "absent") }
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

  /// The main command's limits that differ from the ones the applied plan set on it (`prlimit --pid` by hand):
  /// one drift for the step, the limits named as `nofile 512/512` (soft/hard). Not read without a main command.
  private static func limitsDrift(_ step: Step, _ live: LiveSandbox) -> [Drift] {
    guard let now = live.commandLimits else { return [] }
    var (applied, standing): ([String], [String]) = ([], [])
    for case .setrlimit(let limit) in step.calls {
      guard let current = now[limit.resource], current != limit else { continue }
      applied.append(Self.text(limit))
      standing.append(Self.text(current))
    }
    guard !applied.isEmpty else { return [] }
    return [
      Drift(
        kind: .rlimits, subject: step.subject, applied: applied.joined(separator: ", "),
        live: standing.joined(separator: ", "))
    ]
  }

  /// `nofile 512/4096`: soft and hard, `unlimited` for RLIM_INFINITY.
  static func text(_ limit: ResourceLimit) -> String {
    "\(limit.resource.rawValue) \(limit.soft.map(String.init) ?? "unlimited")/\(limit.hard.map(String.init) ?? "unlimited")"
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
