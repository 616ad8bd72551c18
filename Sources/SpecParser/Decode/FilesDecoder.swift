/// `[[files]]` entries and the `[root]` section.
extension SpecSections {
  func decodeFile(_ table: TableReader) -> FileEntry? {
    table.rejectUnknownKeys(["type", "path", "mode", "content", "link"])
    let kind = enumValue(FileEntry.Kind.self, "type", in: table)
    if table.table["type"] == nil {
      sink.error("missing-key", "a files entry needs a `type`", at: table.range, hint: "dir, file or symlink")
    }
    let resolved: String? = table.string("path").flatMap { insidePath($0, key: "path") }
    if table.table["path"] == nil { sink.error("missing-key", "a files entry needs a `path`", at: table.range) }
    let mode = fileMode(table)
    let content = table.string("content")?.0
    let link = table.string("link")?.0
    guard let kind, let path = resolved else { return nil }
    if path == "/" {
      sink.error("invalid-path", "a files entry cannot be '/'", at: table.table["path"]?.node.range ?? table.range)
      return nil
    }
    switch kind {
    case .symlink where link == nil:
      sink.error("missing-key", "a symlink needs a `link` (what it points to)", at: table.range)
      return nil
    case .dir, .file:
      if let entry = table.table["link"] {
        sink.error("unused-key", "`link` applies to a symlink only", at: entry.keyRange)
      }
    case .symlink: break
    }
    if kind != .file, let entry = table.table["content"] {
      sink.error("unused-key", "`content` applies to a file only", at: entry.keyRange)
    }
    if kind == .file, let mode, mode & 0o6000 != 0, let entry = table.table["mode"] {
      warnSetID(mode, at: entry.node.range)
    }
    return FileEntry(kind: kind, path: path, mode: mode, content: content ?? "", link: link)
  }

  /// A file made by root (or the user namespace's root) with the spec's set-user-ID or set-group-ID bit runs as that
  /// owner for whoever executes it: a privilege path the spec hands out. A folder's setgid and sticky bits are not.
  private func warnSetID(_ mode: UInt32, at range: SourceRange) {
    let bits = [(0o4000, "set-user-ID"), (0o2000, "set-group-ID")].filter { mode & $0.0 != 0 }.map(\.1)
    sink.warning(
      "setid-file",
      "mode \(FileMode.digits(mode)) gives the file the \(bits.joined(separator: " and ")) bit: whoever runs it gets its owner's (root's) privileges",
      at: range, hint: "drop the 4000 and 2000 bits, e.g. \"\(FileMode.octal(mode & 0o1777))\"")
  }

  private func fileMode(_ table: TableReader) -> UInt32? {
    guard let entry = table.entry("mode") else { return nil }
    switch entry.node.value {
    case .string(let text): if let mode = FileMode.parse(text) { return mode }
    case .integer(let value):
      if let mode = FileMode.parse(value, literal: context.text(of: entry.node.range)) { return mode }
    default: break
    }
    sink.error(
      "invalid-mode", "`mode` must be octal, at most 7777", at: entry.node.range, hint: "e.g. \"0755\" or 0o755")
    return nil
  }

  func decodeRootSection(_ table: TableReader) -> Root {
    table.rejectUnknownKeys(["path", "type", "readonly", "propagation"])
    var root = Root()
    let type = table.string("type")
    let directory: String? = table.string("path").flatMap { self.hostPath($0, key: "path") }
    switch (type?.0, directory) {
    case (nil, nil): break
    case ("tmpfs", nil): root.kind = .tmpfs
    case (nil, let directory?): root.kind = .directory(directory)
    case (let name?, _) where name != "tmpfs":
      sink.error(
        "unknown-value", "unknown root type '\(name)'", at: type?.1 ?? table.range,
        hint: "type = \"tmpfs\" for an empty root, or path = \"DIR\" for a directory")
    default:
      sink.error("conflicting-keys", "[root] takes `path` or `type = \"tmpfs\"`, not both", at: table.range)
    }
    root.readonly = table.bool("readonly") ?? false
    if let propagation = enumValue(Propagation.self, "propagation", in: table) {
      if propagation == .private || propagation == .slave {
        root.propagation = propagation
      } else if let entry = table.table["propagation"] {
        sink.error(
          "invalid-propagation", "the root's propagation must be \"private\" or \"slave\"", at: entry.node.range,
          hint: "\(propagation.rawValue) would let the sandbox's mounts reach the host, or stop it from binding /")
      }
    }
    return root
  }
}
