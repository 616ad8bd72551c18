/// Reads the keys of one TOML table into typed values. A wrong type is reported and read as missing, so decoding
/// goes on and every problem in the file is found in one pass.
struct TableReader {
  let table: TOMLTable
  /// The table's path when it lies in no array of tables.
  private let base: SpecKeyPath
  /// The table's path when it is an element of an array of tables or lies beneath one, in parts: its values'
  /// origins are recorded by array, index and key, with no path string made for each.
  let element: ElementPath?
  /// Where the table itself is written (its header, or the key that made it).
  let range: SourceRange
  let context: DecodeContext

  init(table: TOMLTable, path: SpecKeyPath, range: SourceRange, context: DecodeContext) {
    self.table = table
    self.base = path
    self.element = nil
    self.range = range
    self.context = context
  }

  init(table: TOMLTable, element: ElementPath, range: SourceRange, context: DecodeContext) {
    self.table = table
    self.base = ""
    self.element = element
    self.range = range
    self.context = context
  }

  /// The table's path (`process`, `mounts[3]`), spelt out: for messages.
  var path: SpecKeyPath { element?.keyPath ?? base }

  /// Records where the value at `key` in this table is written.
  private func record(_ key: String, _ range: SourceRange) {
    if let element { context.record(element.appending(key), range) } else { context.record(base.appending(key), range) }
  }

  /// The path of element `index` of the array of tables at `key`, in parts.
  func elementPath(_ key: String, _ index: Int) -> ElementPath {
    element?.appending(key).index(index) ?? ElementPath(array: base.appending(key).description, index: index, rest: "")
  }

  var sink: DiagnosticSink { context.sink }

  /// Reports every key not in `known`, with a "did you mean" when one is close.
  func rejectUnknownKeys(_ known: [String]) {
    for entry in table.entries where !Self.isKnown(entry.key, known) {
      let place =
        path.description.isEmpty
        ? "at the top level" : path.description.hasSuffix("]") ? "in \(path)" : "in [\(path)]"
      sink.error(
        "unknown-key", "unknown key '\(entry.key)' \(place)", at: entry.keyRange,
        hint: Suggestion.didYouMean(entry.key, among: known)
          ?? "known keys: \(known.joined(separator: ", "))")
    }
  }

  /// `known.contains(key)`, comparing lengths first: known keys are the decoder's own, for which lengths decide
  /// (see ``TOMLTable/entry(named:)``).
  private static func isKnown(_ key: String, _ known: [String]) -> Bool {
    let count = key.utf8.count
    for name in known where name.utf8.count == count && name == key { return true }
    return false
  }

  /// The entry for `key`, recording its origin.
  func entry(_ key: String) -> TOMLEntry? {
    guard let entry = table.entry(named: key) else { return nil }
    record(key, entry.node.range)
    return entry
  }

  func mismatch(_ key: String, _ node: TOMLNode, expected: String) {
    sink.error(
      "type-mismatch", "`\(key)` must be \(expected), not \(node.value.typeName)", at: node.range)
  }

  func string(_ key: String, expected: String = "a string") -> (String, SourceRange)? {
    guard let entry = entry(key) else { return nil }
    guard case .string(let value) = entry.node.value else {
      mismatch(key, entry.node, expected: expected)
      return nil
    }
    return (value, entry.node.range)
  }

  func bool(_ key: String) -> Bool? {
    guard let entry = entry(key) else { return nil }
    guard case .bool(let value) = entry.node.value else {
      mismatch(key, entry.node, expected: "true or false")
      return nil
    }
    return value
  }

  func integer(_ key: String, expected: String = "an integer") -> (Int64, SourceRange)? {
    guard let entry = entry(key) else { return nil }
    guard case .integer(let value) = entry.node.value else {
      mismatch(key, entry.node, expected: expected)
      return nil
    }
    return (value, entry.node.range)
  }

  /// An array of strings, each with its range; a non-string element is reported and skipped.
  func strings(_ key: String) -> [(String, SourceRange)]? {
    guard let entry = entry(key) else { return nil }
    guard case .array(let nodes) = entry.node.value else {
      mismatch(key, entry.node, expected: "an array of strings")
      return nil
    }
    var result: [(String, SourceRange)] = []
    for (index, node) in nodes.enumerated() {
      if let element {
        context.record(element.appending(key).index(index), node.range)
      } else {
        context.record(base.appending(key).index(index), node.range)
      }
      if case .string(let value) = node.value {
        result.append((value, node.range))
      } else {
        sink.error(
          "type-mismatch", "`\(key)` must be an array of strings; element \(index + 1) is \(node.value.typeName)",
          at: node.range)
      }
    }
    return result
  }

  /// A sub-table (`[path.key]` or `key = { ... }`).
  func table(_ key: String) -> TableReader? {
    guard let entry = entry(key) else { return nil }
    guard case .table(let sub) = entry.node.value else {
      mismatch(key, entry.node, expected: "a table")
      return nil
    }
    if let element {
      return TableReader(table: sub, element: element.appending(key), range: entry.node.range, context: context)
    }
    return TableReader(table: sub, path: base.appending(key), range: entry.node.range, context: context)
  }

  /// An array of tables (`[[path.key]]` or `key = [{ ... }, ...]`).
  func tables(_ key: String) -> [TableReader]? {
    guard let entry = entry(key) else { return nil }
    guard case .array(let nodes) = entry.node.value else {
      mismatch(key, entry.node, expected: "an array of tables")
      return nil
    }
    var result: [TableReader] = []
    for (index, node) in nodes.enumerated() {
      let elementPath = elementPath(key, index)
      context.record(elementPath, node.range)
      guard case .table(let sub) = node.value else {
        sink.error(
          "type-mismatch", "`\(key)` must be an array of tables; element \(index + 1) is \(node.value.typeName)",
          at: node.range)
        continue
      }
      result.append(TableReader(table: sub, element: elementPath, range: node.range, context: context))
    }
    return result
  }
}
