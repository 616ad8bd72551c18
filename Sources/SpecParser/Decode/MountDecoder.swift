/// `[[mounts]]` entries.
extension SpecSections {
  static let mountKeys = [
    "type", "source", "target", "options", "size", "mode", "uid", "gid", "lower", "upper", "work", "propagation",
    "unmask",
  ]

  /// The keys that apply to some mount types only, and the ones each type takes: static, as an array literal in
  /// ``checkKeysFit(_:_:)`` was made anew for every mount.
  private static let kindKeys = ["source", "size", "mode", "uid", "gid", "lower", "upper", "work", "unmask"]
  private static let bindKeys = ["source"]
  private static let tmpfsKeys = ["size", "mode", "uid", "gid"]
  private static let overlayKeys = ["lower", "upper", "work"]
  private static let unmaskKeys = ["unmask"]

  func decodeMount(_ table: TableReader) -> Mount? {
    table.rejectUnknownKeys(Self.mountKeys)
    let kind = mountKind(table)
    let target = table.string("target").flatMap { insidePath($0, key: "target") }
    if table.table.entry(named: "target") == nil {
      sink.error("missing-key", "mount needs a `target`", at: table.range, hint: "e.g. target = \"/tmp\"")
    }
    let source = table.string("source").flatMap { hostPath($0, key: "source") }
    let options = mountOptions(table)
    let size = tmpfsSize(table)
    let mode = tmpfsMode(table)
    let owner = (uid: ownerID("uid", table), gid: ownerID("gid", table))
    let propagation = enumValue(Propagation.self, "propagation", in: table)
    let unmask = table.bool("unmask") ?? false
    guard let kind else { return nil }
    checkKeysFit(kind, table)
    if kind == .bind, table.table.entry(named: "source") == nil {
      sink.error("missing-key", "a bind mount needs a `source`", at: table.range, hint: "the host path to bind")
    }
    var mount = Mount(
      kind: kind, source: source, target: target ?? "/", options: options, size: size, mode: mode, uid: owner.uid,
      gid: owner.gid, propagation: propagation, unmask: unmask)
    if kind == .overlay { decodeOverlay(table, into: &mount) }
    if target == "/" {
      sink.error(
        "invalid-target", "a mount cannot replace '/'",
        at: table.table.entry(named: "target")?.node.range ?? table.range,
        hint: "a new root comes from a [root] section, not from a mount entry")
    }
    guard target != nil else { return nil }
    return mount
  }

  /// `lower` (top first), and `upper` + `work`, or `upper = "tmpfs"`, or neither (a read-only overlay needs two
  /// lowers: the kernel refuses one lower without an upper).
  private func decodeOverlay(_ table: TableReader, into mount: inout Mount) {
    var seen: Set<String> = []
    for (text, range) in table.strings("lower") ?? [] {
      guard let lower = hostPath((text, range), key: "lower") else { continue }
      // The kernel refuses a layer listed twice, with a misleading ELOOP.
      guard seen.insert(lower).inserted else {
        sink.error("duplicate-value", "overlay lower '\(lower)' is listed twice", at: range)
        continue
      }
      mount.lower.append(lower)
    }
    let upper = table.string("upper")
    let work = table.string("work").flatMap { hostPath($0, key: "work") }
    if let upper, upper.0 == "tmpfs" {
      mount.upper = .tmpfs
      if let entry = table.table.entry(named: "work") {
        sink.error(
          "unused-key", "`work` applies to an upper directory, not to upper = \"tmpfs\"", at: entry.keyRange,
          hint: "nsbuild makes the work folder on the tmpfs itself")
      }
    } else if let upper, let upperPath = hostPath(upper, key: "upper") {
      if let work, work == upperPath {
        sink.error(
          "invalid-overlay", "`work` must be a folder of its own, not the upper folder",
          at: table.table.entry(named: "work")?.node.range ?? upper.1,
          hint: "an empty folder next to the upper one, on its filesystem")
      } else if let work {
        mount.upper = .directories(upper: upperPath, work: work)
      } else {
        sink.error(
          "missing-key", "an overlay with an upper directory needs `work` too", at: upper.1,
          hint: "an empty directory on the same filesystem as the upper one, or upper = \"tmpfs\"")
      }
    }
    if mount.lower.isEmpty, seen.isEmpty {
      sink.error(
        "missing-key", "an overlay needs at least one `lower` directory",
        at: table.table.entry(named: "lower")?.node.range ?? table.range)
    } else if mount.upper == nil, mount.lower.count < 2, upper == nil {
      sink.error(
        "invalid-overlay", "a read-only overlay (no `upper`) needs at least two `lower` directories",
        at: table.table.entry(named: "lower")?.node.range ?? table.range,
        hint: "add upper = \"tmpfs\" for a writable overlay")
    }
  }

  private func ownerID(_ key: String, _ table: TableReader) -> UInt32? {
    guard let (value, range) = table.integer(key, expected: "an integer ID") else { return nil }
    guard value >= 0, value < Int64(UInt32.max) else {
      sink.error("invalid-id", "`\(key)` must be from 0 to 4294967294, not \(value)", at: range)
      return nil
    }
    return UInt32(value)
  }

  /// A string naming one case of `T`, with a did-you-mean when misspelt.
  func enumValue<T: RawRepresentable & CaseIterable>(_ type: T.Type, _ key: String, in table: TableReader) -> T?
  where T.RawValue == String {
    guard let (name, range) = table.string(key) else { return nil }
    if let value = T(rawValue: name) { return value }
    let names = T.allCases.map(\.rawValue)
    sink.error(
      "unknown-value", "unknown \(key) '\(name)'", at: range,
      hint: Suggestion.didYouMean(name, among: names) ?? "one of: \(names.joined(separator: ", "))")
    return nil
  }

  private func mountKind(_ table: TableReader) -> Mount.Kind? {
    // Named only in messages: built for each mount, the list cost more than reading the mount's type.
    var kinds: [String] { Mount.Kind.allCases.map(\.rawValue) }
    guard let (name, range) = table.string("type") else {
      if table.table.entry(named: "type") == nil {
        sink.error(
          "missing-key", "mount needs a `type`", at: table.range, hint: "one of: \(kinds.joined(separator: ", "))")
      }
      return nil
    }
    guard let kind = Mount.Kind(rawValue: name) else {
      sink.error(
        "unknown-value", "unknown mount type '\(name)'", at: range,
        hint: Suggestion.didYouMean(name, among: kinds) ?? "one of: \(kinds.joined(separator: ", "))")
      return nil
    }
    return kind
  }

  /// Keys that only make sense for some kinds are errors on the others, so a typo'd type is not silently half-used.
  private func checkKeysFit(_ kind: Mount.Kind, _ table: TableReader) {
    let allowed: [String] =
      switch kind {
      case .bind: Self.bindKeys
      case .tmpfs: Self.tmpfsKeys
      case .overlay: Self.overlayKeys
      case .proc, .sysfs: Self.unmaskKeys
      case .dev, .devpts, .mqueue: []
      }
    for key in Self.kindKeys where !allowed.contains(key) {
      if let entry = table.table.entry(named: key) {
        let article = kind == .overlay ? "an" : "a"
        sink.error("unused-key", "`\(key)` does not apply to \(article) \(kind.rawValue) mount", at: entry.keyRange)
      }
    }
  }

  /// A path on the host (`source`, `lower`, `upper`, `work`, `[root] path`): `${NAME}` replaced (see
  /// ``substituted(_:key:use:)``), then resolved against the spec's folder, `..` included (``Paths/resolve(_:against:climbing:)``).
  /// A leading `~` is refused: nsbuild is no shell, and would read it as a folder named `~` in the spec's folder.
  func hostPath(_ value: (String, SourceRange), key: String) -> String? {
    if value.0.hasPrefix("~") {
      let rest = value.0.drop { $0 != "/" }
      sink.error(
        "tilde-path", "`\(key)` starts with '~', which nsbuild does not expand", at: value.1,
        hint: value.0 == "~" || value.0.hasPrefix("~/")
          ? "use ${HOME}: \"${HOME}\(rest)\"" : "use ${HOME} for your own home folder, or write the absolute path")
      return nil
    }
    guard let text = substituted(value, key: key, use: .hostPath) else { return nil }
    let resolved = path((text, value.1), key: key, climbing: true)
    // `plan` shows the path as it is used, `..` resolved: `${SPEC_DIR}/.. → /srv/repo`.
    if let resolved, let last = context.substitutions.indices.last, context.substitutions[last].range == value.1 {
      context.substitutions[last].resolved = resolved
    }
    return resolved
  }

  /// A path resolved against the spec's folder; `..` only with `climbing` (host paths).
  func path(_ value: (String, SourceRange), key: String, climbing: Bool = false) -> String? {
    switch Paths.resolve(value.0, against: context.directory, climbing: climbing) {
    case .success(let path):
      if let problem = Paths.lengthProblem(path) {
        sink.error("invalid-path", "`\(key)` \(problem)", at: value.1)
        return nil
      }
      return path
    case .failure(.empty): sink.error("invalid-path", "`\(key)` is empty", at: value.1)
    case .failure(.nulByte): sink.error("invalid-path", "`\(key)` contains a NUL byte", at: value.1)
    case .failure(.parentComponent):
      sink.error(
        "invalid-path", "`\(key)` contains '..'", at: value.1,
        hint: "write the path without '..' so reviewers can see where it lands")
    }
    return nil
  }

  private func mountOptions(_ table: TableReader) -> [MountOption] {
    var options: [MountOption] = []
    for (name, range) in table.strings("options") ?? [] {
      if let option = MountOption(rawValue: name), options.contains(option) {
        sink.error("duplicate-value", "mount option '\(name)' is listed twice", at: range)
        continue
      }
      guard let option = MountOption(rawValue: name) else {
        let names = MountOption.allCases.map(\.rawValue)
        sink.error(
          "unknown-value", "unknown mount option '\(name)'", at: range,
          hint: Suggestion.didYouMean(name, among: names) ?? "options: \(names.joined(separator: ", "))")
        continue
      }
      options.append(option)
    }
    if options.contains(.ro), options.contains(.rw), let entry = table.table.entry(named: "options") {
      sink.error("conflicting-options", "a mount cannot be both `ro` and `rw`", at: entry.node.range)
    }
    let atimes = options.filter { [.relatime, .noatime, .strictatime].contains($0) }
    if atimes.count > 1, let entry = table.table.entry(named: "options") {
      sink.error(
        "conflicting-options",
        "a mount takes one atime mode, not \(atimes.map { "`\($0.rawValue)`" }.joined(separator: " and "))",
        at: entry.node.range, hint: "keep one of relatime, noatime and strictatime")
    }
    return options
  }

  private func tmpfsSize(_ table: TableReader) -> UInt64? {
    guard let entry = table.entry("size") else { return nil }
    let expected = "a string like \"64M\" or an integer of bytes"
    switch entry.node.value {
    case .integer(let bytes) where bytes > 0: return UInt64(bytes)
    case .integer: sink.error("invalid-size", "`size` must be more than 0 bytes", at: entry.node.range)
    case .string(let text):
      if let bytes = Units.size(text) {
        if bytes > 0 { return bytes }
        sink.error("invalid-size", "`size` must be more than 0 bytes", at: entry.node.range)
      } else if text.dropLast().allSatisfy(\.isNumber), "kKmMgG".contains(text.last ?? " "), text.count > 1 {
        sink.error("invalid-size", "`size` \"\(text)\" does not fit in 64 bits", at: entry.node.range)
      } else {
        sink.error(
          "invalid-size", "`size` \"\(text)\" is not a size", at: entry.node.range,
          hint: "a number with a unit k, m or g (\"64M\"), or an integer of bytes")
      }
    default: table.mismatch("size", entry.node, expected: expected)
    }
    return nil
  }

  private func tmpfsMode(_ table: TableReader) -> UInt32? {
    guard let entry = table.entry("mode") else { return nil }
    switch entry.node.value {
    case .string(let text):
      if let mode = FileMode.parse(text) { return mode }
      sink.error(
        "invalid-mode", "`mode` \"\(text)\" is not an octal mode", at: entry.node.range,
        hint: "octal digits up to 7777, e.g. \"1777\" or \"0755\"")
    case .integer(let value):
      // TOML has lost the spelling by now, so read it: only a 0o literal is octal.
      let literal = context.text(of: entry.node.range)
      if literal.hasPrefix("0o") {
        if let mode = FileMode.parse(value, literal: literal) { return mode }
        sink.error("invalid-mode", "`mode` \(literal) is larger than 0o7777", at: entry.node.range)
      } else {
        sink.error(
          "invalid-mode", "`mode` must be octal", at: entry.node.range,
          hint: "write it as a string \"\(literal)\" or as an octal literal 0o\(literal)")
      }
    default: table.mismatch("mode", entry.node, expected: "an octal mode like \"1777\" or 0o1777")
    }
    return nil
  }
}
