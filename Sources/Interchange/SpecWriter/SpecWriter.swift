import SpecParser

/// Writes a ``Spec`` as the TOML text of a spec file that `nsbuild check` accepts, with comments where the caller
/// wants them: the end of an import from another format (OCI, Kubernetes), where fields with no nsbuild equivalent
/// become comments at their place.
///
/// Input: a plain ``Spec`` value (its `origins` are ignored) and ``SpecWriter/Note``s. Paths are written as the
/// spec holds them, absolute, so the file means the same wherever it is saved. Sections come in the order of the
/// README (namespaces, uts, user, time, net, root, mounts, files, process); `[[files]]` follow every `[[mounts]]`.
/// Values equal to the defaults are left out (`no_new_privs = true`, `loopback = true`, `propagation = "private"`).
public enum SpecWriter {
  /// A comment for the written spec, placed at the start of a section.
  public struct Note: Sendable, Hashable {
    /// The section it belongs to: `""` for the top of the file, or `namespaces`, `uts`, `user`, `time`, `net`,
    /// `root`, `process`, `mounts[N]` or `files[N]` (0-based, as in ``Spec/mounts``). A note whose section is not
    /// written (a `uts` note for a spec without hostname) goes to the top.
    public var section: String
    /// The text, one or more lines; each becomes a `# ` comment line.
    public var text: String

    public init(section: String, _ text: String) {
      self.section = section
      self.text = text
    }
  }

  /// The spec file's text, ending in a newline.
  public static func toml(_ spec: Spec, notes: [Note] = []) -> String {
    var sections: [(name: String, header: String?, lines: [String])] = [("", nil, ["version = \(spec.version)"])]
    func add(_ name: String, _ header: String, _ lines: [String]) {
      if !lines.isEmpty { sections.append((name, header, lines)) }
    }
    add("namespaces", "[namespaces]", namespaceLines(spec))
    add("uts", "[uts]", utsLines(spec.uts))
    add("user", "[user]", userLines(spec.user))
    add("time", "[time]", timeLines(spec.time))
    add("net", "[net]", spec.net.loopback ? [] : ["loopback = false"])
    for (index, veth) in spec.net.veths.enumerated() { add("net.veth[\(index)]", "[[net.veth]]", vethLines(veth)) }
    if let pasta = spec.net.pasta {
      sections.append(
        (
          "net.pasta", "[net.pasta]",
          pasta.ports.isEmpty ? [] : ["ports = " + TOMLText.strings(pasta.ports.map(\.description))]
        ))
    }
    add("root", "[root]", rootLines(spec.root))
    for (index, mount) in spec.mounts.enumerated() { add("mounts[\(index)]", "[[mounts]]", mountLines(mount)) }
    for (index, file) in spec.files.enumerated() { add("files[\(index)]", "[[files]]", fileLines(file)) }
    add("process", "[process]", processLines(spec.process))
    let written = Set(sections.map(\.name))
    var text: [String] = []
    for note in notes where note.section.isEmpty || !written.contains(note.section) {
      text += TOMLText.comment(note.text)
    }
    for section in sections {
      if section.header != nil { text.append("") }
      if !section.name.isEmpty {
        for note in notes where note.section == section.name { text += TOMLText.comment(note.text) }
      }
      if let header = section.header { text.append(header) }
      text += section.lines
    }
    return text.joined(separator: "\n") + "\n"
  }

  static func namespaceLines(_ spec: Spec) -> [String] {
    var lines: [String] = []
    if !spec.namespaces.isEmpty { lines.append("unshare = " + TOMLText.strings(spec.namespaces.map(\.rawValue))) }
    if !spec.joins.isEmpty {
      let pairs = spec.joins.map { join -> String in
        let target: String
        switch join.target {
        case .sandbox(let name): target = name
        case .path(let path): target = path
        }
        return join.namespace.rawValue + " = " + TOMLText.string(target)
      }
      lines.append("join = { " + pairs.joined(separator: ", ") + " }")
    }
    return lines
  }

  static func utsLines(_ uts: UTS) -> [String] {
    var lines: [String] = []
    if let hostname = uts.hostname { lines.append("hostname = " + TOMLText.string(hostname)) }
    if let domainname = uts.domainname { lines.append("domainname = " + TOMLText.string(domainname)) }
    return lines
  }

  static func userLines(_ user: UserMapping) -> [String] {
    func map(_ name: String, _ lines: [IDMapping]) -> [String] {
      guard !lines.isEmpty else { return [] }
      let entries = lines.map { line -> String in
        func start(_ start: IDMapping.Start) -> String {
          switch start {
          case .id(let id): String(id)
          case .caller: "\"caller\""
          }
        }
        return "{ inside = \(start(line.inside)), outside = \(start(line.outside)), count = \(line.count) }"
      }
      return [name + " = [" + entries.joined(separator: ", ") + "]"]
    }
    var lines = map("uid_map", user.uidMap) + map("gid_map", user.gidMap)
    if let setgroups = user.setgroups { lines.append("setgroups = " + TOMLText.string(setgroups.rawValue)) }
    return lines
  }

  static func timeLines(_ time: TimeOffsets) -> [String] {
    [("monotonic", time.monotonic), ("boottime", time.boottime)].compactMap { name, offset in
      offset.map { name + " = " + duration($0) }
    }
  }

  /// Whole seconds as an integer; otherwise a duration string in seconds and nanoseconds (`"-1s500000000ns"`).
  static func duration(_ offset: ClockOffset) -> String {
    guard offset.nanoseconds != 0 else { return String(offset.seconds) }
    // The kernel's offsets stay far below the overflow (time_namespaces(7)); past it, the seconds alone.
    let (scaled, overflow) = offset.seconds.multipliedReportingOverflow(by: 1_000_000_000)
    let (total, overflowAgain) = scaled.addingReportingOverflow(offset.nanoseconds)
    guard !overflow && !overflowAgain else { return String(offset.seconds) }
    let sign = total < 0 ? "-" : ""
    let magnitude = total.magnitude
    let seconds = magnitude / 1_000_000_000
    let rest = magnitude % 1_000_000_000
    return TOMLText.string(sign + (seconds == 0 ? "" : "\(seconds)s") + (rest == 0 ? "" : "\(rest)ns"))
  }

  static func rootLines(_ root: Root) -> [String] {
    var lines: [String] = []
    switch root.kind {
    case .host: break
    case .tmpfs: lines.append("type = \"tmpfs\"")
    case .directory(let path): lines.append("path = " + TOMLText.string(path))
    }
    if root.readonly { lines.append("readonly = true") }
    if root.propagation != .private { lines.append("propagation = " + TOMLText.string(root.propagation.rawValue)) }
    return lines
  }

  static func mountLines(_ mount: Mount) -> [String] {
    var lines = ["type = " + TOMLText.string(mount.kind.rawValue)]
    if let source = mount.source { lines.append("source = " + TOMLText.string(source)) }
    lines.append("target = " + TOMLText.string(mount.target))
    if !mount.options.isEmpty { lines.append("options = " + TOMLText.strings(mount.options.map(\.rawValue))) }
    if let size = mount.size { lines.append("size = \(size)") }
    if let mode = mount.mode { lines.append("mode = " + TOMLText.string(FileMode.digits(mode))) }
    if let uid = mount.uid { lines.append("uid = \(uid)") }
    if let gid = mount.gid { lines.append("gid = \(gid)") }
    if !mount.lower.isEmpty { lines.append("lower = " + TOMLText.strings(mount.lower)) }
    switch mount.upper {
    case .directories(let upper, let work)?:
      lines += ["upper = " + TOMLText.string(upper), "work = " + TOMLText.string(work)]
    case .tmpfs?: lines.append("upper = \"tmpfs\"")
    case nil: break
    }
    if let propagation = mount.propagation { lines.append("propagation = " + TOMLText.string(propagation.rawValue)) }
    if mount.unmask { lines.append("unmask = true") }
    return lines
  }

  static func fileLines(_ file: FileEntry) -> [String] {
    var lines = ["type = " + TOMLText.string(file.kind.rawValue), "path = " + TOMLText.string(file.path)]
    if let mode = file.mode { lines.append("mode = " + TOMLText.string(FileMode.octal(mode))) }
    if file.kind == .file { lines.append("content = " + TOMLText.string(file.content)) }
    if let link = file.link { lines.append("link = " + TOMLText.string(link)) }
    return lines
  }

  /// One `[[net.veth]]` entry; the host name always, since its default is a hash of what was written.
  static func vethLines(_ veth: Veth) -> [String] {
    var lines = ["name = " + TOMLText.string(veth.name), "host_name = " + TOMLText.string(veth.hostName)]
    if !veth.addresses.isEmpty { lines.append("addresses = " + TOMLText.strings(veth.addresses.map(\.description))) }
    if !veth.hostAddresses.isEmpty {
      lines.append("host_addresses = " + TOMLText.strings(veth.hostAddresses.map(\.description)))
    }
    if let bridge = veth.bridge { lines.append("bridge = " + TOMLText.string(bridge)) }
    if !veth.gateways.isEmpty { lines.append("gateway = " + TOMLText.strings(veth.gateways.map(\.description))) }
    if let mtu = veth.mtu { lines.append("mtu = \(mtu)") }
    return lines
  }

  static func processLines(_ process: Process) -> [String] {
    var lines: [String] = []
    if let args = process.args { lines.append("args = " + TOMLText.strings(args)) }
    if !process.env.isEmpty {
      let pairs = process.env.map { TOMLText.key($0.name) + " = " + TOMLText.string($0.value) }
      lines.append("env = { " + pairs.joined(separator: ", ") + " }")
    }
    if process.clearEnv { lines.append("clear_env = true") }
    if !process.unset.isEmpty { lines.append("unset = " + TOMLText.strings(process.unset)) }
    if let cwd = process.cwd { lines.append("cwd = " + TOMLText.string(cwd)) }
    if let uid = process.uid { lines.append("uid = \(uid)") }
    if let gid = process.gid { lines.append("gid = \(gid)") }
    if let groups = process.groups {
      lines.append("groups = [" + groups.map(String.init).joined(separator: ", ") + "]")
    }
    if !process.noNewPrivs { lines.append("no_new_privs = false") }
    if !process.capabilities.isEmpty {
      lines.append("capabilities = " + TOMLText.strings(process.capabilities.map(\.description)))
    }
    if !process.rlimits.isEmpty {
      let pairs = process.rlimits.map { limit -> String in
        let name = limit.resource.rawValue
        guard limit.soft != limit.hard else { return name + " = " + limitValue(limit.soft) }
        return name + " = { soft = " + limitValue(limit.soft) + ", hard = " + limitValue(limit.hard) + " }"
      }
      lines.append("rlimits = { " + pairs.joined(separator: ", ") + " }")
    }
    if let umask = process.umask { lines.append("umask = " + TOMLText.string(FileMode.octal(umask))) }
    if !process.newSession { lines.append("new_session = false") }
    if !process.dieWithParent { lines.append("die_with_parent = false") }
    if process.terminal { lines.append("terminal = true") }
    return lines
  }

  private static func limitValue(_ value: UInt64?) -> String {
    guard let value else { return "\"unlimited\"" }
    // TOML integers are 64-bit signed; a larger limit is written as a string, which the decoder also takes.
    return value <= UInt64(Int64.max) ? String(value) : TOMLText.string(String(value))
  }
}
