/// A JSON value as nsbuild's documents hold it, with object members in the order they were given (they are written
/// sorted). `elements` is an array made one element at a time as it is written, so a plan's steps are never held
/// whole as JSON.
enum JSONNode {
  case null
  case bool(Bool)
  case integer(Int64)
  /// An integer above `Int64.max` (a resource limit, say).
  case unsigned(UInt64)
  case string(String)
  case array([JSONNode])
  case object([(key: String, value: JSONNode)])
  /// `count` elements, element `i` made by `element(i)` when it is written.
  case elements(count: Int, element: (Int) throws -> JSONNode)
  /// A value as ``JSONNodeEncoder`` made it.
  case encoded(JSONSlot)

  /// The members of an object, in the order they were given; nil for anything else.
  var members: [(key: String, value: JSONNode)]? {
    switch self {
    case .object(let members): members
    case .encoded(let slot) where slot.content == .object || slot.content == .unset: slot.members
    case .encoded(let slot) where slot.content == .leaf: slot.leaf.members
    case .null, .bool, .integer, .unsigned, .string, .array, .elements, .encoded: nil
    }
  }

  /// Sets (or adds) the member `key` of an object; no effect on anything else.
  mutating func set(_ key: String, _ value: JSONNode) {
    guard var members else { return }
    self = .null
    if let index = members.lastIndex(where: { $0.key == key }) {
      members[index].value = value
    } else {
      members.append((key, value))
    }
    self = .object(members)
  }
}

/// Writes a ``JSONNode`` as Foundation's `JSONEncoder` does with `[.prettyPrinted, .sortedKeys,
/// .withoutEscapingSlashes]` (``JSONText/encode(_:)``): two spaces a level, `"key" : value`, keys sorted by their
/// UTF-8 bytes, `"`, `\` and control characters escaped, and nothing else. The bytes go to `emit` in pieces of
/// about ``chunkBytes``, as the plan's text renderer hands on its text.
struct PrettyJSONWriter {
  /// How much output is gathered before it is handed on (bytes).
  static let chunkBytes = 1 << 16

  private var bytes: [UInt8] = []
  private let emit: ([UInt8]) -> Void

  init(emit: @escaping ([UInt8]) -> Void) {
    self.emit = emit
    bytes.reserveCapacity(Self.chunkBytes + 4096)
  }

  /// Appends `node`, its containers indented from `level`.
  mutating func write(_ node: JSONNode, level: Int = 0) throws {
    switch node {
    case .null: append("null")
    case .bool(let value): append(value ? "true" : "false")
    case .integer(let value): appendInteger(value < 0, value.magnitude)
    case .unsigned(let value): appendInteger(false, value)
    case .string(let value): appendString(value)
    case .array(let elements):
      try writeArray(count: elements.count, level: level) { elements[$0] }
    case .elements(let count, let element):
      try writeArray(count: count, level: level, element: element)
    case .object(let members): try writeObject(members, level: level)
    case .encoded(let slot): try write(slot, level: level)
    }
    if bytes.count >= Self.chunkBytes { flush() }
  }

  private mutating func write(_ slot: JSONSlot, level: Int) throws {
    switch slot.content {
    case .unset: try writeObject([], level: level)
    case .leaf: try write(slot.leaf, level: level)
    case .array:
      let children = slot.children
      try writeArray(count: children.count, level: level) { .encoded(children[$0]) }
    case .object:
      bytes.append(UInt8(ascii: "{"))
      bytes.append(UInt8(ascii: "\n"))
      let keys = slot.keys
      let order = keys.indices.sorted { keys[$0].utf8.lexicographicallyPrecedes(keys[$1].utf8) }
      for (position, index) in order.enumerated() {
        if position > 0 {
          bytes.append(UInt8(ascii: ","))
          bytes.append(UInt8(ascii: "\n"))
        }
        indent(level + 1)
        appendString(keys[index])
        append(" : ")
        try write(slot.children[index], level: level + 1)
      }
      bytes.append(UInt8(ascii: "\n"))
      indent(level)
      bytes.append(UInt8(ascii: "}"))
    }
  }

  /// Appends text as it is (a newline after the document, say).
  mutating func append(_ text: StaticString) {
    text.withUTF8Buffer { bytes.append(contentsOf: $0) }
  }

  /// Hands on what is gathered.
  mutating func flush() {
    guard !bytes.isEmpty else { return }
    emit(bytes)
    bytes.removeAll(keepingCapacity: true)
  }

  private mutating func writeArray(count: Int, level: Int, element: (Int) throws -> JSONNode) throws {
    bytes.append(UInt8(ascii: "["))
    bytes.append(UInt8(ascii: "\n"))
    for index in 0..<count {
      if index > 0 {
        bytes.append(UInt8(ascii: ","))
        bytes.append(UInt8(ascii: "\n"))
      }
      indent(level + 1)
      try write(element(index), level: level + 1)
    }
    bytes.append(UInt8(ascii: "\n"))
    indent(level)
    bytes.append(UInt8(ascii: "]"))
  }

  private mutating func writeObject(_ members: [(key: String, value: JSONNode)], level: Int) throws {
    bytes.append(UInt8(ascii: "{"))
    bytes.append(UInt8(ascii: "\n"))
    // Foundation on Linux sorts by the keys' UTF-8 bytes.
    let sorted = members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    for (index, member) in sorted.enumerated() {
      if index > 0 {
        bytes.append(UInt8(ascii: ","))
        bytes.append(UInt8(ascii: "\n"))
      }
      indent(level + 1)
      appendString(member.key)
      append(" : ")
      try write(member.value, level: level + 1)
    }
    bytes.append(UInt8(ascii: "\n"))
    indent(level)
    bytes.append(UInt8(ascii: "}"))
  }

  private static let spaces = [UInt8](repeating: UInt8(ascii: " "), count: 64)

  private mutating func indent(_ level: Int) {
    var left = 2 * level
    while left > 0 {
      let some = min(left, Self.spaces.count)
      bytes.append(contentsOf: Self.spaces[..<some])
      left -= some
    }
  }

  private mutating func appendInteger(_ negative: Bool, _ magnitude: UInt64) {
    if negative { bytes.append(UInt8(ascii: "-")) }
    var digits: (UInt64, [UInt8]) = (magnitude, [])
    if magnitude < 10 {
      bytes.append(UInt8(ascii: "0") + UInt8(magnitude))
      return
    }
    while digits.0 > 0 {
      digits.1.append(UInt8(ascii: "0") + UInt8(digits.0 % 10))
      digits.0 /= 10
    }
    bytes.append(contentsOf: digits.1.reversed())
  }

  /// `text` quoted, with `"`, `\` and the C0 control characters escaped (`\n`, `\t`… or `\u001b`).
  private mutating func appendString(_ text: String) {
    bytes.append(UInt8(ascii: "\""))
    var text = text
    text.withUTF8 { utf8 in
      var start = 0
      for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == 0x5C {
        bytes.append(contentsOf: utf8[start..<index])
        start = index + 1
        appendEscape(byte)
      }
      bytes.append(contentsOf: utf8[start...])
    }
    bytes.append(UInt8(ascii: "\""))
  }

  private mutating func appendEscape(_ byte: UInt8) {
    bytes.append(0x5C)
    switch byte {
    case UInt8(ascii: "\""), 0x5C: bytes.append(byte)
    case 0x08: bytes.append(UInt8(ascii: "b"))
    case 0x0C: bytes.append(UInt8(ascii: "f"))
    case 0x0A: bytes.append(UInt8(ascii: "n"))
    case 0x0D: bytes.append(UInt8(ascii: "r"))
    case 0x09: bytes.append(UInt8(ascii: "t"))
    default:
      let hex = Array("0123456789abcdef".utf8)
      bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
      bytes.append(hex[Int(byte >> 4)])
      bytes.append(hex[Int(byte & 0xF)])
    }
  }
}

extension JSONNode: Encodable {
  /// The same value through any encoder (Foundation's in ``JSONText/encode(_:)``).
  func encode(to encoder: any Encoder) throws {
    switch self {
    case .null:
      var container = encoder.singleValueContainer()
      try container.encodeNil()
    case .bool(let value):
      var container = encoder.singleValueContainer()
      try container.encode(value)
    case .integer(let value):
      var container = encoder.singleValueContainer()
      try container.encode(value)
    case .unsigned(let value):
      var container = encoder.singleValueContainer()
      try container.encode(value)
    case .string(let value):
      var container = encoder.singleValueContainer()
      try container.encode(value)
    case .array(let elements):
      var container = encoder.unkeyedContainer()
      for element in elements { try container.encode(element) }
    case .elements(let count, let element):
      var container = encoder.unkeyedContainer()
      for index in 0..<count { try container.encode(element(index)) }
    case .object(let members):
      var container = encoder.container(keyedBy: JSONNodeKey.self)
      for member in members { try container.encode(member.value, forKey: JSONNodeKey(stringValue: member.key)) }
    case .encoded(let slot):
      switch slot.content {
      case .leaf: try slot.leaf.encode(to: encoder)
      case .array:
        var container = encoder.unkeyedContainer()
        for child in slot.children { try container.encode(JSONNode.encoded(child)) }
      case .object, .unset:
        var container = encoder.container(keyedBy: JSONNodeKey.self)
        for (key, child) in zip(slot.keys, slot.children) {
          try container.encode(JSONNode.encoded(child), forKey: JSONNodeKey(stringValue: key))
        }
      }
    }
  }
}
