import SpecParser

extension OCIImporter {
  mutating func importProcess() {
    guard let process = config.process else { return }
    spec.process.args = process.args
    if process.args != nil { report("process.args", .exported, "process.args") }
    importEnvironment(process.env ?? [])
    if let cwd = process.cwd, cwd != "/" {
      spec.process.cwd = OCIImporter.normalised(cwd)
      report("process.cwd", .exported, "process.cwd")
    }
    if let user = process.user {
      spec.process.uid = user.uid.flatMap { $0 == 0 ? nil : $0 }
      spec.process.gid = user.gid.flatMap { $0 == 0 ? nil : $0 }
      spec.process.groups = user.additionalGids
      if annotations[OCIAnnotation.inheritedUmask] != "true" { spec.process.umask = user.umask }
      report("process.user", .exported, "process.uid, gid, groups, umask")
    }
    // The runtime-spec's default is false; nsbuild's is true.
    spec.process.noNewPrivs = process.noNewPrivileges ?? false
    report("process.noNewPrivileges", .exported, "process.no_new_privs")
    importCapabilities(process.capabilities)
    importRlimits(process.rlimits ?? [])
    if process.terminal == true {
      spec.process.terminal = true
      report("process.terminal", .exported, "process.terminal")
    }
    reportUncoveredProtection()
  }

  private mutating func importEnvironment(_ env: [String]) {
    let inherited = list(OCIAnnotation.inheritedEnv).map(Set.init)
    for variable in env {
      let name = String(variable.prefix { $0 != "=" })
      guard name.count < variable.count, !name.isEmpty else { continue }
      if inherited?.contains(name) == true { continue }
      spec.process.env.append(EnvironmentVariable(name, String(variable.dropFirst(name.count + 1))))
    }
    spec.process.clearEnv = inherited == nil
    spec.process.unset = list(OCIAnnotation.unset) ?? []
    if !env.isEmpty {
      report(
        "process.env", .exported, inherited == nil ? "process.env, clear_env = true" : "process.env",
        note: inherited.map { "\($0.count) variables inherited at export left out again" })
    }
  }

  /// nsbuild keeps one list in all five sets: the effective set (else the bounding set) when the sets differ.
  private mutating func importCapabilities(_ capabilities: OCICapabilities?) {
    guard let capabilities else { return }
    let sets = [
      capabilities.bounding, capabilities.effective, capabilities.permitted, capabilities.inheritable,
      capabilities.ambient,
    ]
    let chosen = capabilities.effective ?? capabilities.bounding ?? []
    var unknown: [String] = []
    spec.process.capabilities = chosen.compactMap { name in
      guard let capability = Capability(name: name) else {
        unknown.append(name)
        return nil
      }
      return capability
    }
    let same = sets.allSatisfy { Set($0 ?? []) == Set(chosen) }
    if same && unknown.isEmpty {
      report("process.capabilities", .exported, "process.capabilities")
    } else {
      var why: [String] = []
      if !same { why.append("nsbuild keeps one list in every set: the effective set's \(chosen.count)") }
      if !unknown.isEmpty { why.append("unknown to nsbuild: \(unknown.joined(separator: ", "))") }
      report(
        "process.capabilities", .approximated, "process.capabilities", note: why.joined(separator: "; "),
        section: "process")
    }
  }

  private mutating func importRlimits(_ limits: [OCIRlimit]) {
    for (index, limit) in limits.enumerated() {
      let name = limit.type.lowercased().hasPrefix("rlimit_") ? String(limit.type.dropFirst(7)).lowercased() : ""
      guard let resource = ResourceLimit.Resource(rawValue: name) else {
        report("process.rlimits[\(index)]", .dropped, note: "unknown limit '\(limit.type)'", section: "process")
        continue
      }
      spec.process.rlimits.removeAll { $0.resource == resource }
      spec.process.rlimits.append(
        ResourceLimit(
          resource, soft: limit.soft == UInt64.max ? nil : limit.soft,
          hard: limit.hard == UInt64.max ? nil : limit.hard))
      report("process.rlimits[\(index)]", .exported, "process.rlimits.\(resource.rawValue)")
    }
  }

  /// The fields nsbuild reads, by their path in the config; every other field is reported and commented.
  static let knownFields: Set<String> = [
    "ociVersion", "process", "root", "hostname", "domainname", "mounts", "linux", "annotations",
    "process.terminal", "process.user", "process.args", "process.env", "process.cwd", "process.capabilities",
    "process.rlimits", "process.noNewPrivileges", "process.user.uid", "process.user.gid", "process.user.umask",
    "process.user.additionalGids", "root.path", "root.readonly", "linux.namespaces", "linux.uidMappings",
    "linux.gidMappings", "linux.timeOffsets", "linux.maskedPaths", "linux.readonlyPaths", "linux.rootfsPropagation",
  ]

  /// Why some well-known fields have no nsbuild equivalent.
  static let reasons: [String: String] = [
    "hooks": "nsbuild runs no hooks",
    "linux.seccomp": "nsbuild installs no seccomp filter",
    "linux.resources": "nsbuild sets no cgroup limits",
    "linux.cgroupsPath": "nsbuild makes no cgroup",
    "linux.devices": "nsbuild's dev mount has null, zero, full, random, urandom and tty, and no device cgroup",
    "linux.sysctl": "nsbuild writes no sysctls",
    "process.apparmorProfile": "nsbuild sets no AppArmor profile",
    "process.selinuxLabel": "nsbuild sets no SELinux label",
    "linux.mountLabel": "nsbuild sets no SELinux label",
    "process.oomScoreAdj": "nsbuild leaves oom_score_adj as it is",
    "process.consoleSize": "nsbuild's pseudo-terminal takes the size of the caller's terminal",
  ]

  /// Reports and comments every field of the config outside ``knownFields`` (hooks, seccomp, resources...), and
  /// annotations that are not nsbuild's.
  mutating func reportUnknownFields() {
    let sections = ["process": "process", "root": "root", "linux": "namespaces"]
    func walk(_ node: JSONNode, _ prefix: String) {
      guard case .object(let members) = node.kind else { return }
      for member in members {
        let path = prefix.isEmpty ? member.key : prefix + "." + member.key
        if Self.knownFields.contains(path) {
          if ["process", "root", "linux", "process.user"].contains(path) { walk(member.value, path) }
          continue
        }
        let top = String(path.prefix { $0 != "." })
        report(
          path, .dropped, note: Self.reasons[path] ?? "no nsbuild equivalent", section: sections[top] ?? "")
      }
    }
    walk(tree, "")
    for key in (config.annotations ?? [:]).keys.sorted() where !key.hasPrefix("org.nsbuild.") {
      report("annotations.\(key)", .dropped, note: "a spec has no annotations")
    }
  }
}
