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
}
