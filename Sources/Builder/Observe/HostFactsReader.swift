import SpecParser

/// Reads ``HostFacts`` from /proc, /etc and uname, all beneath `root` so tests can point it at a fake tree.
public struct HostFactsReader<Reader: SystemReader> {
  let reader: Reader
  /// Prefixed to every path read: "" for the real host, a folder holding `proc/…` and `etc/…` in tests.
  let root: String

  public init(reader: Reader, root: String = "") {
    self.reader = reader
    self.root = root
  }

  /// Whether uname(2)'s release is `major.minor` or later; true when it cannot be read, so a check that follows
  /// rather than a warning tells.
  private func kernelIsAtLeast(_ major: Int, _ minor: Int) -> Bool {
    let version = reader.kernelRelease().split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
    return version.count < 2 || (version[0], version[1]) >= (major, minor)
  }

  func text(_ path: String) -> String? {
    (try? reader.readFile(root + path)).map { String(decoding: $0, as: UTF8.self) }
  }

  /// - Parameters:
  ///   - paths: host paths the spec names; those missing are listed in ``HostFacts/missingPaths``.
  ///   - uid: the caller, for /etc/subuid.
  ///   - spec: when given, only what can matter to this spec is read (a name lookup or a /proc read costs start-up
  ///     time on every run).
  public func read(paths: [String], uid: UInt32, for spec: Spec? = nil) -> HostFacts {
    let user = spec.map { $0.unshares(.user) } ?? true
    let unprivileged = uid != 0
    var facts = HostFacts()
    if user {
      facts.maxUserNamespaces = text("/proc/sys/user/max_user_namespaces").flatMap {
        Int($0.split(separator: "\n").first ?? "")
      }
      facts.apparmorRestrictsUserNamespaces =
        text("/proc/sys/kernel/apparmor_restrict_unprivileged_userns")?.hasPrefix("1") ?? false
    }
    if spec.map({ $0.unshares(.time) }) ?? true { facts.hasTimeNamespaces = reader.exists(root + "/proc/self/ns/time") }
    if spec.map({ $0.mounts.contains { $0.kind == .bind && !$0.options.isEmpty } }) ?? true {
      facts.hasMountSetattr = kernelIsAtLeast(5, 12)
    }
    if spec.map({ $0.unshares(.mount) }) ?? true { facts.missingMountCall = reader.missingMountCall() }
    // overlayfs takes its layers as fds ("lowerdir+", FSCONFIG_SET_FD) from Linux 6.13 on.
    if spec.map({ $0.mounts.contains { $0.kind == .overlay } }) ?? true {
      facts.overlayTakesLayerFDs = kernelIsAtLeast(6, 13)
    }
    if user, spec.map({ $0.mounts.contains { $0.kind == .proc || $0.kind == .sysfs } }) ?? true {
      facts.kernelFilesystemMounts = FreshMountVisibility.relevant(
        HostMount.parse(text("/proc/self/mountinfo") ?? ""), ["proc", "sysfs"])
    }
    if spec.map({ !$0.unshares(.user) && !$0.process.capabilities.isEmpty }) ?? true {
      facts.boundingSet = capabilitySet("CapBnd:")
    }
    if user {
      facts.supplementaryGroups = supplementaryGroups()
      facts.effectiveCapabilities = effectiveCapabilities()
    }
    if spec.map({ !$0.process.rlimits.isEmpty }) ?? true { readLimits(into: &facts) }
    if let spec, !spec.unshares(.user), !spec.namespaces.isEmpty, unprivileged,
      facts.effectiveCapabilities == nil
    {
      facts.effectiveCapabilities = effectiveCapabilities()
    }
    facts.missingPaths = paths.filter { !reader.exists($0) }
    if spec?.readsHostMounts ?? true {
      facts.mounts = HostMount.parse(text("/proc/self/mountinfo") ?? "")
      for path in paths { if let real = reader.realPath(path), real != path { facts.realPaths[path] = real } }
    }
    // run opens a root folder with RESOLVE_NO_SYMLINKS: a symlink anywhere on its path fails it (ELOOP).
    if case .directory(let folder) = spec?.root.kind, let real = reader.realPath(folder), real != folder {
      facts.realPaths[folder] = real
    }
    if user, spec == nil || unprivileged {
      // An unreadable /etc/passwd: the numeric entry still counts.
      let name = try? reader.userName(uid)
      facts.hasSubordinateIDs = (text("/etc/subuid") ?? "").split(separator: "\n").contains { line in
        let owner = line.split(separator: ":").first.map(String.init)
        return owner == String(uid) || (name != nil && owner == name)
      }
    }
    return facts
  }
}
