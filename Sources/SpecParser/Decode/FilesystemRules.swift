/// Rules about where files and mounts land, checked after every section is decoded: what the kernel would refuse
/// or what could not be written there, reported with its spec line instead of as a failed step of `run`.
struct FilesystemRules {
  let spec: Spec
  let sink: DiagnosticSink
  /// The paths inside the sandbox written relative.
  var relativeInsidePaths: [RelativeInsidePath] = []

  func check() {
    duplicateFiles()
    // Origins by index, looked up only for a mount that breaks a rule: no key path string per mount.
    for (index, mount) in spec.mounts.enumerated() {
      kernelRefusals(mount, at: index)
      readOnlyUpper(mount, at: index)
    }
    filesOnReadOnlyBinds()
    relativePathsInANewRoot()
  }

  /// Two `[[files]]` entries on one path: the second could only fail or silently win.
  private func duplicateFiles() {
    var filePaths: [String: Int] = [:]
    for (index, file) in spec.files.enumerated() {
      if let first = filePaths[file.path], let range = spec.origins[SpecKeyPath("files").index(index)] {
        let line = spec.origins[SpecKeyPath("files").index(first)].map { "line \($0.start.line)" } ?? "files[\(first)]"
        sink.error("duplicate-path", "\(file.path) is already created by the [[files]] entry at \(line)", at: range)
      }
      filePaths[file.path] = filePaths[file.path] ?? index
    }
  }

  /// A `[[files]]` entry whose nearest mount is a read-only bind lands in the bind's source folder, which that bind
  /// shows read-only: writing it fails with EROFS. (Mounts inside one are fine: their mount points are made before
  /// the bind turns read-only.)
  private func filesOnReadOnlyBinds() {
    guard !spec.files.isEmpty else { return }
    let mounts = MountsByTarget(spec.mounts)
    for (index, file) in spec.files.enumerated() {
      guard let holder = mounts.deepest(above: file.path)?.mount, holder.kind == .bind, holder.isReadOnly,
        let range = spec.origins[SpecKeyPath("files").index(index)]
      else { continue }
      sink.error(
        "read-only-files", "\(file.path) lies in the read-only bind of \(holder.source ?? "?") on \(holder.target)",
        at: range, hint: "write it elsewhere, or drop `ro` from that bind")
    }
  }

  /// An overlay's upper folder is a host path, so on a host tree that `[root] readonly` makes read-only it is
  /// read-only too, and overlayfs refuses a read-only upper (EINVAL).
  private func readOnlyUpper(_ mount: Mount, at index: Int) {
    guard spec.root.kind == .host, spec.root.readonly, case .directories = mount.upper,
      let range = spec.origins.origin("mounts", index, ".upper")
    else { return }
    sink.error(
      "read-only-upper",
      "the overlay's upper folder is read-only here: [root] readonly makes the host's tree read-only",
      at: range, hint: "use upper = \"tmpfs\", or leave [root] readonly out")
  }

  /// Mounts the kernel refuses inside a user namespace unless their own namespace is unshared too.
  private func kernelRefusals(_ mount: Mount, at index: Int) {
    guard spec.unshares(.user) else { return }
    let needs: Namespace? =
      switch mount.kind {
      case .mqueue: .ipc
      case .sysfs: .net
      case .bind, .tmpfs, .proc, .dev, .devpts, .overlay: nil
      }
    guard let needs, !spec.unshares(needs), let range = spec.origins.origin("mounts", index) else { return }
    sink.error(
      "namespace-required",
      "a \(mount.kind.rawValue) mount in a user namespace needs the \(needs.rawValue) namespace (the kernel refuses it otherwise)",
      at: range, hint: "add \"\(needs.rawValue)\" to [namespaces] unshare")
  }
}
