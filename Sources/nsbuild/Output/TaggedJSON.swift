import Builder
import FoundationEssentials

/// An enum value with associated values split into its case name and its labelled values, from the form Swift
/// synthesizes for it (`{"mountAt": {"target": 3, …}}` becomes `mount_at` and `{"target": 3, …}`), every key in
/// snake_case (`toGroup` → `to_group`) as in the rest of the document.
struct TaggedJSON {
  var name: String
  /// The labelled values, an object.
  var fields: JSONNode

  /// - Parameter encoder: one that converts keys to snake_case; shared by the values of one document, so each key
  ///   is converted once.
  /// - Throws: `EncodingError` when `value` does not encode as one key holding an object (not an enum with
  ///   associated values).
  init(_ value: some Encodable, encoder: JSONNodeEncoder = JSONNodeEncoder(snakeCaseKeys: true)) throws {
    guard let tagged = try encoder.encode(value).members, tagged.count == 1, let (name, inner) = tagged.first,
      inner.members != nil
    else {
      throw EncodingError.invalidValue(
        value, EncodingError.Context(codingPath: [], debugDescription: "not an enum case with labelled values"))
    }
    self.name = name
    self.fields = inner
  }
}

/// One call of a step as data: `{"name": "mount_at", "arguments": {"target": 3, …}, "origin": …}`.
struct CallJSON: Encodable {
  let tagged: Result<TaggedJSON, any Error>
  let origin: PlanJSON.Origin?

  private enum CodingKeys: String, CodingKey { case name, arguments, origin }

  init(operation: Step.Operation, file: String, encoder: JSONNodeEncoder = JSONNodeEncoder(snakeCaseKeys: true)) {
    tagged = Result { try TaggedJSON(operation.call, encoder: encoder) }
    origin = operation.origin.map { PlanJSON.Origin($0, file: file) }
  }

  /// - Throws: `EncodingError` when the call does not encode as an enum case with labelled values.
  func encode(to encoder: any Encoder) throws {
    let tagged = try tagged.get()
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(tagged.name, forKey: .name)
    try container.encode(tagged.fields, forKey: .arguments)
    try container.encodeIfPresent(origin, forKey: .origin)
  }
}

/// What a step acts on: `{"type": "mount_target", "path": "/tmp"}`, the subject's case and its labelled values.
struct SubjectJSON: Encodable {
  let tagged: Result<TaggedJSON, any Error>

  init(subject: Step.Subject, encoder: JSONNodeEncoder = JSONNodeEncoder(snakeCaseKeys: true)) {
    tagged = Result { try TaggedJSON(subject, encoder: encoder) }
  }

  private struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  /// - Throws: `EncodingError` when the subject does not encode as an enum case with labelled values.
  func encode(to encoder: any Encoder) throws {
    let tagged = try tagged.get()
    var container = encoder.container(keyedBy: Key.self)
    try container.encode(tagged.name, forKey: Key(stringValue: "type"))
    guard let fields = tagged.fields.members else { return }
    for (key, value) in fields { try container.encode(value, forKey: Key(stringValue: key)) }
  }
}
