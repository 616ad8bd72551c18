import SpecParser

/// The state of one import: the decoded config, its tree for places, and the spec, notes and report so far.
struct OCIImporter {
  let config: OCIConfig
  let tree: JSONNode
  let bytes: [UInt8]
  let folder: String
  let annotations: [String: String]
  var spec = Spec()
  var notes: [SpecWriter.Note] = []
  var entries: [InterchangeReportEntry] = []

  init(config: OCIConfig, tree: JSONNode, bytes: [UInt8], folder: String) {
    self.config = config
    self.tree = tree
    self.bytes = bytes
    self.folder = folder
    self.annotations = config.annotations ?? [:]
  }

  mutating func run() {
    importNamespaces()
    importUTS()
    importIDMaps()
    importTime()
    importRoot()
    importMounts()
    importProcess()
    reportUnknownFields()
  }

  /// The node at a dotted path of keys and `[N]` indices (`linux.seccomp`, `mounts[2].options`).
  func node(_ path: String) -> JSONNode? {
    var node: JSONNode? = tree
    for part in path.split(separator: ".") {
      var name = Substring(part)
      var indices: [Int] = []
      while let open = name.lastIndex(of: "["), let index = Int(name[name.index(after: open)...].dropLast()) {
        indices.insert(index, at: 0)
        name = name[..<open]
      }
      node = node?[String(name)]
      for index in indices { node = node?[index] }
    }
    return node
  }

  /// Adds a report entry for the input field at `path`, and for an approximated or dropped one a comment in
  /// `section` of the spec.
  mutating func report(
    _ path: String, _ outcome: InterchangeReportEntry.Outcome, _ destination: String? = nil, note: String? = nil,
    section: String = ""
  ) {
    let place = node(path).map { JSONSyntax.position(of: $0.offset, in: bytes) }
    entries.append(
      InterchangeReportEntry(
        field: path, line: place?.line, column: place?.column, outcome: outcome, destination: destination, note: note))
    switch outcome {
    case .approximated, .dropped:
      let at = place.map { " (config.json line \($0.line))" } ?? ""
      notes.append(SpecWriter.Note(section: section, "\(path)\(at): \(outcome.rawValue): \(note ?? "")"))
    case .exported, .resolved: break
    }
  }

  /// A comma-separated annotation as a list; nil when absent.
  func list(_ key: String) -> [String]? {
    annotations[key].map { $0.split(separator: ",").map(String.init) }
  }

  mutating func importNamespaces() {
    let namespaces = config.linux?.namespaces ?? []
    var unshared: [Namespace] = []
    // An nsbuild export of a join by sandbox name holds its init's namespace file; the annotation keeps the name.
    var sandboxJoins: [String: String] = [:]
    for pair in list(OCIAnnotation.joins) ?? [] {
      let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
      if parts.count == 2 { sandboxJoins[parts[0]] = parts[1] }
    }
    for (index, entry) in namespaces.enumerated() {
      let path = "linux.namespaces[\(index)]"
      guard let namespace = Namespace.allCases.first(where: { OCIExport.name(of: $0) == entry.type }) else {
        report(path, .dropped, note: "unknown namespace type '\(entry.type)'", section: "namespaces")
        continue
      }
      if let file = entry.path {
        let sandbox = sandboxJoins[namespace.rawValue]
        spec.joins.append(NamespaceJoin(namespace, target: sandbox.map { .sandbox(name: $0) } ?? .path(file)))
        report(path, .exported, "namespaces.join.\(namespace.rawValue)")
      } else {
        unshared.append(namespace)
      }
    }
    // An nsbuild export records the spec's own list: without the mount namespace the runtimes need, in its order.
    if let written = list(OCIAnnotation.unshare)?.compactMap(Namespace.init(rawValue:)),
      Set(written).isSubset(of: Set(unshared))
    {
      unshared = written
    }
    spec.namespaces = unshared
    // One join per type, in namespaces(7) order, as the decoder keeps them.
    let order = Namespace.allCases
    spec.joins.sort { (order.firstIndex(of: $0.namespace) ?? 0) < (order.firstIndex(of: $1.namespace) ?? 0) }
    if !unshared.isEmpty { report("linux.namespaces", .exported, "namespaces.unshare") }
  }

  mutating func importUTS() {
    if let hostname = config.hostname {
      spec.uts.hostname = hostname
      report("hostname", .exported, "uts.hostname")
    }
    if let domainname = config.domainname {
      spec.uts.domainname = domainname
      report("domainname", .exported, "uts.domainname")
    }
  }

  mutating func importIDMaps() {
    let defaults = Set(list(OCIAnnotation.defaultMaps) ?? [])
    for (name, mappings) in [("uid", config.linux?.uidMappings), ("gid", config.linux?.gidMappings)] {
      guard let mappings, !mappings.isEmpty else { continue }
      let lines =
        defaults.contains(name)
        ? [] : mappings.map { IDMapping(inside: $0.containerID, outside: .id($0.hostID), count: $0.size) }
      if name == "uid" { spec.user.uidMap = lines } else { spec.user.gidMap = lines }
      report("linux.\(name)Mappings", .exported, "user.\(name)_map")
    }
  }

  mutating func importTime() {
    for (name, offset) in (config.linux?.timeOffsets ?? [:]).sorted(by: { $0.key < $1.key }) {
      let value = ClockOffset(seconds: offset.secs ?? 0, nanoseconds: Int64(offset.nanosecs ?? 0))
      // timens_offsets takes nanoseconds below one second (time_namespaces(7)).
      guard value.nanoseconds < 1_000_000_000 else {
        report(
          "linux.timeOffsets.\(name)", .dropped, note: "nanosecs must be below 1000000000 (time_namespaces(7))",
          section: "time")
        continue
      }
      switch name {
      case "monotonic": spec.time.monotonic = value
      case "boottime": spec.time.boottime = value
      default:
        report("linux.timeOffsets.\(name)", .dropped, note: "no clock '\(name)' in a time namespace", section: "time")
        continue
      }
      report("linux.timeOffsets.\(name)", .exported, "time.\(name)")
    }
  }

  mutating func importRoot() {
    if let propagation = config.linux?.rootfsPropagation {
      switch propagation {
      case "private", "rprivate": spec.root.propagation = .private
      case "slave", "rslave": spec.root.propagation = .slave
      default:
        report(
          "linux.rootfsPropagation", .dropped,
          note: "nsbuild makes the tree private or slave, so that nothing mounted inside reaches the host",
          section: "root")
      }
    }
    guard let root = config.root else { return }
    spec.root.readonly = root.readonly ?? false
    switch annotations[OCIAnnotation.root] {
    case "host": spec.root.kind = .host
    case "tmpfs": spec.root.kind = .tmpfs
    default:
      let path = root.path.hasPrefix("/") ? root.path : (folder == "/" ? "" : folder) + "/" + root.path
      spec.root.kind = .directory(Self.normalised(path))
    }
    report("root", .exported, "root")
  }

  /// `path` without `.`, `..`, doubled or trailing slashes (lexically, as the spec decoder leaves paths).
  static func normalised(_ path: String) -> String {
    var parts: [Substring] = []
    for part in path.split(separator: "/") where part != "." {
      if part == ".." { _ = parts.popLast() } else { parts.append(part) }
    }
    return "/" + parts.joined(separator: "/")
  }
}
