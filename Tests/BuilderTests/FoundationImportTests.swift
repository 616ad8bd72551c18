import Foundation
import Testing

/// The binary links FoundationEssentials only: one `import Foundation` in any target brings back the whole of it
/// (ICU, and conformance records every start-up scans), 50 MB of binary and over a millisecond on every `run`
/// (bench/run.sh).
@Suite struct FoundationImportTests {
  @Test func noSourceImportsTheWholeFoundation() throws {
    let sources = packageRoot + "/Sources"
    let files = try #require(FileManager.default.enumerator(atPath: sources)).compactMap { $0 as? String }
      .filter { $0.hasSuffix(".swift") }
    #expect(files.count > 50)
    let importing = try files.filter { file in
      try String(contentsOfFile: sources + "/" + file, encoding: .utf8).split(separator: "\n")
        .contains { $0.trimmingCharacters(in: .whitespaces) == "import Foundation" }
    }
    #expect(importing.isEmpty, "import FoundationEssentials instead: \(importing)")
  }
}
