import SpecParser
import YAML

/// The state of one import: the spec built so far, the comments for it and the report's entries, with the typed
/// readers of YAML values that refuse a wrong type at its place.
struct KubernetesImporter {
  var spec = Spec()
  var notes: [SpecWriter.Note] = []
  var entries: [InterchangeReportEntry] = []

  /// A field with no nsbuild equivalent: a comment in `section` and a dropped entry.
  mutating func drop(_ path: String, _ node: YAMLNode, section: String, _ why: String) {
    notes.append(SpecWriter.Note(section: section, "\(path) (line \(node.mark.line)): \(why)"))
    entries.append(
      InterchangeReportEntry(
        field: path, line: node.mark.line, column: node.mark.column, outcome: .dropped, note: why))
  }

  /// A field written into the spec at `destination`; approximated ones also get a comment saying how.
  mutating func report(
    _ path: String, _ node: YAMLNode, _ destination: String, section: String, approximated note: String? = nil
  ) {
    if let note { notes.append(SpecWriter.Note(section: section, "\(path) (line \(node.mark.line)): \(note)")) }
    entries.append(
      InterchangeReportEntry(
        field: path, line: node.mark.line, column: node.mark.column, outcome: note == nil ? .exported : .approximated,
        destination: destination, note: note))
  }

  // MARK: Typed values

  func mapping(_ node: YAMLNode, _ path: String) throws(KubernetesImportError) -> [YAMLPair] {
    guard let pairs = node.pairs else {
      if YAMLScalars.isNull(node) { return [] }
      throw KubernetesImportError("\(path) must be a mapping, not \(node.kindName)", at: node.mark)
    }
    return pairs
  }

  func sequence(_ node: YAMLNode, _ path: String) throws(KubernetesImportError) -> [YAMLNode] {
    guard let items = node.items else {
      if YAMLScalars.isNull(node) { return [] }
      throw KubernetesImportError("\(path) must be a sequence, not \(node.kindName)", at: node.mark)
    }
    return items
  }

  func string(_ node: YAMLNode, _ path: String) throws(KubernetesImportError) -> String {
    guard let text = node.scalar else {
      throw KubernetesImportError("\(path) must be a string, not \(node.kindName)", at: node.mark)
    }
    return text
  }

  func strings(_ node: YAMLNode, _ path: String) throws(KubernetesImportError) -> [String] {
    var result: [String] = []
    for (index, item) in try sequence(node, path).enumerated() { result.append(try string(item, "\(path)[\(index)]")) }
    return result
  }

  func boolean(_ node: YAMLNode, _ path: String) throws(KubernetesImportError) -> Bool {
    guard let value = YAMLScalars.boolean(node) else {
      throw KubernetesImportError("\(path) must be true or false, not '\(node.scalar ?? node.kindName)'", at: node.mark)
    }
    return value
  }

  /// An ID: a plain integer from 0 to 2^32 - 2 ((uid_t)-1 is no ID).
  func id(_ node: YAMLNode, _ path: String) throws(KubernetesImportError) -> UInt32 {
    guard let value = YAMLScalars.integer(node), value >= 0, value < Int64(UInt32.max) else {
      throw KubernetesImportError(
        "\(path) must be an ID from 0 to 4294967294, not '\(node.scalar ?? node.kindName)'", at: node.mark)
    }
    return UInt32(value)
  }

  /// An absolute path, as nsbuild's spec takes it.
  func absolutePath(_ node: YAMLNode, _ path: String) throws(KubernetesImportError) -> String {
    let text = try string(node, path)
    guard text.hasPrefix("/") else {
      throw KubernetesImportError("\(path) must be an absolute path, not '\(text)'", at: node.mark)
    }
    return text
  }
}
