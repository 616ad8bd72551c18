import SpecParser

/// A spec as an OCI runtime bundle (runtime-spec config.md, config-linux.md) that runc and crun run with the effect
/// `nsbuild run` has, and a report of what each spec field became.
///
/// Pure: what the spec leaves to run time (`outside = "caller"`, an inherited environment, the umask, the host's
/// tree) comes from `host`, and the report says `resolved` for it. What nsbuild adds so that the runtimes can run
/// the bundle (a mount namespace, a `/dev` of its own, the host's tree as binds) is written down in annotations
/// (``OCIAnnotation``), so that ``OCIImport`` gives back the spec.
public enum OCIExport {
  /// Builds the bundle of `spec`. `source` is the spec file's bytes: a path written relative shows there.
  public static func bundle(for spec: Spec, source: [UInt8], host: OCIExportHost) -> OCIBundle {
    var exporter = OCIExporter(spec: spec, source: source, host: host)
    exporter.export()
    return OCIBundle(
      config: exporter.config, rootfs: exporter.rootfs,
      report: InterchangeReport(format: "oci", direction: .export, entries: exporter.entries))
  }

  /// The runtime-spec name of a namespace type (config-linux.md "Namespaces").
  public static func name(of namespace: Namespace) -> String {
    switch namespace {
    case .net: "network"
    case .user, .mount, .pid, .ipc, .uts, .cgroup, .time: namespace.rawValue
    }
  }
}

/// The state of one export: the config as built so far, the rootfs entries and the report's entries.
struct OCIExporter {
  let spec: Spec
  let source: [UInt8]
  let host: OCIExportHost
  var config = OCIConfig()
  var process = OCIProcess()
  var linux = OCILinux()
  var mounts: [OCIMount] = []
  var rootfs: [OCIRootfsEntry] = []
  var entries: [InterchangeReportEntry] = []
  /// Indices in `mounts` of the mounts the spec does not hold.
  var added: [Int] = []
  var annotations: [String: String] = [:]

  init(spec: Spec, source: [UInt8], host: OCIExportHost) {
    self.spec = spec
    self.source = source
    self.host = host
  }

  mutating func export() {
    // runtime-spec 1.1.0 brought linux.timeOffsets; 1.0.2 is what runc 1.1 and crun 1.8 name.
    config.ociVersion = spec.time.isEmpty ? "1.0.2" : "1.1.0"
    exportNamespaces()
    exportUTS()
    exportIDMaps()
    exportTime()
    exportNetwork()
    exportRoot()
    exportMounts()
    exportFiles()
    exportProcess()
    config.process = process
    config.mounts = mounts
    config.linux = linux
    if !added.isEmpty { annotations[OCIAnnotation.addedMounts] = added.map(String.init).joined(separator: ",") }
    config.annotations = annotations
  }

  /// Adds a report entry for `key`, at its place in the spec file when the spec writes it.
  mutating func report(
    _ key: SpecKeyPath, _ outcome: InterchangeReportEntry.Outcome, _ destination: String? = nil,
    note: String? = nil
  ) {
    let place = spec.origins[key]?.start
    entries.append(
      InterchangeReportEntry(
        field: key.description, line: place?.line, column: place?.column, outcome: outcome, destination: destination,
        note: note))
  }

  /// Whether the spec file writes `key`.
  func writes(_ key: SpecKeyPath) -> Bool { spec.origins[key] != nil }

  /// Whether the value at `key` is a path the file writes relative (resolved against the spec's folder).
  func writtenRelative(_ key: SpecKeyPath) -> Bool {
    guard let offset = spec.origins[key]?.start.offset, offset < source.count else { return false }
    var index = offset
    while index < source.count, source[index] == UInt8(ascii: "\"") || source[index] == UInt8(ascii: "'") {
      index += 1
    }
    return index < source.count && source[index] != UInt8(ascii: "/")
  }

  mutating func exportNamespaces() {
    var namespaces = spec.namespaces.map { OCINamespace(type: OCIExport.name(of: $0)) }
    var joinedSandboxes: [String] = []
    annotations[OCIAnnotation.unshare] = spec.namespaces.map(\.rawValue).joined(separator: ",")
    let needsMount = !spec.unshares(.mount) && spec.join(of: .mount) == nil
    if needsMount {
      namespaces.append(OCINamespace(type: "mount"))
      report(
        "namespaces.unshare", .approximated, "linux.namespaces",
        note: "with a mount namespace added: the runtimes build the root in one, so mounts the command makes stay "
          + "in it rather than reach the host")
    } else if writes("namespaces.unshare") {
      report("namespaces.unshare", .exported, "linux.namespaces")
    }
    for join in spec.joins {
      let key = SpecKeyPath("namespaces.join").appending(join.namespace.rawValue)
      switch join.target {
      case .path(let path):
        namespaces.append(OCINamespace(type: OCIExport.name(of: join.namespace), path: path))
        report(key, .exported, "linux.namespaces path")
      case .sandbox(let name):
        switch host.joins[join.namespace] {
        case .success(let path)?:
          namespaces.append(OCINamespace(type: OCIExport.name(of: join.namespace), path: path))
          joinedSandboxes.append("\(join.namespace.rawValue)=\(name)")
          report(
            key, .resolved, "linux.namespaces path",
            note: "\(path), of live sandbox '\(name)''s init now: the config holds while that process runs")
        case .failure(let problem)?:
          report(key, .dropped, note: "live sandbox '\(name)': \(problem.reason); a config takes a namespace file")
        case nil:
          report(
            key, .dropped,
            note: "live sandbox '\(name)' is found by name when nsbuild runs; a config takes a namespace file: "
              + "join its path (/proc/PID/ns/\(join.namespace.procName) of its init, or a bind of it) instead")
        }
      }
    }
    if !joinedSandboxes.isEmpty { annotations[OCIAnnotation.joins] = joinedSandboxes.joined(separator: ",") }
    linux.namespaces = namespaces
  }

  mutating func exportUTS() {
    if let hostname = spec.uts.hostname {
      config.hostname = hostname
      report("uts.hostname", .exported, "hostname")
    }
    if let domainname = spec.uts.domainname {
      config.domainname = domainname
      report(
        "uts.domainname", .exported, "domainname", note: "runc 1.1 leaves the parent's (1.2 sets it); crun sets it")
    }
  }

  mutating func exportIDMaps() {
    guard spec.unshares(.user) else { return }
    var defaults: [String] = []
    linux.uidMappings = idMappings(spec.user.uidMap, key: "user.uid_map", caller: host.uid, name: "uid") {
      defaults.append("uid")
    }
    linux.gidMappings = idMappings(spec.user.gidMap, key: "user.gid_map", caller: host.gid, name: "gid") {
      defaults.append("gid")
    }
    if !defaults.isEmpty { annotations[OCIAnnotation.defaultMaps] = defaults.joined(separator: ",") }
    if let setgroups = spec.user.setgroups {
      switch setgroups {
      case .allow:
        report(
          "user.setgroups", .approximated,
          note: "no field: the runtimes leave setgroups allowed when run as root, and deny it when run rootless")
      case .deny:
        report(
          "user.setgroups", .dropped, note: "no field: the runtimes deny setgroups only when run rootless")
      }
    }
  }

  /// One ID map as OCI mappings, `caller` resolved; the default map (empty) is the caller mapped to 0.
  private mutating func idMappings(
    _ map: [IDMapping], key: SpecKeyPath, caller: UInt32, name: String, usedDefault: () -> Void
  ) -> [OCIIDMapping] {
    let destination = name == "uid" ? "linux.uidMappings" : "linux.gidMappings"
    guard !map.isEmpty else {
      usedDefault()
      report(key, .resolved, destination, note: "the default map: \(name) \(caller), who exported, as 0 inside")
      return [OCIIDMapping(containerID: 0, hostID: caller, size: 1)]
    }
    let usesCaller = map.contains(where: \.usesCaller)
    if usesCaller {
      report(key, .resolved, destination, note: "\"caller\" is \(name) \(caller), who exported")
    } else {
      report(key, .exported, destination)
    }
    return map.map {
      OCIIDMapping(containerID: $0.insideStart(caller: caller), hostID: $0.outsideStart(caller: caller), size: $0.count)
    }
  }

  mutating func exportTime() {
    var offsets: [String: OCITimeOffset] = [:]
    for (name, offset) in [("monotonic", spec.time.monotonic), ("boottime", spec.time.boottime)] {
      guard let offset else { continue }
      offsets[name] = OCITimeOffset(secs: offset.seconds, nanosecs: UInt32(clamping: offset.nanoseconds))
      report(
        SpecKeyPath("time").appending(name), .exported, "linux.timeOffsets.\(name)",
        note: "needs a runtime with time namespaces (runc 1.2 or later: `runc features` lists \"time\")")
    }
    if !offsets.isEmpty { linux.timeOffsets = offsets }
  }

  mutating func exportNetwork() {
    for index in spec.net.veths.indices {
      report(
        SpecKeyPath("net.veth").index(index), .dropped,
        note: "no field: an OCI runtime makes no network interface; the engine (podman's netavark, CNI) sets it up")
    }
    if spec.net.pasta != nil {
      report("net.pasta", .dropped, note: "no field: the engine starts pasta (podman does), not the runtime")
    }
    guard writes("net.loopback") else { return }
    if spec.net.loopback {
      report("net.loopback", .exported, note: "the runtimes bring lo up in a new network namespace")
    } else {
      report("net.loopback", .dropped, note: "no field: the runtimes bring lo up in a new network namespace")
    }
  }
}
