/// Builds the document's table tree and enforces TOML 1.0's define-once rules:
///
/// * a key is defined once;
/// * `[a]` may define a table only once, and only if nothing but other headers (as parents) created it before; a
///   table made by dotted keys cannot be reopened by a header, though headers may define sub-tables inside it;
/// * dotted keys may only extend tables that dotted keys created in the same table (not ones made by headers);
/// * `[[a]]` appends only to an array made by `[[a]]`; inline tables and array values are never extended.
struct TOMLDocumentBuilder {
  let root: DraftTable
  /// The table key/value lines currently go into: the root, then whatever the last header selected.
  private(set) var current: DraftTable

  init() {
    root = DraftTable(origin: .root, depth: 0, range: SourceRange(at: SourceLocation(line: 1, column: 1, offset: 0)))
    current = root
  }

  func finish() -> TOMLTable { root.snapshot() }

  /// `[path]`: defines (or completes an implicit) table and makes it current.
  mutating func openTable(_ path: [TOMLKeyPart], header: SourceRange) throws(TOMLError) {
    guard let last = path.last else { return }
    let parent = try Self.walkHeader(path.dropLast(), from: root)
    guard let slot = parent.slot(named: last) else {
      current = try Self.addTable(last, origin: .header, range: header, to: parent)
      return
    }
    let name = TOMLKeyPart.display(path)
    switch slot.content {
    case .table(let table) where table.origin == .implicit:
      table.origin = .header
      table.range = header
      parent.moveKey(last)
      current = table
    case .table(let table) where table.origin == .dotted:
      throw TOMLError(
        message: "table [\(name)] was already defined with dotted keys at \(TOMLText.line(of: slot.keyRange))",
        range: last.range)
    case .table:
      throw TOMLError(
        message: "duplicate table [\(name)] (first defined at \(TOMLText.line(of: slot.keyRange)))", range: last.range)
    case .tableArray:
      throw TOMLError(
        message: "[\(name)] is already an array of tables (first defined at \(TOMLText.line(of: slot.keyRange)))",
        range: last.range)
    case .value:
      throw TOMLError(
        message: "duplicate key '\(name)' (first defined at \(TOMLText.line(of: slot.keyRange)))", range: last.range)
    }
  }

  /// `[[path]]`: appends a new table to the array of tables and makes it current.
  mutating func appendArrayTable(_ path: [TOMLKeyPart], header: SourceRange) throws(TOMLError) {
    guard let last = path.last else { return }
    let parent = try Self.walkHeader(path.dropLast(), from: root)
    // An element sits two levels below the parent: parent -> array -> element.
    let element = try Self.makeChild(of: parent, origin: .arrayElement, range: header, at: last, levels: 2)
    guard let slot = parent.slot(named: last) else {
      parent.add(last, .tableArray(DraftTableArray(range: header, first: element)))
      current = element
      return
    }
    guard case .tableArray(let array) = slot.content else {
      throw TOMLError(
        message: "cannot append to '\(TOMLKeyPart.display(path))': it is not an array of tables "
          + "(first defined at \(TOMLText.line(of: slot.keyRange)))",
        range: last.range)
    }
    array.elements.append(element)
    current = element
  }

  /// `path = value` inside `table` (the current table, or an inline table being read).
  static func assign(_ path: [TOMLKeyPart], _ node: TOMLNode, in table: DraftTable) throws(TOMLError) {
    guard let last = path.last else { return }
    var target = table
    for (position, part) in path.dropLast().enumerated() {
      target = try walkDotted(part, from: target, path: path.prefix(position + 1))
    }
    if let slot = target.slot(named: last) {
      throw TOMLError(
        message: "duplicate key '\(TOMLKeyPart.display(path))' (first defined at \(TOMLText.line(of: slot.keyRange)))",
        range: last.range)
    }
    target.add(last, .value(node))
  }

  /// `key = value` with a plain (not dotted) key inside `table`.
  static func assign(_ key: TOMLKeyPart, _ node: TOMLNode, in table: DraftTable) throws(TOMLError) {
    if let slot = table.slot(named: key) {
      throw TOMLError(
        message: "duplicate key '\(TOMLKeyPart.display([key]))' (first defined at \(TOMLText.line(of: slot.keyRange)))",
        range: key.range)
    }
    table.add(key, .value(node))
  }

  /// Follows the parent parts of a header, creating implicit tables as needed. Headers may pass through any table
  /// that is not frozen, and through an array of tables into its last element.
  private static func walkHeader(_ parents: ArraySlice<TOMLKeyPart>, from root: DraftTable) throws(TOMLError)
    -> DraftTable
  {
    var table = root
    for (position, part) in parents.enumerated() {
      guard let slot = table.slot(named: part) else {
        table = try addTable(part, origin: .implicit, range: part.range, to: table)
        continue
      }
      switch slot.content {
      case .table(let next): table = next
      case .tableArray(let array): table = array.elements.last ?? table
      case .value(let node):
        throw cannotExtend(parents.prefix(position + 1), node: node, slot: slot, part: part)
      }
    }
    return table
  }

  /// One parent part of a dotted key: creates a table, or enters one that dotted keys made.
  private static func walkDotted(_ part: TOMLKeyPart, from table: DraftTable, path: ArraySlice<TOMLKeyPart>)
    throws(TOMLError) -> DraftTable
  {
    guard let slot = table.slot(named: part) else {
      return try addTable(part, origin: .dotted, range: part.range, to: table)
    }
    let name = TOMLKeyPart.display(path)
    let line = TOMLText.line(of: slot.keyRange)
    switch slot.content {
    case .table(let next) where next.origin == .dotted:
      return next
    case .table:
      throw TOMLError(
        message: "cannot add to table '\(name)' with dotted keys: it was defined by a header at \(line)",
        range: part.range)
    case .tableArray:
      throw TOMLError(
        message: "cannot add to '\(name)' with dotted keys: it is an array of tables (defined at \(line))",
        range: part.range)
    case .value(let node):
      throw cannotExtend(path, node: node, slot: slot, part: part)
    }
  }

  private static func addTable(
    _ part: TOMLKeyPart, origin: DraftTable.Origin, range: SourceRange, to parent: DraftTable
  ) throws(TOMLError) -> DraftTable {
    let table = try makeChild(of: parent, origin: origin, range: range, at: part)
    parent.add(part, .table(table))
    return table
  }

  /// A new table one level below `parent`, refused past the nesting limit.
  static func makeChild(
    of parent: DraftTable, origin: DraftTable.Origin, range: SourceRange, at part: TOMLKeyPart, levels: Int = 1
  ) throws(TOMLError) -> DraftTable {
    guard parent.depth + levels <= TOMLLimits.maxNestingDepth else {
      throw TOMLError(message: "tables nested deeper than \(TOMLLimits.maxNestingDepth) levels", range: part.range)
    }
    return DraftTable(origin: origin, depth: parent.depth + levels, range: range)
  }

  /// The error for using a finished value (scalar, array value or inline table) as a table.
  private static func cannotExtend(
    _ path: some Collection<TOMLKeyPart>, node: TOMLNode, slot: DraftTable.Slot, part: TOMLKeyPart
  ) -> TOMLError {
    let name = TOMLKeyPart.display(path)
    let line = TOMLText.line(of: slot.keyRange)
    let message: String
    switch node.value {
    case .table: message = "cannot add to inline table '\(name)' (defined at \(line))"
    case .array:
      message = "cannot add to array '\(name)': only arrays made with [[\(name)]] can be extended (defined at \(line))"
    case .string, .integer, .float, .bool, .dateTime:
      message = "'\(name)' is already a value, not a table (defined at \(line))"
    }
    return TOMLError(message: message, range: part.range)
  }
}
