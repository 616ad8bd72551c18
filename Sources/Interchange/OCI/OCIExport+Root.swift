import SpecParser

extension OCIExporter {
  /// The bundle's own root folder, relative to the bundle.
  static let bundleRoot = "rootfs"

  mutating func exportRoot() {
    linux.rootfsPropagation = "r" + spec.root.propagation.rawValue
    if writes("root.propagation") { report("root.propagation", .exported, "linux.rootfsPropagation") }
    switch spec.root.kind {
    case .host:
      config.root = OCIRoot(path: Self.bundleRoot, readonly: spec.root.readonly)
      annotations[OCIAnnotation.root] = "host"
      bindHostTree()
    case .tmpfs:
      config.root = OCIRoot(path: Self.bundleRoot, readonly: spec.root.readonly)
      annotations[OCIAnnotation.root] = "tmpfs"
      report(
        "root.type", .approximated, "root.path",
        note: "the bundle's empty rootfs folder, not a tmpfs: what the command writes to / stays in the bundle")
    case .directory(let path):
      config.root = OCIRoot(path: path, readonly: spec.root.readonly)
      report(
        "root.path", writtenRelative("root.path") ? .resolved : .approximated, "root.path",
        note: "\(path); the runtimes make missing mount points in it and leave them there")
    }
    if writes("root.readonly") {
      let binds = spec.root.kind == .host ? " and rro on each bind of the host's tree" : ""
      report("root.readonly", .exported, "root.readonly" + binds)
    }
    addDevIfMissing()
  }

  /// The host's `/` as recursive binds of each of its entries into the bundle's rootfs (symlinks copied), since a
  /// runtime's root is a folder it pivots into. An entry the spec mounts over itself is left out.
  private mutating func bindHostTree() {
    let targets = Set(spec.mounts.map(\.target))
    var count = 0
    for entry in host.rootEntries where entry.name != "dev" && !targets.contains("/" + entry.name) {
      let path = "/" + entry.name
      var options = ["rbind"]
      switch entry.kind {
      case .directory:
        rootfs.append(.directory(entry.name))
        if spec.root.readonly { options.append("rro") }
      case .file:
        rootfs.append(.file(entry.name, content: [], mode: 0o644))
        // Nothing is mounted beneath a file; crun 1.8 refuses `rro` on one (it opens the target as a folder).
        if spec.root.readonly { options.append("ro") }
      case .symlink(let target):
        rootfs.append(.symlink(entry.name, target: target))
        continue
      case .other: continue
      }
      addMount(OCIMount(destination: path, type: "bind", source: path, options: options))
      count += 1
    }
    report(
      "root", .exported, "root.path and mounts",
      note: "the host's tree: \(count) recursive binds of the entries of / into the bundle's rootfs")
  }

  /// A /dev of the sandbox's own when the spec has none: without it the runtimes make device nodes in the root
  /// folder itself, on the host (in the bundle's rootfs, or the host's /dev through a bind).
  private mutating func addDevIfMissing() {
    guard !spec.mounts.contains(where: { $0.target == "/dev" }) else { return }
    for mount in Self.devMounts(at: "/dev", options: []) { addMount(mount) }
    let had = spec.root.kind == .host ? "the host's /dev" : "the root's /dev folder"
    report(
      "mounts", .approximated, "mounts /dev",
      note: "a /dev of its own (tmpfs, devpts, shm; the runtime adds null, zero, full, random, urandom, tty) "
        + "instead of \(had): the runtimes would otherwise make device nodes inside the root folder on the host")
  }

  /// Appends a mount nsbuild adds, recording its index for the annotation.
  mutating func addMount(_ mount: OCIMount) {
    added.append(mounts.count)
    mounts.append(mount)
  }

  /// nsbuild's minimal /dev as the runtimes build one: a tmpfs (nosuid, mode 755) the runtime fills with the usual
  /// devices and links, a private devpts, and a shm tmpfs.
  static func devMounts(at target: String, options: [String]) -> [OCIMount] {
    [
      OCIMount(destination: target, type: "tmpfs", source: "tmpfs", options: ["nosuid"] + options + ["mode=755"]),
      OCIMount(
        destination: target + "/pts", type: "devpts", source: "devpts",
        options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=620"]),
      OCIMount(
        destination: target + "/shm", type: "tmpfs", source: "shm", options: ["nosuid", "nodev", "mode=1777"]),
    ]
  }

  mutating func exportFiles() {
    let targets = Set(spec.mounts.map(\.target))
    var made = Set<String>()
    for (index, file) in spec.files.enumerated() {
      let key = SpecKeyPath("files").index(index)
      let onMount = AbsolutePath.isBeneath(anyOf: targets, file.path, orAt: true)
      guard spec.root.kind == .tmpfs, !onMount else {
        report(
          key, .dropped,
          note: "no field for files to make: make \(file.path) in the root folder, or with a createContainer hook")
        continue
      }
      for ancestor in AbsolutePath.ancestors(of: file.path).dropFirst() where !made.contains(String(ancestor)) {
        made.insert(String(ancestor))
        rootfs.append(.directory(String(ancestor.dropFirst())))
      }
      let name = String(file.path.dropFirst())
      made.insert(file.path)
      switch file.kind {
      case .dir: rootfs.append(.directory(name, mode: file.mode ?? 0o755))
      case .file: rootfs.append(.file(name, content: Array(file.content.utf8), mode: file.mode ?? 0o644))
      case .symlink: rootfs.append(.symlink(name, target: file.link ?? ""))
      }
      report(key, .approximated, "rootfs/\(name)", note: "made in the bundle's rootfs at export time")
    }
  }
}
