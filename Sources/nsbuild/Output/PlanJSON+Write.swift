import Builder
import SpecParser

extension PlanJSON {
  /// `plan --format json` written as it is made, a step at a time, in pieces of about
  /// ``PrettyJSONWriter/chunkBytes`` handed to `emit`: the same bytes as ``JSONText/encode(_:)`` of the whole
  /// document and a newline, without holding the document (some 700 MB at 40,000 mounts) whole.
  ///
  /// - Throws: `EncodingError` when a call or subject does not encode as an enum case with labelled values.
  static func write(
    _ plan: Plan, file: String, specWarnings: [Diagnostic] = [], substitutions: [SpecSubstitution] = [],
    to emit: @escaping ([UInt8]) -> Void
  ) throws {
    let encoder = JSONNodeEncoder()
    let keys = JSONNodeEncoder(snakeCaseKeys: true)
    var document = try encoder.encode(
      PlanJSON(plan, file: file, specWarnings: specWarnings, substitutions: substitutions, withSteps: false))
    document.set(
      "steps",
      .elements(count: plan.steps.count) { index in
        try encoder.encode(Self.step(plan.steps[index], file: file, encoder: keys))
      })
    try write(document, to: emit)
  }

  /// `plan --target --format json`, written as ``write(_:file:specWarnings:substitutions:to:)`` writes a plan.
  static func write(_ document: PlanJSON, to emit: @escaping ([UInt8]) -> Void) throws {
    try write(JSONNodeEncoder().encode(document), to: emit)
  }

  private static func write(_ document: JSONNode, to emit: @escaping ([UInt8]) -> Void) throws {
    var writer = PrettyJSONWriter(emit: emit)
    try writer.write(document)
    writer.append("\n")
    writer.flush()
  }
}
