import Builder
import FoundationEssentials

/// Any JSON value, read back from an encoder's output: how `plan --format json` shows a value through its own
/// `Codable` form, so a new call or field needs no JSON code of its own.
indirect enum AnyJSON: Codable, Equatable {
  case null
  case bool(Bool)
  case integer(Int64)
  /// An integer above `Int64.max` (a resource limit, say).
  case unsigned(UInt64)
  case double(Double)
  case string(String)
  case array([AnyJSON])
  case object([String: AnyJSON])

  init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      self = .null
    } else if let value = try? container.decode(Bool.self) {
      self = .bool(value)
    } else if let value = try? container.decode(Int64.self) {
      self = .integer(value)
    } else if let value = try? container.decode(UInt64.self) {
      self = .unsigned(value)
    } else if let value = try? container.decode(Double.self) {
      self = .double(value)
    } else if let value = try? container.decode(String.self) {
      self = .string(value)
    } else if let value = try? container.decode([AnyJSON].self) {
      self = .array(value)
    } else {
      self = .object(try container.decode([String: AnyJSON].self))
    }
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .null: try container.encodeNil()
    case .bool(let value): try container.encode(value)
    case .integer(let value): try container.encode(value)
    case .unsigned(let value): try container.encode(value)
    case .double(let value): try container.encode(value)
    case .string(let value): try container.encode(value)
    case .array(let value): try container.encode(value)
    case .object(let value): try container.encode(value)
    }
  }

  /// `value`'s `Codable` form with every key in snake_case (`toGroup` → `to_group`), as the rest of the document.
  init(encoding value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    self = try JSONDecoder().decode(AnyJSON.self, from: encoder.encode(value))
  }
}

/// An enum value with associated values split into its case name and its labelled values, from the form Swift
/// synthesizes for it (`{"mountAt": {"target": 3, …}}` becomes `mount_at` and `{"target": 3, …}`).
struct TaggedJSON {
  var name: String
  var fields: [String: AnyJSON]

  /// - Throws: `EncodingError` when `value` does not encode as one key holding an object (not an enum with
  ///   associated values).
  init(_ value: some Encodable) throws {
    guard case .object(let tagged) = try AnyJSON(encoding: value), tagged.count == 1, let (name, inner) = tagged.first,
      case .object(let fields) = inner
    else {
      throw EncodingError.invalidValue(
        value, EncodingError.Context(codingPath: [], debugDescription: "not an enum case with labelled values"))
    }
    self.name = name
    self.fields = fields
  }
}

/// One call of a step as data: `{"name": "mount_at", "arguments": {"target": 3, …}, "origin": …}`.
struct CallJSON: Encodable {
  let operation: Step.Operation
  let file: String

  private enum CodingKeys: String, CodingKey { case name, arguments, origin }

  func encode(to encoder: any Encoder) throws {
    let tagged = try TaggedJSON(operation.call)
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(tagged.name, forKey: .name)
    try container.encode(tagged.fields, forKey: .arguments)
    try container.encodeIfPresent(operation.origin.map { PlanJSON.Origin($0, file: file) }, forKey: .origin)
  }
}

/// What a step acts on: `{"type": "mount_target", "path": "/tmp"}`, the subject's case and its labelled values.
struct SubjectJSON: Encodable {
  let subject: Step.Subject

  private struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  func encode(to encoder: any Encoder) throws {
    let tagged = try TaggedJSON(subject)
    var container = encoder.container(keyedBy: Key.self)
    try container.encode(tagged.name, forKey: Key(stringValue: "type"))
    for (key, value) in tagged.fields { try container.encode(value, forKey: Key(stringValue: key)) }
  }
}
