/// Rules that tie one part of a spec to another, checked after every section is decoded.
struct CrossFieldRules {
  let spec: Spec
  let sink: DiagnosticSink
  /// The literal text of a value as written, for rules about how a value was spelt.
  var writtenText: (SourceRange) -> String = { _ in "" }

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
    if spec.namespaces.isEmpty {
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
    var filePaths: [String: Int] = [:]
    for (index, file) in spec.files.enumerated() {
      if let first = filePaths[file.path], let range = spec.origins[SpecKeyPath("files").index(index)] {
        let line = spec.origins[SpecKeyPath("files").index(first)].map { "line \($0.start.line)" } ?? "files[\(first)]"
        sink.error("duplicate-path", "\(file.path) is already created by the [[files]] entry at \(line)", at: range)
      }
      filePaths[file.path] = filePaths[file.path] ?? index
    }
    for (index, mount) in spec.mounts.enumerated() {
      kernelRefusals(mount, at: SpecKeyPath("mounts").index(index))
      readOnlyUpper(mount, at: SpecKeyPath("mounts").index(index))
    }
    filesOnReadOnlyBinds()
    relativeCwdInANewRoot()
    for (index, mount) in spec.mounts.enumerated() {
      let path = SpecKeyPath("mounts").index(index)
      if !spec.unshares(.mount) {
        requireAt(.mount, path: path, what: "a mount")
      } else if mount.kind == .proc, !spec.unshares(.pid) {
        sink.warning(
          "proc-without-pid", "this proc mount shows the host's processes: `pid` is not unshared",
          at: spec.origins[path] ?? start, hint: "add \"pid\" to [namespaces] unshare")
      }
    }
  }

  /// A relative `cwd` resolves against the spec's folder on the host, which a new root does not hold.
  private func relativeCwdInANewRoot() {
    guard spec.root.kind != .host, let range = spec.origins["process.cwd"] else { return }
    let written = writtenText(range).drop { $0 == "\"" || $0 == "'" }
    guard !written.hasPrefix("/") else { return }
    sink.error(
      "relative-cwd",
      "a relative `cwd` resolves against the spec's folder on the host, which the new root does not hold",
      at: range, hint: "write the folder inside the new root as an absolute path, such as \"/home/dev\"")
  }

  /// A `[[files]]` entry whose nearest mount is a read-only bind lands in the bind's source folder, which that bind
  /// shows read-only: writing it fails with EROFS. (Mounts inside one are fine: their mount points are made before
  /// the bind turns read-only.)
  private func filesOnReadOnlyBinds() {
    guard !spec.files.isEmpty else { return }
    var nearest: [String: Mount] = [:]
    for mount in spec.mounts { nearest[mount.target] = mount }
    for (index, file) in spec.files.enumerated() {
      var ancestor = Substring(file.path)
      var holder: Mount?
      while holder == nil, ancestor != "/", let slash = ancestor.lastIndex(of: "/") {
        ancestor = slash == ancestor.startIndex ? "/" : ancestor[..<slash]
        holder = nearest[String(ancestor)]
      }
      guard let holder, holder.kind == .bind, holder.isReadOnly,
        let range = spec.origins[SpecKeyPath("files").index(index)]
      else { continue }
      sink.error(
        "read-only-files", "\(file.path) lies in the read-only bind of \(holder.source ?? "?") on \(holder.target)",
        at: range, hint: "write it elsewhere, or drop `ro` from that bind")
    }
  }

  /// An overlay's upper folder is a host path, so on a host tree that `[root] readonly` makes read-only it is
  /// read-only too, and overlayfs refuses a read-only upper (EINVAL).
  private func readOnlyUpper(_ mount: Mount, at path: SpecKeyPath) {
    guard spec.root.kind == .host, spec.root.readonly, case .directories = mount.upper,
      let range = spec.origins[path.appending("upper")]
    else { return }
    sink.error(
      "read-only-upper",
      "the overlay's upper folder is read-only here: [root] readonly makes the host's tree read-only",
      at: range, hint: "use upper = \"tmpfs\", or leave [root] readonly out")
  }

  /// Mounts the kernel refuses inside a user namespace unless their own namespace is unshared too.
  private func kernelRefusals(_ mount: Mount, at path: SpecKeyPath) {
    guard spec.unshares(.user), let range = spec.origins[path] else { return }
    let needs: Namespace? =
      switch mount.kind {
      case .mqueue: .ipc
      case .sysfs: .net
      default: nil
      }
    guard let needs, !spec.unshares(needs) else { return }
    sink.error(
      "namespace-required",
      "a \(mount.kind.rawValue) mount in a user namespace needs the \(needs.rawValue) namespace (the kernel refuses it otherwise)",
      at: range, hint: "add \"\(needs.rawValue)\" to [namespaces] unshare")
  }

  private var start: SourceRange { SourceRange(at: SourceLocation(line: 1, column: 1, offset: 0)) }

  private func require(_ namespace: Namespace, for key: SpecKeyPath, what: String, when present: Bool) {
    guard present, spec.origins[key] != nil else { return }
    requireAt(namespace, path: key, what: what)
  }

  private func requireAt(_ namespace: Namespace, path: SpecKeyPath, what: String) {
    guard !spec.unshares(namespace), let range = spec.origins[path] else { return }
    sink.error(
      "namespace-required", "\(what) needs the \(namespace.rawValue) namespace", at: range,
      hint: "add \"\(namespace.rawValue)\" to [namespaces] unshare")
  }
}
