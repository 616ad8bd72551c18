/// Rules that tie one part of a spec to another, checked after every section is decoded.
struct CrossFieldRules {
  let spec: Spec
  let sink: DiagnosticSink

  func check() {
    // Each rule looks at the decoded value, so a key already reported as mistyped is not reported twice.
    require(.uts, for: "uts.hostname", what: "hostname", when: spec.uts.hostname != nil)
    require(.uts, for: "uts.domainname", what: "domainname", when: spec.uts.domainname != nil)
    require(.user, for: "user.uid_map", what: "uid_map", when: !spec.user.uidMap.isEmpty)
    require(.user, for: "user.gid_map", what: "gid_map", when: !spec.user.gidMap.isEmpty)
    require(.user, for: "user.setgroups", what: "setgroups", when: spec.user.setgroups != nil)
    require(.time, for: "time.monotonic", what: "a monotonic offset", when: spec.time.monotonic != nil)
    require(.time, for: "time.boottime", what: "a boottime offset", when: spec.time.boottime != nil)
    require(.net, for: "net.loopback", what: "loopback", when: spec.net.loopback == false)
    if spec.namespaces.isEmpty, spec.joins.isEmpty {
      sink.warning(
        "no-namespaces", "no namespaces are unshared: the command runs in the host's namespaces",
        at: spec.origins["namespaces.unshare"] ?? start, hint: "list namespaces in [namespaces] unshare")
    }
    if spec.root.kind != .host || spec.root.readonly, !spec.unshares(.mount), let range = spec.origins["root"] {
      sink.error(
        "namespace-required", "[root] needs the mount namespace", at: range,
        hint: "add \"mount\" to [namespaces] unshare")
    }
    for (index, _) in spec.files.enumerated() where !spec.unshares(.mount) {
      requireAt(.mount, path: SpecKeyPath("files").index(index), what: "a files entry")
    }
    for (index, mount) in spec.mounts.enumerated() {
      // The key path is spelt out only for a mount that breaks a rule.
      if !spec.unshares(.mount) {
        requireAt(.mount, path: SpecKeyPath("mounts").index(index), what: "a mount")
      } else if mount.kind == .proc, !spec.unshares(.pid), spec.join(of: .pid) == nil {
        sink.warning(
          "proc-without-pid", "this proc mount shows the host's processes: `pid` is not unshared",
          at: spec.origins.origin("mounts", index) ?? start, hint: "add \"pid\" to [namespaces] unshare")
      }
    }
  }

  private var start: SourceRange { SourceRange(at: SourceLocation(line: 1, column: 1, offset: 0)) }

  private func require(_ namespace: Namespace, for key: SpecKeyPath, what: String, when present: Bool) {
    guard present, spec.origins[key] != nil else { return }
    requireAt(namespace, path: key, what: what)
  }

  private func requireAt(_ namespace: Namespace, path: SpecKeyPath, what: String) {
    guard !spec.unshares(namespace), let range = spec.origins[path] else { return }
    if let join = spec.join(of: namespace) {
      // A joined namespace is another sandbox's: this one sets nothing up in it.
      sink.error(
        "namespace-required",
        "\(what) needs a new \(namespace.rawValue) namespace: the joined one is \(join.target)'s, which this sandbox does not set up",
        at: range, hint: "leave this out, or unshare \"\(namespace.rawValue)\" instead of joining it")
      return
    }
    sink.error(
      "namespace-required", "\(what) needs the \(namespace.rawValue) namespace", at: range,
      hint: "add \"\(namespace.rawValue)\" to [namespaces] unshare")
  }
}
