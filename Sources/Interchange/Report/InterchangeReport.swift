/// What an export or an import did with each field: the report `nsbuild export` and `nsbuild import` print, one
/// entry per field, so a reviewer (or CI, through the exit status) sees exactly what a format cannot express.
///
/// Shape (JSON through Foundation's coders, snake_case keys): `{"format_version": 1, "format": "oci",
/// "direction": "export", "entries": [{"field", "line", "column", "outcome", "destination", "note"}]}`.
public struct InterchangeReport: Sendable, Equatable, Codable {
  /// Bumped when a field changes meaning or goes away; new fields may appear without a bump.
  public static let currentFormatVersion = 1

  /// Which way the conversion went.
  public enum Direction: String, Sendable, Codable, CaseIterable {
    /// From a spec to another format (`nsbuild export`).
    case export
    /// From another format to a spec (`nsbuild import`).
    case `import`
  }

  public var formatVersion: Int
  /// The other format: `oci` or `kubernetes`.
  public var format: String
  public var direction: Direction
  public var entries: [InterchangeReportEntry]

  public init(format: String, direction: Direction, entries: [InterchangeReportEntry] = []) {
    self.formatVersion = Self.currentFormatVersion
    self.format = format
    self.direction = direction
    self.entries = entries
  }

  /// True when some field did not make it across: `export` exits 2 then, unless `--allow-lossy`.
  public var droppedAny: Bool { entries.contains { $0.outcome == .dropped } }

  enum CodingKeys: String, CodingKey {
    case formatVersion = "format_version"
    case format, direction, entries
  }
}

/// One field of a report.
public struct InterchangeReportEntry: Sendable, Equatable, Codable {
  /// What became of the field.
  public enum Outcome: String, Sendable, Codable, CaseIterable {
    /// Written as one field of the other format, with the same effect.
    case exported
    /// Written with a different but close effect; `note` says how.
    case approximated
    /// Not written: the other format has no field for it; `note` says why.
    case dropped
    /// Resolved on this machine at conversion time (`outside = "caller"`, an inherited environment, a relative
    /// path): the output holds this machine's value; `note` says which.
    case resolved
  }

  /// The field it comes from: a spec key path on export (`uts.hostname`, `mounts[2].options`), a path in the input
  /// document on import (`spec.containers[0].livenessProbe`).
  public var field: String
  /// 1-based line and column of that field in its source file, when known.
  public var line: Int?
  public var column: Int?
  public var outcome: Outcome
  /// Where it went in the other format (`config.json` `hostname`, `spec.hostname`), for exported, approximated and
  /// resolved fields.
  public var destination: String?
  /// How it was approximated, why it was dropped, or what it resolved to.
  public var note: String?

  public init(
    field: String, line: Int? = nil, column: Int? = nil, outcome: Outcome, destination: String? = nil,
    note: String? = nil
  ) {
    self.field = field
    self.line = line
    self.column = column
    self.outcome = outcome
    self.destination = destination
    self.note = note
  }
}
