import SpecParser
import YAML

/// What an export to Kubernetes needs besides the spec.
public struct KubernetesExportOptions: Sendable, Hashable {
  /// `metadata.name` and the container's name; made a DNS-1123 label by ``KubernetesNames/label(_:)``.
  public var name: String
  /// `containers[0].image`; nil leaves it out (the report says so).
  public var image: String?
  /// The release whose fields may be used (``KubernetesFeature``).
  public var version: KubernetesVersion

  public init(name: String, image: String? = nil, version: KubernetesVersion = .standard) {
    self.name = name
    self.image = image
    self.version = version
  }
}

/// A spec as a Kubernetes Pod manifest, with a report of what each spec field became: exported (same effect),
/// approximated (close; the note says how), dropped (no Pod field; the note says why) or resolved (this machine's
/// value written in: a relative path).
///
/// Pure: reads nothing but its arguments.
public enum KubernetesExport {
  /// The Pod of `spec` and the report, one entry per field the spec writes (and for the defaults that differ from
  /// a Pod's: ID 0, no capabilities, no_new_privs), ordered by line. `source` is the spec file's bytes: a path written
  /// relative there is reported `resolved`. Never fails: what has no Pod field is `dropped` in the report.
  public static func pod(for spec: Spec, source: [UInt8], options: KubernetesExportOptions) -> (
    pod: KubernetesPod, report: InterchangeReport
  ) {
    var exporter = KubernetesExporter(spec: spec, source: source, options: options)
    exporter.export()
    let entries = exporter.entries.enumerated().sorted {
      ($0.element.line ?? Int.max, $0.offset) < ($1.element.line ?? Int.max, $1.offset)
    }.map(\.element)
    return (exporter.pod, InterchangeReport(format: "kubernetes", direction: .export, entries: entries))
  }

  /// The manifest's YAML text.
  ///
  /// - Throws: ``YAMLError`` only if libyaml cannot allocate its emitter.
  public static func yaml(_ pod: KubernetesPod) throws(YAMLError) -> String {
    try YAMLEmitter.emit([pod.yaml])
  }
}

/// The state of one export: the Pod as built so far and the report's entries.
struct KubernetesExporter {
  let spec: Spec
  let source: [UInt8]
  let options: KubernetesExportOptions
  var pod: KubernetesPod
  var entries: [InterchangeReportEntry] = []
  /// Spec keys an entry speaks for, beyond the entries' own fields: the catch-all leaves them alone.
  var covered: Set<String> = []

  init(spec: Spec, source: [UInt8], options: KubernetesExportOptions) {
    self.spec = spec
    self.source = source
    self.options = options
    let name = KubernetesNames.label(options.name)
    var container = KubernetesPod.Container(name: name)
    container.image = options.image
    pod = KubernetesPod(name: name, container: container)
  }

  mutating func export() {
    exportNamespaces()
    exportUTS()
    exportUser()
    exportOthers()
    exportRoot()
    exportMounts()
    exportProcess()
    dropUnreported()
  }

  /// Adds a report entry for `key`, at its place in the spec file when the spec writes it.
  mutating func report(
    _ key: SpecKeyPath, _ outcome: InterchangeReportEntry.Outcome, _ destination: String? = nil, note: String? = nil
  ) {
    let place = spec.origins[key]?.start
    covered.insert(key.description)
    entries.append(
      InterchangeReportEntry(
        field: key.description, line: place?.line, column: place?.column, outcome: outcome, destination: destination,
        note: note))
  }

  /// Whether the spec file writes `key`.
  func writes(_ key: SpecKeyPath) -> Bool { spec.origins[key] != nil }

  /// Whether the value at `key` is a path written relative in the file (the decoder resolved it against the
  /// spec's folder, so the manifest holds this machine's path).
  func writtenRelative(_ key: SpecKeyPath) -> Bool {
    guard let offset = spec.origins[key]?.start.offset, offset < source.count else { return false }
    let quote = source[offset] == UInt8(ascii: "\"") || source[offset] == UInt8(ascii: "'")
    let first = quote ? offset + 1 : offset
    return first < source.count && source[first] != UInt8(ascii: "/")
  }

  /// What a field behind a feature gate becomes in the target release; nil when the release lacks the field.
  func gated(_ feature: KubernetesFeature, exported: String) -> (InterchangeReportEntry.Outcome, String?)? {
    switch feature.stage(in: options.version) {
    case .absent: return nil
    case .offByDefault(let stage):
      return (.approximated, "\(exported); \(stage): only where the \(feature.rawValue) feature gate is on")
    case .onByDefault: return (.exported, nil)
    }
  }

  /// Every key the spec writes that no entry speaks for, dropped: a field added to specs later shows up here
  /// rather than vanishing from the report.
  mutating func dropUnreported() {
    let keys = spec.origins.keys.map(\.description)
    let parents = Set(
      keys.flatMap { key in
        key.indices.filter { key[$0] == "." || key[$0] == "[" }.map { String(key[..<$0]) }
      })
    let speakers = covered
    for key in keys.sorted() where !parents.contains(key) && key != "version" {
      // A speaker covers its array's elements; of tables, only the environment is spoken for as a whole.
      let spoken = speakers.contains {
        key == $0 || key.hasPrefix($0 + "[") || ($0 == "process.env" && key.hasPrefix($0 + "."))
      }
      if !spoken { report(SpecKeyPath(key), .dropped, note: "no Pod field for it") }
    }
  }
}

/// Names as the Kubernetes API takes them.
public enum KubernetesNames {
  /// A DNS-1123 label (RFC 1123: lower-case letters, digits and `-`, starting and ending with a letter or digit,
  /// at most 63 bytes) made from `text`: letters lowered, other characters `-`; `sandbox` when nothing is left.
  public static func label(_ text: String) -> String {
    var label = String(
      text.lowercased().map { ($0.isASCII && ($0.isLetter || $0.isNumber)) ? $0 : "-" }.prefix(63))
    while label.hasPrefix("-") { label.removeFirst() }
    while label.hasSuffix("-") { label.removeLast() }
    return label.isEmpty ? "sandbox" : label
  }

  /// Whether `text` is a DNS-1123 label already, as `spec.hostname` must be.
  public static func isLabel(_ text: String) -> Bool { !text.isEmpty && label(text) == text }
}
