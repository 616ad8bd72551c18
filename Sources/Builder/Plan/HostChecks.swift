import SpecParser

/// The plan's warnings: what the host or the spec will make fail or surprise, said before anything runs.
extension Planner {
  /// The host paths a spec reads (bind sources, overlay folders, a root folder), for ``HostFacts/missingPaths``.
  public static func hostPaths(of spec: Spec) -> [String] { HostSources.paths(of: spec, devices: false) }

  func warnings() -> [PlanWarning] {
    specWarnings() + userNamespaceWarnings() + credentialWarnings() + kernelWarnings() + mountWarnings()
      + hiddenSubmountWarnings() + hostPropagationWarnings() + predictionWarnings() + hostPathWarnings()
      + obstacleWarnings() + writeAccessWarnings() + undoWarnings() + sysfsBusyWarnings() + joinWarnings()
  }

  private func specWarnings() -> [PlanWarning] {
    var result: [PlanWarning] = []
    if spec.unshares(.time), spec.time.isEmpty {
      result.append(
        PlanWarning(
          "the time namespace is unshared with no offsets: clocks read as on the host",
          origin: origin("namespaces.unshare")))
    }
    let clocks = [
      ("monotonic", spec.time.monotonic, state.monotonicSeconds),
      ("boottime", spec.time.boottime, state.boottimeSeconds),
    ]
    for (name, offset, now) in clocks {
      if let offset, offset.seconds + now < 0 {
        result.append(
          PlanWarning(
            "the \(name) offset \(offset.seconds) s would take the clock below zero (it reads \(now) s now); the kernel refuses it (ERANGE)",
            origin: origin(SpecKeyPath("time").appending(name)),
            explains: StepReference(.timeOffsets, origin: origin(SpecKeyPath("time").appending(name)))))
      }
    }
    return result
  }

  private func userNamespaceWarnings() -> [PlanWarning] {
    guard spec.unshares(.user) else { return [] }
    var result: [PlanWarning] = []
    let at = origin("namespaces.unshare")
    if state.host.maxUserNamespaces == 0 {
      result.append(
        PlanWarning(
          "user namespaces are disabled here (sysctl user.max_user_namespaces = 0)", origin: at,
          explains: StepReference(.unshare)))
    }
    if state.host.apparmorRestrictsUserNamespaces, !state.isPrivileged {
      result.append(
        PlanWarning(
          "AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1): the sandbox gets no capabilities unless a profile allows nsbuild",
          origin: at))
    }
    if spec.user.setgroups == .allow, !state.isPrivileged {
      result.append(
        PlanWarning(
          "setgroups = \"allow\" needs root: without it the kernel refuses gid_map unless setgroups is denied",
          origin: origin("user.setgroups"), explains: StepReference(.gidMap)))
    }
    let usesHelper = state.isPrivileged ? false : spec.user.uidMap.count > 1 || spec.user.gidMap.count > 1
    if usesHelper, !state.host.hasSubordinateIDs {
      result.append(
        PlanWarning(
          "uid \(state.uid) has no range in /etc/subuid, so newuidmap will refuse these maps",
          origin: origin("user.uid_map"), explains: StepReference(.uidMap)))
    }
    for (index, mount) in spec.mounts.enumerated() {
      guard mount.kind == .proc || mount.kind == .sysfs else { continue }
      // A sysfs the protection makes read-only is mounted so (see FilesystemPlan.protectedSysfs).
      let readOnly =
        mount.isReadOnly
        || (mount.kind == .sysfs && KernelFilesystemProtection.applies(to: mount) && mayActAsHostRoot)
      let host = mount.kind == .proc ? "/proc" : "/sys"
      let why: String
      switch FreshMountVisibility.refusal(
        of: mount.kind.rawValue, in: state.host.kernelFilesystemMounts, readOnly: readOnly)
      {
      case nil: continue
      case .covered(let covering): why = "the host's \(host) is partly covered (\(Self.list(covering)))"
      case .readOnly:
        why = "the host's \(host) is read-only and this \(mount.kind.rawValue) is not (add \"ro\" to its options)"
      }
      let at = origin(SpecKeyPath("mounts").index(index))
      result.append(
        PlanWarning(
          "\(why): the kernel refuses a fresh \(mount.kind.rawValue) inside a user namespace then", origin: at,
          explains: StepReference(.mount, origin: at)))
    }
    return result
  }

  private func kernelWarnings() -> [PlanWarning] {
    var result: [PlanWarning] = []
    if spec.unshares(.time), !state.host.hasTimeNamespaces {
      result.append(
        PlanWarning(
          "this kernel has no time namespaces (Linux 5.6+ with CONFIG_TIME_NS)", origin: origin("namespaces.unshare"),
          explains: StepReference(.unshare)))
    }
    if !state.host.hasMountSetattr, spec.mounts.contains(where: { $0.kind == .bind && !$0.options.isEmpty }) {
      result.append(PlanWarning("this kernel has no mount_setattr(2) (Linux 5.12+): bind options will fail"))
    }
    result += mountAPIWarnings()
    return result + capabilityWarnings()
  }

  /// Where mounts fall back from the new mount API to mount(2) on /proc/self/fd paths, which whatever covers /proc
  /// at that moment resolves (run then refuses a /proc that is not proc's rather than follow it).
  private func mountAPIWarnings() -> [PlanWarning] {
    guard spec.unshares(.mount) else { return [] }
    let risk = "mount(2) on /proc/self/fd paths instead, which run refuses to follow when a mount covers /proc"
    if let missing = state.host.missingMountCall {
      return [
        PlanWarning("this kernel has no \(missing)(2) (the new mount API, Linux 5.2+): mounts go through \(risk)")
      ]
    }
    guard !state.host.overlayTakesLayerFDs, spec.mounts.contains(where: { $0.kind == .overlay }) else { return [] }
    return [
      PlanWarning(
        "this kernel's overlayfs takes no layer fds (fsconfig(2) FSCONFIG_SET_FD of lowerdir+, Linux 6.13+): "
          + "overlays go through \(risk)")
    ]
  }

  private func capabilityWarnings() -> [PlanWarning] {
    var result: [PlanWarning] = []
    let kept = keptCapabilities
    let missing = spec.process.capabilities.filter { !kept.contains($0) }
    if !missing.isEmpty {
      result.append(
        PlanWarning(
          "not in nsbuild's capability bounding set here, so the command runs without them: "
            + missing.map(\.description).joined(separator: ", "),
          origin: origin("process.capabilities")))
    }
    return result
  }

  private func mountWarnings() -> [PlanWarning] {
    var result = Self.orderWarnings(for: spec)
    for (index, file) in spec.files.enumerated() {
      guard let existing = state.hostEntries[file.path], let message = inTheWay(file, existing) else { continue }
      let at = origin(SpecKeyPath("files").index(index))
      result.append(PlanWarning(message, origin: at, explains: StepReference(.file, origin: at)))
    }
    let missing = Set(state.host.missingPaths)  // not the array: one scan of it per mount was quadratic
    for (index, mount) in spec.mounts.enumerated() {
      let at = origin(SpecKeyPath("mounts").index(index))
      for path in [mount.source].compactMap({ $0 }) + mount.lower where missing.contains(path) {
        result.append(
          PlanWarning("the mount source \(path) does not exist", origin: at, explains: StepReference(.sources)))
      }
    }
    if case .directory(let directory) = spec.root.kind, state.host.missingPaths.contains(directory) {
      result.append(
        PlanWarning(
          "the root folder \(directory) does not exist", origin: origin("root.path"), explains: StepReference(.sources))
      )
    }
    if case .directory(let directory) = spec.root.kind, let real = state.host.realPaths[directory] {
      result.append(
        PlanWarning(
          "the root folder \(directory) is reached through a symlink (it is \(real)): run opens it through no symlink, so that nobody can swap one on the way, and would fail (ELOOP); write `path = \"\(real)\"`",
          origin: origin("root.path"), explains: StepReference(.sources)))
    }
    return result
  }

  /// What an entry already standing at a `[[files]]` path makes run refuse, naming where it is on the host (in a
  /// root folder, beneath it, through a symlink's destination inside it); nil when it is what the entry makes.
  private func inTheWay(_ file: FileEntry, _ existing: HostEntry) -> String? {
    switch (file.kind, existing) {
    case (.dir, .directory), (.dir, .symlink): return nil
    case (.file, .file(let contents?)) where contents == Array(file.content.utf8): return nil
    case (.symlink, .symlink(let link)) where link == file.link: return nil
    case (.dir, _), (.file, _), (.symlink, _): break
    }
    let destination = state.inRootDestinations[file.path] ?? file.path
    let host = HostPlacement(spec: spec).base(of: destination)?.hostPath(of: destination) ?? destination
    if file.kind == .dir {
      return
        "\(host) exists on the host and is not a folder (\(FileChange.describe(existing))): run cannot make the folder there"
    }
    return "\(host) exists on the host with other contents: run will refuse to overwrite it"
  }

  /// Warnings that follow from the spec alone, so `check` reports them too: a mount hidden by a later one on the
  /// same target, a mount moved before entries written earlier beneath it, and propagation that cannot work as
  /// written. Entries and their origins are found by index: nothing is built per mount but for the ones warned of.
  public static func orderWarnings(for spec: Spec) -> [PlanWarning] {
    var result: [PlanWarning] = []
    var seen: [Substring: Int] = [:]
    seen.reserveCapacity(spec.mounts.count)
    // The next mount on the same target, by index (-1: none); an array, as most mounts have none.
    var nextOnTarget = [Int32](repeating: -1, count: spec.mounts.count)
    for index in spec.mounts.indices.reversed() {
      if let later = seen.updateValue(index, forKey: spec.mounts[index].target[...]) {
        nextOnTarget[index] = Int32(later)
      }
    }
    for (index, later) in nextOnTarget.enumerated() where later >= 0 {
      result.append(
        PlanWarning(
          "the mount on \(spec.mounts[index].target) at \(line(of: "mounts", Int(later), in: spec)) hides this one, mounted before it on the same target",
          origin: spec.origins.origin("mounts", index)))
    }
    for move in SetupOrder.moves(of: spec) {
      let before: (array: String, index: Int) =
        switch move.before {
        case .mount(let index, _): ("mounts", index)
        case .file(let index, _): ("files", index)
        }
      result.append(
        PlanWarning(
          "this mount on \(spec.mounts[move.mount].target) is mounted before \(move.before.path), written earlier (\(line(of: before.array, before.index, in: spec))): parents go first, or it would hide what is beneath it",
          origin: spec.origins.origin("mounts", move.mount)))
    }
    return result + propagationWarnings(for: spec)
  }

  /// "line N" for element `index` of the spec's `array`, as the messages name entries (their 0-based indices
  /// confuse), or "the command line" for one an override added.
  private static func line(of array: String, _ index: Int, in spec: Spec) -> String {
    spec.origins.origin(array, index).map { $0.argument == nil ? "line \($0.start.line)" : "the command line" }
      ?? SpecKeyPath(array).index(index).description
  }
}
