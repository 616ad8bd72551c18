import SpecParser

extension OCIExporter {
  mutating func exportProcess() {
    process.terminal = spec.process.terminal
    if writes("process.terminal") { report("process.terminal", .exported, "process.terminal") }
    exportCommand()
    exportEnvironment()
    exportUser()
    process.noNewPrivileges = spec.process.noNewPrivs
    if writes("process.no_new_privs") { report("process.no_new_privs", .exported, "process.noNewPrivileges") }
    exportCapabilities()
    exportRlimits()
    if writes("process.new_session") {
      report(
        "process.new_session", spec.process.newSession ? .exported : .dropped,
        note: "the runtimes always start the process in a new session (setsid(2))")
    }
    if writes("process.die_with_parent") {
      report(
        "process.die_with_parent", .approximated,
        note: "`runc run` and `crun run` in the foreground take the container down when they end on a signal they "
          + "catch, not on SIGKILL; --detach leaves it running")
    }
  }

  private mutating func exportCommand() {
    if let args = spec.process.args {
      process.args = args
      report("process.args", .exported, "process.args")
    } else {
      process.args = ["sleep", "infinity"]
      report(
        "process.args", .approximated, "process.args",
        note: "the spec has no command (it holds namespaces for `nsbuild up`): sleep infinity holds them")
    }
    process.cwd = spec.process.cwd ?? "/"
    if writes("process.cwd") {
      let relative = writtenRelative("process.cwd")
      report(
        "process.cwd", relative ? .resolved : .exported, "process.cwd",
        note: relative ? "\(spec.process.cwd ?? "/") (relative to the spec's folder)" : nil)
    }
  }

  /// The command's environment: the spec's variables over the inherited ones (unless `clear_env`), which are the
  /// environment `export` runs in, less `unset`.
  private mutating func exportEnvironment() {
    let own = Set(spec.process.env.map(\.name))
    var inherited: [String] = []
    var env: [String] = []
    if !spec.process.clearEnv {
      let unset = Set(spec.process.unset)
      for variable in host.environment {
        let name = String(variable.prefix { $0 != "=" })
        guard !name.isEmpty, variable.contains("="), !unset.contains(name), !own.contains(name) else { continue }
        inherited.append(name)
        env.append(variable)
      }
      annotations[OCIAnnotation.inheritedEnv] = inherited.joined(separator: ",")
      if !spec.process.unset.isEmpty {
        annotations[OCIAnnotation.unset] = spec.process.unset.joined(separator: ",")
      }
      report(
        "process.clear_env", .resolved, "process.env",
        note: "the environment export ran in, config.json mode 0600: \(inherited.count) variables"
          + (inherited.isEmpty ? "" : " (\(inherited.joined(separator: ", ")))"))
    } else if writes("process.clear_env") {
      report("process.clear_env", .exported, "process.env", note: "only the spec's variables")
    }
    env += spec.process.env.map { $0.name + "=" + $0.value }
    process.env = env
    if writes("process.env") { report("process.env", .exported, "process.env") }
    if writes("process.unset") { report("process.unset", .exported, "process.env", note: "left out of it") }
  }

  private mutating func exportUser() {
    // Without root and without a user namespace nsbuild keeps the caller's IDs; the runtimes take what is written.
    let keepsCaller = !spec.unshares(.user) && host.uid != 0
    var user = OCIUser(
      uid: spec.process.uid ?? (keepsCaller ? host.uid : 0), gid: spec.process.gid ?? (keepsCaller ? host.gid : 0))
    user.additionalGids = spec.process.groups
    for (key, name) in [("process.uid", "uid"), ("process.gid", "gid"), ("process.groups", "additionalGids")]
    where writes(SpecKeyPath(key)) {
      report(SpecKeyPath(key), .exported, "process.user." + name)
    }
    if let umask = spec.process.umask {
      user.umask = umask
      report("process.umask", .exported, "process.user.umask")
    } else {
      user.umask = host.umask
      annotations[OCIAnnotation.inheritedUmask] = "true"
      report(
        "process.umask", .resolved, "process.user.umask",
        note: "the umask export ran with, \(FileMode.octal(host.umask))")
    }
    process.user = user
  }

  private mutating func exportCapabilities() {
    let names = spec.process.capabilities.map(\.description)
    var capabilities = OCICapabilities()
    capabilities.bounding = names
    capabilities.effective = names
    capabilities.permitted = names
    capabilities.inheritable = names
    capabilities.ambient = names
    process.capabilities = capabilities
    if writes("process.capabilities") {
      report("process.capabilities", .exported, "process.capabilities (all five sets)")
    }
  }

  private mutating func exportRlimits() {
    guard !spec.process.rlimits.isEmpty else { return }
    process.rlimits = spec.process.rlimits.map { limit in
      OCIRlimit(
        type: "RLIMIT_" + limit.resource.rawValue.uppercased(), hard: limit.hard ?? UInt64.max,
        soft: limit.soft ?? UInt64.max)
    }
    for limit in spec.process.rlimits {
      let key = SpecKeyPath("process.rlimits").appending(limit.resource.rawValue)
      report(key, .exported, "process.rlimits RLIMIT_" + limit.resource.rawValue.uppercased())
    }
  }
}
