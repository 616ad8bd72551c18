/// The text form of a report: one line per field, `FILE:LINE:COL: OUTCOME FIELD -> DESTINATION (NOTE)`, so an editor
/// jumps to the field, then a summary line.
public enum InterchangeReportText {
  /// Renders `report` for the terminal; `file` is the source the fields' lines refer to.
  public static func render(_ report: InterchangeReport, file: String) -> String {
    var lines = report.entries.map { line(for: $0, file: file, direction: report.direction) }
    lines.append(summary(report))
    return lines.joined(separator: "\n") + "\n"
  }

  static func line(
    for entry: InterchangeReportEntry, file: String, direction: InterchangeReport.Direction = .export
  ) -> String {
    var place = file
    if let line = entry.line {
      place += ":\(line)"
      if let column = entry.column { place += ":\(column)" }
    }
    var text = "\(place): \(word(entry.outcome, direction)) \(entry.field)"
    if let destination = entry.destination { text += " -> \(destination)" }
    if let note = entry.note { text += " (\(note))" }
    return text
  }

  static func summary(_ report: InterchangeReport) -> String {
    let counts = InterchangeReportEntry.Outcome.allCases.map { outcome in
      "\(report.entries.filter { $0.outcome == outcome }.count) \(word(outcome, report.direction))"
    }
    let preposition = report.direction == .export ? "to" : "from"
    return "\(report.direction.rawValue) \(preposition) \(report.format): " + counts.joined(separator: ", ")
  }

  /// The outcome as the text says it: a field carried across by `import` was imported. JSON keeps `exported` for
  /// both directions (the outcome's name in format 1).
  static func word(_ outcome: InterchangeReportEntry.Outcome, _ direction: InterchangeReport.Direction) -> String {
    switch (outcome, direction) {
    case (.exported, .import): "imported"
    case (.exported, .export), (.approximated, _), (.dropped, _), (.resolved, _): outcome.rawValue
    }
  }
}
