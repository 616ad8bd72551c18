import Foundation
import Testing

@testable import nsbuild

/// The schema lists the names `plan --format json` gives calls and subjects, which come from the enums' own case
/// names: a case added to `Syscall` or `Step.Subject` must be added to the schema too, or plans using it would not
/// validate. Read from the source, since Swift cannot list the cases of an enum with associated values.
@Suite struct PlanSchemaNamesTests {
  /// The case names declared in the body of `enum NAME` in the Swift files under `folder`, in snake_case.
  static func caseNames(of name: String, under folder: String) throws -> Set<String> {
    let files = try FileManager.default.subpathsOfDirectory(atPath: folder).filter { $0.hasSuffix(".swift") }
    for file in files {
      let text = try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
      guard let start = text.range(of: "public enum \(name): ") else { continue }
      // The body ends at the first closing brace at the enum's own indentation.
      let indent = text[..<start.lowerBound].reversed().prefix { $0 == " " }.count
      let rest = text[start.upperBound...]
      let end = rest.range(of: "\n" + String(repeating: " ", count: indent) + "}")?.lowerBound ?? rest.endIndex
      let lines = rest[..<end].split(separator: "\n")
      let bodyIndent = String(repeating: " ", count: indent + 2)
      let names = lines.compactMap { line -> String? in
        guard line.hasPrefix(bodyIndent + "case ") else { return nil }
        return String(line.dropFirst(bodyIndent.count + 5).prefix { $0.isLetter || $0.isNumber })
      }
      return try snakeCase(names)
    }
    throw TestFailure("no enum \(name) under \(folder)")
  }

  /// Swift names as the plan's JSON writes them: through the encoder's own snake_case conversion
  /// (`fsconfigFD` → `fsconfig_fd`), not a copy of it.
  static func snakeCase(_ names: [String]) throws -> Set<String> {
    struct Key: CodingKey {
      var stringValue: String
      var intValue: Int? { nil }
      init(stringValue: String) { self.stringValue = stringValue }
      init?(intValue: Int) { nil }
    }
    struct Names: Encodable {
      let names: [String]
      func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for name in names { try container.encode(0, forKey: Key(stringValue: name)) }
      }
    }
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    return Set(try JSONDecoder().decode([String: Int].self, from: encoder.encode(Names(names: names))).keys)
  }

  @Test func everyCallNameIsInTheSchema() throws {
    let names = try Self.caseNames(of: "Syscall", under: packageRoot + "/Sources/Builder")
    #expect(names.contains("mount_at") && names.contains("execve"))
    #expect(names == Set(PlanSchema.callNames))
    #expect(PlanSchema.callNames.count == names.count, "listed once each")
  }

  @Test func everySubjectTypeIsInTheSchema() throws {
    let names = try Self.caseNames(of: "Subject", under: packageRoot + "/Sources/Builder")
    #expect(names.contains("mount_target"))
    #expect(names == Set(PlanSchema.subjectTypes))
    #expect(PlanSchema.subjectTypes.count == names.count, "listed once each")
  }
}
