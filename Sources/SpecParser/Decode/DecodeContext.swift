/// State shared while decoding one spec file: where diagnostics go, the source text (some rules read a literal's
/// spelling, such as a mode written `0o1777`), and the origins recorded so far.
final class DecodeContext {
  let sink: DiagnosticSink
  let source: [UInt8]
  /// The absolute folder relative paths resolve against, and `${SPEC_DIR}`.
  let directory: String
  /// The values of the other `${NAME}`s.
  let variables: SpecVariables
  /// The values in which a `${NAME}` was replaced, in the order read.
  var substitutions: [SpecSubstitution] = []
  var originTable = SpecOrigins()
  /// The origins recorded, as a dictionary (for tests).
  var origins: [SpecKeyPath: SourceRange] { originTable.dictionary }
  /// While one entry of an array of tables is decoded (``TableReader/decodedEntries(_:_:)``), the key paths its
  /// origins went in under, to take out again if the entry is dropped; nil otherwise.
  var originLog: [OriginKey]?
  /// The ID maps (`uid_map`, `gid_map`) with an entry rejected, and what those entries meant to map.
  var rejectedMapEntries: [String: RejectedMapEntries] = [:]
  /// The paths inside the sandbox written relative, in the order read, dropped entries' included.
  var relativeInsidePaths: [RelativeInsidePath] = []

  init(sink: DiagnosticSink, source: [UInt8], directory: String, variables: SpecVariables = SpecVariables()) {
    self.sink = sink
    self.source = source
    self.directory = directory
    self.variables = variables
  }

  /// Records where the value at `path` is written.
  func record(_ path: SpecKeyPath, _ range: SourceRange) {
    originTable[path] = range
    originLog?.append(.path(path))
  }

  /// Records where the value at `element` (a path inside an array element) is written.
  func record(_ element: ElementPath, _ range: SourceRange) {
    if element.index < 100_000_000 {
      originTable.setElementOrigin(range, element.array, element.index, element.rest)
    } else {
      originTable.setOrigin(range, element.array, element.index, element.rest)
    }
    originLog?.append(.element(element))
  }

  /// Takes out an origin recorded under `key`.
  func forget(_ key: OriginKey) {
    switch key {
    case .path(let path): originTable[path] = nil
    case .element(let element): originTable.setOrigin(nil, element.array, element.index, element.rest)
    }
  }

  /// The literal text of a value as written in the file.
  func text(of range: SourceRange) -> String {
    let lower = max(0, min(range.start.offset, source.count))
    let upper = max(lower, min(range.end.offset, source.count))
    return String(decoding: source[lower..<upper], as: UTF8.self)
  }
}

/// A path inside element `index` of the array of tables at `array` (`mounts`, 3, `.target`: `mounts[3].target`), in
/// the parts ``SpecOrigins`` keeps it by, so that reading a value makes no path string; the string is made only for
/// messages (``keyPath``).
struct ElementPath {
  /// The array's path: one with no index in it (nested arrays go in `rest`). It and `rest` are made of the decoder's
  /// own keys, all ASCII, as ``SpecOrigins/setElementOrigin(_:_:_:_:)`` needs.
  let array: String
  let index: Int
  /// What follows `array[index]`: "" for the element itself, `.target`, `.options[0]`.
  let rest: String

  func appending(_ key: String) -> ElementPath { ElementPath(array: array, index: index, rest: rest + "." + key) }

  func index(_ element: Int) -> ElementPath {
    ElementPath(array: array, index: index, rest: rest + "[" + String(element) + "]")
  }

  var keyPath: SpecKeyPath { SpecKeyPath(array + "[" + String(index) + "]" + rest) }
}

/// A path an origin was recorded under, spelt out or in parts.
enum OriginKey {
  case path(SpecKeyPath)
  case element(ElementPath)
}

/// The TOML type names used in messages.
extension TOMLValue {
  var typeName: String {
    switch self {
    case .string: "a string"
    case .integer: "an integer"
    case .float: "a float"
    case .bool: "a boolean"
    case .dateTime: "a date-time"
    case .array: "an array"
    case .table: "a table"
    }
  }
}
