import FoundationEssentials

/// Makes a ``JSONNode`` of an `Encodable` value, as Foundation's `JSONEncoder` would lay it out, without writing and
/// parsing JSON text: what `plan --format json` writes a step at a time. A value that encodes nothing is an empty
/// object, a key given twice keeps its last value, and `String`-keyed dictionaries keep their keys as they are.
/// With `snakeCaseKeys`, every other key is converted as `JSONEncoder.KeyEncodingStrategy.convertToSnakeCase` does
/// (asked of Foundation once per distinct key).
final class JSONNodeEncoder {
  let snakeCaseKeys: Bool
  private var converted: [String: String] = [:]

  init(snakeCaseKeys: Bool = false) {
    self.snakeCaseKeys = snakeCaseKeys
  }

  /// - Throws: what `value`'s `encode(to:)` throws (`EncodingError`).
  func encode(_ value: some Encodable) throws -> JSONNode {
    let slot = JSONSlot()
    try slot.encode(value, with: self)
    return .encoded(slot)
  }

  /// `key` as written: converted to snake_case when asked.
  func key(_ key: String) -> String {
    guard snakeCaseKeys else { return key }
    if let known = converted[key] { return known }
    let snake = Self.snakeCase(key)
    converted[key] = snake
    return snake
  }

  /// Foundation's own conversion, so the keys are exactly those `AnyJSON(encoding:)` gave.
  private static func snakeCase(_ key: String) -> String {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    guard let data = try? encoder.encode(OneKey(name: key)),
      let decoded = try? JSONDecoder().decode([String: Int].self, from: data), let snake = decoded.keys.first
    else { return key }
    return snake
  }

  /// An object with the one key `name`.
  private struct OneKey: Encodable {
    let name: String
    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: JSONNodeKey.self)
      try container.encode(0, forKey: JSONNodeKey(stringValue: name))
    }
  }
}

/// Any string as a coding key.
struct JSONNodeKey: CodingKey {
  var stringValue: String
  var intValue: Int? { nil }
  init(stringValue: String) { self.stringValue = stringValue }
  init?(intValue: Int) { nil }
}

/// A `String`-keyed dictionary, whose keys no key strategy converts (as in Foundation).
protocol StringKeyedDictionary {
  func encodeMembers(into slot: JSONSlot, with encoder: JSONNodeEncoder) throws
}

extension Dictionary: StringKeyedDictionary where Key == String, Value: Encodable {
  func encodeMembers(into slot: JSONSlot, with encoder: JSONNodeEncoder) throws {
    slot.becomeObject()
    for (key, value) in self {
      let child = JSONSlot()
      try child.encode(value, with: encoder)
      slot.set(key, child)
    }
  }
}

/// One value being encoded: a leaf, or a container whose members may still be filled in. Written as it is (see
/// ``JSONNode/encoded(_:)``): no second tree is made of it.
final class JSONSlot {
  enum Content { case unset, leaf, object, array }
  var content = Content.unset
  var leaf = JSONNode.null
  var keys: [String] = []
  var children: [JSONSlot] = []

  func encode<Value: Encodable>(_ value: Value, with encoder: JSONNodeEncoder) throws {
    // Types compared before any cast: a conformance lookup for every value costs more than the rest of its encoding.
    if Value.self == JSONNode.self, let node = value as? JSONNode {
      set(node)
    } else if encoder.snakeCaseKeys, let dictionary = value as? any StringKeyedDictionary {
      try dictionary.encodeMembers(into: self, with: encoder)
    } else {
      try value.encode(to: SlotEncoder(slot: self, encoder: encoder, codingPath: []))
    }
  }

  func set(_ node: JSONNode) {
    (content, leaf, keys, children) = (.leaf, node, [], [])
  }

  func becomeObject() {
    guard content != .object else { return }
    (content, keys, children) = (.object, [], [])
  }

  func becomeArray() {
    guard content != .array else { return }
    (content, keys, children) = (.array, [], [])
  }

  func set(_ key: String, _ child: JSONSlot) {
    if let index = keys.lastIndex(of: key) {
      children[index] = child
    } else {
      keys.append(key)
      children.append(child)
    }
  }

  /// The members of an object (none for anything else).
  var members: [(key: String, value: JSONNode)] {
    content == .object ? zip(keys, children).map { ($0, .encoded($1)) } : []
  }
}

private struct SlotEncoder: Encoder {
  let slot: JSONSlot
  let encoder: JSONNodeEncoder
  var codingPath: [any CodingKey]
  var userInfo: [CodingUserInfoKey: Any] { [:] }

  func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
    slot.becomeObject()
    return KeyedEncodingContainer(KeyedSlot<Key>(slot: slot, encoder: encoder, codingPath: codingPath))
  }

  func unkeyedContainer() -> any UnkeyedEncodingContainer {
    slot.becomeArray()
    return UnkeyedSlot(slot: slot, encoder: encoder, codingPath: codingPath)
  }

  func singleValueContainer() -> any SingleValueEncodingContainer {
    SingleSlot(slot: slot, encoder: encoder, codingPath: codingPath)
  }
}

private struct KeyedSlot<Key: CodingKey>: KeyedEncodingContainerProtocol {
  let slot: JSONSlot
  let encoder: JSONNodeEncoder
  var codingPath: [any CodingKey]

  private func child(_ key: Key) -> JSONSlot {
    let child = JSONSlot()
    slot.set(encoder.key(key.stringValue), child)
    return child
  }

  mutating func encodeNil(forKey key: Key) throws { child(key).set(.null) }
  mutating func encode(_ value: Bool, forKey key: Key) throws { child(key).set(.bool(value)) }
  mutating func encode(_ value: String, forKey key: Key) throws { child(key).set(.string(value)) }
  mutating func encode(_ value: Double, forKey key: Key) throws { try child(key).set(floating(value)) }
  mutating func encode(_ value: Float, forKey key: Key) throws { try child(key).set(floating(Double(value))) }
  mutating func encode(_ value: Int, forKey key: Key) throws { child(key).set(integer(value)) }
  mutating func encode(_ value: Int8, forKey key: Key) throws { child(key).set(integer(value)) }
  mutating func encode(_ value: Int16, forKey key: Key) throws { child(key).set(integer(value)) }
  mutating func encode(_ value: Int32, forKey key: Key) throws { child(key).set(integer(value)) }
  mutating func encode(_ value: Int64, forKey key: Key) throws { child(key).set(integer(value)) }
  mutating func encode(_ value: UInt, forKey key: Key) throws { child(key).set(integer(value)) }
  mutating func encode(_ value: UInt8, forKey key: Key) throws { child(key).set(integer(value)) }
  mutating func encode(_ value: UInt16, forKey key: Key) throws { child(key).set(integer(value)) }
  mutating func encode(_ value: UInt32, forKey key: Key) throws { child(key).set(integer(value)) }
  mutating func encode(_ value: UInt64, forKey key: Key) throws { child(key).set(integer(value)) }

  mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
    try child(key).encode(value, with: encoder)
  }

  mutating func nestedContainer<NestedKey: CodingKey>(
    keyedBy keyType: NestedKey.Type, forKey key: Key
  ) -> KeyedEncodingContainer<NestedKey> {
    let nested = child(key)
    nested.becomeObject()
    return KeyedEncodingContainer(
      KeyedSlot<NestedKey>(slot: nested, encoder: encoder, codingPath: codingPath + [key]))
  }

  mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
    let nested = child(key)
    nested.becomeArray()
    return UnkeyedSlot(slot: nested, encoder: encoder, codingPath: codingPath + [key])
  }

  mutating func superEncoder() -> any Encoder {
    let nested = JSONSlot()
    slot.set(encoder.key("super"), nested)
    return SlotEncoder(slot: nested, encoder: encoder, codingPath: codingPath)
  }

  mutating func superEncoder(forKey key: Key) -> any Encoder {
    SlotEncoder(slot: child(key), encoder: encoder, codingPath: codingPath + [key])
  }
}

private struct UnkeyedSlot: UnkeyedEncodingContainer {
  let slot: JSONSlot
  let encoder: JSONNodeEncoder
  var codingPath: [any CodingKey]
  var count: Int { slot.children.count }

  private func next() -> JSONSlot {
    let child = JSONSlot()
    slot.children.append(child)
    return child
  }

  mutating func encodeNil() throws { next().set(.null) }
  mutating func encode(_ value: Bool) throws { next().set(.bool(value)) }
  mutating func encode(_ value: String) throws { next().set(.string(value)) }
  mutating func encode(_ value: Double) throws { try next().set(floating(value)) }
  mutating func encode(_ value: Float) throws { try next().set(floating(Double(value))) }
  mutating func encode(_ value: Int) throws { next().set(integer(value)) }
  mutating func encode(_ value: Int8) throws { next().set(integer(value)) }
  mutating func encode(_ value: Int16) throws { next().set(integer(value)) }
  mutating func encode(_ value: Int32) throws { next().set(integer(value)) }
  mutating func encode(_ value: Int64) throws { next().set(integer(value)) }
  mutating func encode(_ value: UInt) throws { next().set(integer(value)) }
  mutating func encode(_ value: UInt8) throws { next().set(integer(value)) }
  mutating func encode(_ value: UInt16) throws { next().set(integer(value)) }
  mutating func encode(_ value: UInt32) throws { next().set(integer(value)) }
  mutating func encode(_ value: UInt64) throws { next().set(integer(value)) }

  mutating func encode<T: Encodable>(_ value: T) throws {
    try next().encode(value, with: encoder)
  }

  mutating func nestedContainer<NestedKey: CodingKey>(
    keyedBy keyType: NestedKey.Type
  ) -> KeyedEncodingContainer<NestedKey> {
    let nested = next()
    nested.becomeObject()
    return KeyedEncodingContainer(KeyedSlot<NestedKey>(slot: nested, encoder: encoder, codingPath: codingPath))
  }

  mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
    let nested = next()
    nested.becomeArray()
    return UnkeyedSlot(slot: nested, encoder: encoder, codingPath: codingPath)
  }

  mutating func superEncoder() -> any Encoder {
    SlotEncoder(slot: next(), encoder: encoder, codingPath: codingPath)
  }
}

private struct SingleSlot: SingleValueEncodingContainer {
  let slot: JSONSlot
  let encoder: JSONNodeEncoder
  var codingPath: [any CodingKey]

  mutating func encodeNil() throws { slot.set(.null) }
  mutating func encode(_ value: Bool) throws { slot.set(.bool(value)) }
  mutating func encode(_ value: String) throws { slot.set(.string(value)) }
  mutating func encode(_ value: Double) throws { try slot.set(floating(value)) }
  mutating func encode(_ value: Float) throws { try slot.set(floating(Double(value))) }
  mutating func encode(_ value: Int) throws { slot.set(integer(value)) }
  mutating func encode(_ value: Int8) throws { slot.set(integer(value)) }
  mutating func encode(_ value: Int16) throws { slot.set(integer(value)) }
  mutating func encode(_ value: Int32) throws { slot.set(integer(value)) }
  mutating func encode(_ value: Int64) throws { slot.set(integer(value)) }
  mutating func encode(_ value: UInt) throws { slot.set(integer(value)) }
  mutating func encode(_ value: UInt8) throws { slot.set(integer(value)) }
  mutating func encode(_ value: UInt16) throws { slot.set(integer(value)) }
  mutating func encode(_ value: UInt32) throws { slot.set(integer(value)) }
  mutating func encode(_ value: UInt64) throws { slot.set(integer(value)) }

  mutating func encode<T: Encodable>(_ value: T) throws {
    try slot.encode(value, with: encoder)
  }
}

/// An integer as JSON holds it: `Int64` when it fits.
private func integer(_ value: some BinaryInteger) -> JSONNode {
  if let signed = Int64(exactly: value) { return .integer(signed) }
  return .unsigned(UInt64(truncatingIfNeeded: value))
}

/// A whole number as an integer, as the text Foundation writes for it reads back; no document of nsbuild holds any
/// other floating-point value.
///
/// - Throws: `EncodingError.invalidValue` for a value with a fraction, or not finite.
private func floating(_ value: Double) throws -> JSONNode {
  guard let whole = Int64(exactly: value) else {
    throw EncodingError.invalidValue(
      value, EncodingError.Context(codingPath: [], debugDescription: "not a whole number: \(value)"))
  }
  return .integer(whole)
}
