import FoundationEssentials
import SpecParser

/// JSON output through Foundation's encoder: sorted keys, so output is stable for golden tests and diffs.
enum JSONText {
  static func encode<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
  }
}

/// One diagnostic as `check --format json` prints it.
struct DiagnosticJSON: Encodable {
  struct Position: Encodable {
    var line: Int
    var column: Int
  }

  var file: String
  var line: Int
  var column: Int
  var end: Position
  var severity: String
  var code: String
  var message: String
  var hint: String?

  init(_ diagnostic: Diagnostic) {
    file = diagnostic.file
    line = diagnostic.range.start.line
    column = diagnostic.range.start.column
    end = Position(line: diagnostic.range.end.line, column: diagnostic.range.end.column)
    severity = diagnostic.severity.rawValue
    code = diagnostic.code
    message = diagnostic.message
    hint = diagnostic.hint
  }
}
