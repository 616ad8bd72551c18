import Foundation
import Interchange
import Testing

@Suite struct InterchangeReportTests {
  @Test func textNamesThePlaceTheOutcomeAndTheCounts() {
    let report = InterchangeReport(
      format: "oci", direction: .export,
      entries: [
        .init(field: "uts.hostname", line: 3, column: 1, outcome: .exported, destination: "hostname"),
        .init(field: "files[0]", line: 9, outcome: .dropped, note: "no field for file contents"),
      ])
    let text = InterchangeReportText.render(report, file: "s.toml")
    #expect(text.contains("s.toml:3:1: exported uts.hostname -> hostname\n"))
    #expect(text.contains("s.toml:9: dropped files[0] (no field for file contents)\n"))
    #expect(text.hasSuffix("export to oci: 1 exported, 0 approximated, 1 dropped, 0 resolved\n"))
    #expect(report.droppedAny)
  }

  /// A field an import carried across reads `imported` in the text; the JSON outcome stays `exported` (format 1).
  @Test func anImportSaysImported() throws {
    let report = InterchangeReport(
      format: "kubernetes", direction: .import,
      entries: [.init(field: "spec.hostname", line: 6, column: 13, outcome: .exported, destination: "uts.hostname")])
    let text = InterchangeReportText.render(report, file: "pod.yaml")
    #expect(text.contains("pod.yaml:6:13: imported spec.hostname -> uts.hostname\n"))
    #expect(text.hasSuffix("import from kubernetes: 1 imported, 0 approximated, 0 dropped, 0 resolved\n"))
    let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
    #expect(json.contains(#""outcome":"exported""#))
  }
}
