/// A table while the document is still being read: mutable and shared by reference, so a header can reopen a
/// table that an earlier line created. ``snapshot()`` turns it into the public value type at the end.
final class DraftTable {
  /// How the table came to exist, which decides what may still add to it (see ``TOMLDocumentBuilder``).
  enum Origin {
    /// The document itself.
    case root
    /// A parent named in a `[a.b]` or `[[a.b]]` header, not (yet) defined by a header of its own.
    case implicit
    /// Defined by its own `[header]`.
    case header
    /// Created by a dotted key (`a.b = 1` creates `a`).
    case dotted
    /// An inline table `{ ... }`, filled while it is read and frozen afterwards.
    case inline
    /// One `[[header]]` element of an array of tables.
    case arrayElement
  }

  /// What one key of a draft table holds.
  enum Content {
    /// A finished value: a scalar, an array value or an inline table, none of which can be extended later.
    case value(TOMLNode)
    /// A table that headers or dotted keys may still add to.
    case table(DraftTable)
    /// An array of tables made by `[[header]]`s, which later `[[header]]`s append to.
    case tableArray(DraftTableArray)
  }

  struct Slot {
    var key: String
    var keyRange: SourceRange
    var content: Content
  }

  var origin: Origin
  /// Nesting level in the final tree; the root is 0.
  let depth: Int
  var range: SourceRange
  private(set) var slots: [Slot] = []
  /// Slot positions by the key's exact UTF-8 (see ``TOMLKeyPart/identity``), built only once the table outgrows
  /// ``scanLimit``: most tables hold a handful of keys, for which comparing bytes beats allocating and hashing.
  private var index: [[UInt8]: Int]?
  private static let scanLimit = 16

  init(origin: Origin, depth: Int, range: SourceRange) {
    self.origin = origin
    self.depth = depth
    self.range = range
  }

  private func position(of part: TOMLKeyPart) -> Int? {
    if let index { return index[part.identity] }
    // Lengths first: most keys of a table differ in length, and a native string knows its length.
    let name = part.name.utf8
    return slots.firstIndex { $0.key.utf8.count == name.count && $0.key.utf8.elementsEqual(name) }
  }

  func slot(named part: TOMLKeyPart) -> Slot? {
    position(of: part).map { slots[$0] }
  }

  /// Adds a key that is not there yet (callers check with ``slot(named:)`` first).
  func add(_ part: TOMLKeyPart, _ content: Content) {
    // Room for a typical table at once, rather than growing through 1, 2 and 4 slots.
    if slots.isEmpty { slots.reserveCapacity(4) }
    slots.append(Slot(key: part.name, keyRange: part.range, content: content))
    if index != nil {
      index?[part.identity] = slots.count - 1
    } else if slots.count > Self.scanLimit {
      index = Dictionary(
        slots.enumerated().map { (Array($0.element.key.utf8), $0.offset) }, uniquingKeysWith: { first, _ in first })
    }
  }

  /// Points an existing key at a new source range, for an implicit table that a later header defines.
  func moveKey(_ part: TOMLKeyPart) {
    guard let position = position(of: part) else { return }
    slots[position].keyRange = part.range
  }

  /// The finished table, entries in order of first definition. Called once, at the end: it empties the draft, so
  /// each draft table is freed as its finished copy is made rather than both trees being held whole at once.
  func snapshot() -> TOMLTable {
    let taken = slots
    slots = []
    index = nil
    var entries: [TOMLEntry] = []
    entries.reserveCapacity(taken.count)
    for slot in taken { entries.append(TOMLEntry(key: slot.key, keyRange: slot.keyRange, node: slot.content.node)) }
    return TOMLTable(entries: entries)
  }
}

/// An array of tables under construction; each element's range is its `[[header]]`.
final class DraftTableArray {
  /// The first `[[header]]` that created the array.
  let range: SourceRange
  var elements: [DraftTable]

  init(range: SourceRange, first: DraftTable) {
    self.range = range
    elements = [first]
  }
}

extension DraftTable.Content {
  /// The public node for this content.
  var node: TOMLNode {
    switch self {
    case .value(let node):
      return node
    case .table(let table):
      return TOMLNode(.table(table.snapshot()), range: table.range)
    case .tableArray(let array):
      var elements: [TOMLNode] = []
      elements.reserveCapacity(array.elements.count)
      for element in array.elements { elements.append(TOMLNode(.table(element.snapshot()), range: element.range)) }
      array.elements = []
      return TOMLNode(.array(elements), range: array.range)
    }
  }
}
