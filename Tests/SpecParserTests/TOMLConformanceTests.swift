import Foundation
import Testing

@testable import SpecParser

/// Runs the toml-test TOML 1.0.0 cases (https://github.com/toml-lang/toml-test) against ``TOMLParser``. The suite
/// is not part of this package: it is found at `../shared/toml-test` next to the package root, or wherever
/// `NSBUILD_TOML_TEST_DIR` points (that folder or its `tests/` subfolder), and the test is skipped without it.
enum TOMLTestSuite {
  static let listName = "files-toml-1.0.0"

  /// The suite's `tests/` folder (holding `valid/`, `invalid/` and the list), if it can be found.
  static let testsDirectory: String? = {
    var candidates: [String] = []
    if let custom = ProcessInfo.processInfo.environment["NSBUILD_TOML_TEST_DIR"], !custom.isEmpty {
      candidates += [custom + "/tests", custom]
    }
    // Tests/SpecParserTests/ThisFile.swift -> package root, three levels up.
    let packageRoot = URL(fileURLWithPath: #filePath)
      .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    candidates.append(packageRoot.appendingPathComponent("../shared/toml-test/tests").standardizedFileURL.path)
    return candidates.first { FileManager.default.fileExists(atPath: $0 + "/" + listName) }
  }()

  static var exists: Bool { testsDirectory != nil }

  /// Case names (`valid/string/escapes`) from the list file, which defines the 1.0 set.
  static func caseNames(in directory: String) throws -> [String] {
    let list = try String(contentsOfFile: directory + "/" + listName, encoding: .utf8)
    return list.split(whereSeparator: \.isNewline)
      .map(String.init)
      .filter { $0.hasSuffix(".toml") }
      .map { String($0.dropLast(".toml".count)) }
      .sorted()
  }

  static func bytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
  }

  /// Runs one case; `nil` when it passes, otherwise why it failed.
  static func failure(of name: String, in directory: String) -> String? {
    let input: [UInt8]
    do {
      input = try bytes(directory + "/" + name + ".toml")
    } catch {
      return "cannot read case: \(error)"
    }
    let result: Result<TOMLTable, TOMLError>
    do throws(TOMLError) {
      result = .success(try TOMLParser.parse(input))
    } catch {
      result = .failure(error)
    }
    if name.hasPrefix("invalid/") {
      if case .success = result { return "accepted invalid TOML" }
      return nil
    }
    switch result {
    case .failure(let error):
      return "rejected valid TOML: \(error.range.start.line):\(error.range.start.column): \(error.message)"
    case .success(let table):
      let expected = directory + "/" + name + ".json"
      return TaggedJSONComparison.mismatch(rendered: TOMLTaggedJSON.render(table), expectedFile: expected)
    }
  }
}

struct TOMLConformanceTests {
  @Test(
    "toml-test TOML 1.0.0: all valid and invalid cases",
    .enabled(
      if: TOMLTestSuite.exists,
      "toml-test suite not found at ../shared/toml-test from the package root; set NSBUILD_TOML_TEST_DIR to run it")
  )
  func suite() throws {
    let directory = try #require(TOMLTestSuite.testsDirectory)
    let names = try TOMLTestSuite.caseNames(in: directory)
    var failures: [String] = []
    for name in names {
      if let reason = TOMLTestSuite.failure(of: name, in: directory) { failures.append("\(name): \(reason)") }
    }
    let passed = names.count - failures.count
    let validCount = names.filter { $0.hasPrefix("valid/") }.count
    print("toml-test: \(passed)/\(names.count) passed (\(validCount) valid, \(names.count - validCount) invalid cases)")
    for failure in failures { Issue.record("toml-test case failed: \(failure)") }
    #expect(names.count == 709, "the TOML 1.0.0 list should hold 709 cases")
  }
}

/// Compares tagged JSON under toml-test's rules: tables by key set, arrays in order, scalars by type, with floats
/// compared numerically (NaN equal to NaN, -0.0 equal to 0.0) and date-times by value (offset date-times as
/// instants).
enum TaggedJSONComparison {
  static func mismatch(rendered: String, expectedFile: String) -> String? {
    let have: Any
    let want: Any
    do {
      have = try JSONSerialization.jsonObject(with: Data(rendered.utf8), options: [.fragmentsAllowed])
    } catch {
      return "output is not JSON (\(error)): \(rendered.prefix(200))"
    }
    do {
      want = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: expectedFile)))
    } catch {
      return "cannot read expected JSON: \(error)"
    }
    return compare(want, have, path: "(root)")
  }

  static func compare(_ want: Any, _ have: Any, path: String) -> String? {
    if let wantArray = want as? [Any] {
      guard let haveArray = have as? [Any] else { return "\(path): expected an array, got \(have)" }
      guard wantArray.count == haveArray.count else {
        return "\(path): array has \(haveArray.count) elements, expected \(wantArray.count)"
      }
      for (index, pair) in zip(wantArray, haveArray).enumerated() {
        if let problem = compare(pair.0, pair.1, path: "\(path)[\(index)]") { return problem }
      }
      return nil
    }
    guard let wantTable = want as? [String: Any] else { return "\(path): bad expected value \(want)" }
    guard let haveTable = have as? [String: Any] else { return "\(path): expected an object, got \(have)" }
    if let wantScalar = scalar(wantTable) {
      guard let haveScalar = scalar(haveTable) else { return "\(path): expected \(wantScalar), got \(haveTable)" }
      return compareScalar(wantScalar, haveScalar, path: path)
    }
    if scalar(haveTable) != nil { return "\(path): expected a table, got \(haveTable)" }
    guard Set(wantTable.keys) == Set(haveTable.keys) else {
      return "\(path): keys \(haveTable.keys.sorted()), expected \(wantTable.keys.sorted())"
    }
    for (key, wantValue) in wantTable {
      if let problem = compare(wantValue, haveTable[key] as Any, path: "\(path).\(key)") { return problem }
    }
    return nil
  }

  /// A tagged scalar is an object with exactly the string members `type` and `value`.
  private static func scalar(_ object: [String: Any]) -> (type: String, value: String)? {
    guard object.count == 2, let type = object["type"] as? String, let value = object["value"] as? String else {
      return nil
    }
    return (type, value)
  }

  private static func compareScalar(
    _ want: (type: String, value: String), _ have: (type: String, value: String), path: String
  ) -> String? {
    guard want.type == have.type else { return "\(path): type \(have.type), expected \(want.type)" }
    let equal: Bool
    switch want.type {
    case "float":
      equal = floatsEqual(want.value, have.value)
    case "bool":
      equal = want.value.lowercased() == have.value.lowercased()
    case "datetime", "datetime-local", "date-local", "time-local":
      let wantKey = dateTimeKey(want.type, want.value)
      equal = wantKey != nil && wantKey == dateTimeKey(want.type, have.value)
    default:
      equal = want.value == have.value
    }
    return equal ? nil : "\(path): \(want.type) \(have.value.debugDescription), expected \(want.value.debugDescription)"
  }

  private static func floatsEqual(_ want: String, _ have: String) -> Bool {
    let (wantText, haveText) = (want.lowercased(), have.lowercased())
    if wantText.hasSuffix("nan") || haveText.hasSuffix("nan") {
      return wantText.hasSuffix("nan") && haveText.hasSuffix("nan")
    }
    guard let wantValue = parseFloat(wantText), let haveValue = parseFloat(haveText) else { return false }
    return wantValue == haveValue  // -0.0 == 0.0, as the suite's rules say
  }

  private static func parseFloat(_ text: String) -> Double? {
    let unsigned = text.hasPrefix("+") ? String(text.dropFirst()) : text
    switch unsigned {
    case "inf": return .infinity
    case "-inf": return -.infinity
    default: return Double(unsigned)
    }
  }

  /// A comparable key for a date/time text of the given kind: `[day]` for a date, else `[second, nanosecond]`
  /// counted from 1970-01-01 (or midnight, for a time), with offset date-times moved to UTC. `nil` when the text
  /// is not of that kind.
  static func dateTimeKey(_ kind: String, _ raw: String) -> [Int]? {
    var normalized = Array(raw.utf8)
    if normalized.count > 10 && [0x20, 0x74].contains(normalized[10]) && kind != "time-local" { normalized[10] = 0x54 }
    if let last = normalized.last, last == 0x7A { normalized[normalized.count - 1] = 0x5A }
    var reader = FieldReader(text: normalized)
    var day = 0
    if kind != "time-local" {
      guard let year = reader.number(4), reader.skip("-"), let month = reader.number(2), reader.skip("-"),
        let dayOfMonth = reader.number(2)
      else { return nil }
      day = daysFromCivil(year, month, dayOfMonth)
      if kind == "date-local" { return reader.atEnd ? [day] : nil }
      guard reader.skip("T") else { return nil }
    }
    guard let hour = reader.number(2), reader.skip(":"), let minute = reader.number(2), reader.skip(":"),
      let second = reader.number(2)
    else { return nil }
    var nanos = 0
    if reader.skip(".") {
      var digits = 0
      while let digit = reader.number(1) {
        if digits < 9 { nanos = nanos * 10 + digit }
        digits += 1
      }
      guard digits > 0 else { return nil }
      for _ in min(digits, 9)..<9 { nanos *= 10 }
    }
    var seconds = hour * 3600 + minute * 60 + second
    if kind == "datetime" {
      if !reader.skip("Z") {
        let sign = reader.skip("-") ? -1 : (reader.skip("+") ? 1 : 0)
        guard sign != 0, let offsetHours = reader.number(2), reader.skip(":"), let offsetMinutes = reader.number(2)
        else { return nil }
        seconds -= sign * (offsetHours * 3600 + offsetMinutes * 60)
      }
    }
    guard reader.atEnd else { return nil }
    return [day * 86400 + seconds, nanos]
  }

  /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's days_from_civil).
  private static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146097 + dayOfEra - 719468
  }

  private struct FieldReader {
    let text: [UInt8]
    var index = 0
    var atEnd: Bool { index == text.count }

    mutating func number(_ digits: Int) -> Int? {
      guard index + digits <= text.count else { return nil }
      var value = 0
      for byte in text[index..<(index + digits)] {
        guard byte >= 0x30 && byte <= 0x39 else { return nil }
        value = value * 10 + Int(byte - 0x30)
      }
      index += digits
      return value
    }

    mutating func skip(_ character: Unicode.Scalar) -> Bool {
      guard index < text.count, text[index] == UInt8(character.value) else { return false }
      index += 1
      return true
    }
  }
}
