/// Puts command-line overrides (``SpecOverride``) into a spec's TOML tree before it is decoded, so they meet the
/// same rules as the file. Each override becomes one more line of the source, after the file's, holding the flag and
/// its argument as given; the values it makes carry ranges on that line, marked with the override's number
/// (``SourceRange/argument``), so `plan` names "command line" where a spec line would be and a diagnostic shows the
/// argument with a caret.
struct OverrideMerger {
  private(set) var root: TOMLTable
  /// The file's bytes followed by one line per override.
  private(set) var source: [UInt8]
  let sink: DiagnosticSink

  init(root: TOMLTable, source: [UInt8], sink: DiagnosticSink) {
    self.root = root
    self.source = source
    self.sink = sink
    if let last = source.last, last != UInt8(ascii: "\n") { self.source.append(UInt8(ascii: "\n")) }
  }

  /// Adds override `index` to the tree; a malformed one is reported at its argument and left out.
  mutating func apply(_ override: SpecOverride, index: Int) {
    let line = CommandLineLine(source: source, override: override, index: index)
    source += Array(override.text.utf8) + [UInt8(ascii: "\n")]
    let argument = override.argument
    guard !argument.utf8.contains(UInt8(ascii: "\n")), !argument.utf8.contains(0) else {
      sink.error(
        "invalid-override", "`\(override.flag.rawValue)` takes one line without NUL",
        at: line.range(0, argument.utf8.count))
      return
    }
    switch override.flag {
    case .set: applySet(argument, line)
    case .env: applyEnv(argument, line)
    case .bind: applyBind(argument, line)
    }
  }

  private mutating func applySet(_ argument: String, _ line: CommandLineLine) {
    let bytes = Array(argument.utf8)
    guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")), equals > 0 else {
      sink.error(
        "invalid-override", "`--set` takes KEY=VALUE", at: line.range(0, bytes.count),
        hint: "a dotted key and a TOML value, such as --set uts.hostname=box or --set 'process.args=[\"sh\"]'")
      return
    }
    var path: [(String, SourceRange)] = []
    var start = 0
    let ends = bytes[..<equals].indices.filter { bytes[$0] == UInt8(ascii: ".") } + [equals]
    for index in ends {
      let part = String(decoding: bytes[start..<index], as: UTF8.self)
      guard !part.isEmpty, part.unicodeScalars.allSatisfy(Self.isBareKeyScalar) else {
        sink.error(
          "invalid-override", "`--set` key '\(String(decoding: bytes[..<equals], as: UTF8.self))' is not a dotted key",
          at: line.range(0, equals), hint: "names of letters, digits, '_' and '-' joined by '.', such as uts.hostname")
        return
      }
      path.append((part, line.range(start, index)))
      start = index + 1
    }
    let valueStart = equals + 1
    let value = line.value(String(decoding: bytes[valueStart...], as: UTF8.self), at: valueStart)
    put(value, at: path, in: &root, depth: 0)
  }

  private mutating func applyEnv(_ argument: String, _ line: CommandLineLine) {
    let bytes = Array(argument.utf8)
    guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")), equals > 0 else {
      sink.error(
        "invalid-override", "`--env` takes NAME=VALUE", at: line.range(0, bytes.count),
        hint: "such as --env LANG=C.UTF-8")
      return
    }
    let name = String(decoding: bytes[..<equals], as: UTF8.self)
    let node = TOMLNode(
      .string(String(decoding: bytes[(equals + 1)...], as: UTF8.self)), range: line.range(equals + 1, bytes.count))
    let whole = line.range(0, bytes.count)
    put(node, at: [("process", whole), ("env", whole), (name, line.range(0, equals))], in: &root, depth: 0)
  }

  private mutating func applyBind(_ argument: String, _ line: CommandLineLine) {
    let bytes = Array(argument.utf8)
    let parts = bytes.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
    let mode = parts.count == 3 ? String(decoding: parts[2], as: UTF8.self) : nil
    guard parts.count == 2 || parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty,
      mode == nil || mode == "ro" || mode == "rw"
    else {
      sink.error(
        "invalid-override", "`--bind` takes SOURCE:TARGET, then :ro or :rw if wanted", at: line.range(0, bytes.count),
        hint: "such as --bind ${HOME}/src:/src:ro (a path holding ':' needs the spec file)")
      return
    }
    let whole = line.range(0, bytes.count)
    func string(_ part: ArraySlice<UInt8>) -> TOMLNode {
      TOMLNode(.string(String(decoding: part, as: UTF8.self)), range: line.range(part.startIndex, part.endIndex))
    }
    var entries = [
      TOMLEntry(key: "type", keyRange: whole, node: TOMLNode(.string("bind"), range: whole)),
      TOMLEntry(key: "source", keyRange: whole, node: string(parts[0])),
      TOMLEntry(key: "target", keyRange: whole, node: string(parts[1])),
    ]
    if mode != nil {
      let node = string(parts[2])
      entries.append(TOMLEntry(key: "options", keyRange: whole, node: TOMLNode(.array([node]), range: node.range)))
    }
    let mount = TOMLNode(.table(TOMLTable(entries: entries)), range: whole)
    if let index = root.entries.firstIndex(where: { $0.key == "mounts" }) {
      guard case .array(var mounts) = root.entries[index].node.value else {
        sink.error("invalid-override", "the spec's `mounts` is not an array of tables", at: whole)
        return
      }
      mounts.append(mount)
      root.entries[index].node.value = .array(mounts)
    } else {
      root.entries.append(TOMLEntry(key: "mounts", keyRange: whole, node: TOMLNode(.array([mount]), range: whole)))
    }
  }

  /// Sets `node` at `path` beneath `table`, making the tables on the way, and replacing what the file wrote there.
  private func put(_ node: TOMLNode, at path: [(String, SourceRange)], in table: inout TOMLTable, depth: Int) {
    let (key, keyRange) = path[depth]
    let index = table.entries.firstIndex { $0.key == key }
    if depth == path.count - 1 {
      let entry = TOMLEntry(key: key, keyRange: keyRange, node: node)
      if let index { table.entries[index] = entry } else { table.entries.append(entry) }
      return
    }
    var inner = TOMLTable()
    if let index {
      guard case .table(let existing) = table.entries[index].node.value else {
        let written = path[...depth].map(\.0).joined(separator: ".")
        sink.error(
          "invalid-override", "`\(written)` is not a table in the spec, so nothing can be set in it",
          at: keyRange, hint: "set the whole value, as --set \(written)=…")
        return
      }
      inner = existing
    }
    put(node, at: path, in: &inner, depth: depth + 1)
    let made = TOMLEntry(key: key, keyRange: keyRange, node: TOMLNode(.table(inner), range: keyRange))
    if let index { table.entries[index].node.value = .table(inner) } else { table.entries.append(made) }
  }

  /// TOML's bare keys: ASCII letters, digits, `_` and `-`.
  private static func isBareKeyScalar(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar {
    case "a"..."z", "A"..."Z", "0"..."9", "_", "-": true
    default: false
    }
  }
}

/// The line one override takes in the source: where its argument starts, and ranges in it.
private struct CommandLineLine {
  let index: Int
  let line: Int
  /// Where the argument starts: its offset in the source and its column on the line.
  let offset: Int
  let column: Int
  let argument: [UInt8]

  init(source: [UInt8], override: SpecOverride, index: Int) {
    self.index = index
    line = source.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
    let flag = override.flag.rawValue.utf8.count + 1
    offset = source.count + flag
    column = 1 + flag
    argument = Array(override.argument.utf8)
  }

  /// Bytes `from..<to` of the argument.
  func range(_ from: Int, _ to: Int) -> SourceRange {
    var range = SourceRange(start: location(from), end: location(to))
    range.argument = index
    return range
  }

  private func location(_ byte: Int) -> SourceLocation {
    let scalars = argument.prefix(max(0, byte)).filter { $0 & 0xC0 != 0x80 }.count
    return SourceLocation(line: line, column: column + scalars, offset: offset + byte)
  }

  /// The value written from byte `start` of the argument on: a TOML value when it reads as one (`true`, `["sh"]`,
  /// `"x"`), else the text itself as a string (`box`), as most people would write a hostname.
  func value(_ text: String, at start: Int) -> TOMLNode {
    let prefix = Array("v = ".utf8)
    if let parsed = try? TOMLParser.parse(prefix + Array(text.utf8)), parsed.entries.count == 1,
      let entry = parsed["v"]
    {
      return moved(entry.node, by: start - prefix.count)
    }
    return TOMLNode(.string(text), range: range(start, argument.count))
  }

  /// A node parsed from `v = VALUE` moved onto this line, `shift` bytes on.
  private func moved(_ node: TOMLNode, by shift: Int) -> TOMLNode {
    let shifted = range(node.range.start.offset + shift, node.range.end.offset + shift)
    switch node.value {
    case .array(let nodes): return TOMLNode(.array(nodes.map { moved($0, by: shift) }), range: shifted)
    case .table(let table):
      let entries = table.entries.map {
        TOMLEntry(
          key: $0.key, keyRange: self.range($0.keyRange.start.offset + shift, $0.keyRange.end.offset + shift),
          node: moved($0.node, by: shift))
      }
      return TOMLNode(.table(TOMLTable(entries: entries)), range: shifted)
    case .string, .integer, .float, .bool, .dateTime: return TOMLNode(node.value, range: shifted)
    }
  }
}
