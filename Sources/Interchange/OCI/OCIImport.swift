import FoundationEssentials
import SpecParser

/// An OCI `config.json` as a spec: what maps is written as spec fields, what has no nsbuild equivalent (hooks,
/// seccomp, cgroup resources, devices, ...) becomes a comment at its place and a `dropped` report entry, each with
/// its line and column in the input. A config nsbuild exported comes back as the spec it was made from, through
/// the annotations the export wrote (``OCIAnnotation``).
public enum OCIImport {
  /// What an import gives: the spec, the comments to write with it (``SpecWriter``), and the report.
  public struct Result: Sendable {
    public var spec: Spec
    public var notes: [SpecWriter.Note]
    public var report: InterchangeReport
  }

  /// A config that cannot be read: the 1-based line and column, and what is wrong there.
  public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String

    public init(line: Int, column: Int, message: String) {
      self.line = line
      self.column = column
      self.message = message
    }

    public var description: String { "\(line):\(column): \(message)" }
  }

  /// Imports `bytes`, the text of a config.json in the folder `folder` (a relative `root.path` resolves there).
  ///
  /// - Throws: ``Failure`` for malformed JSON, or a value of the wrong type, at its place.
  public static func spec(from bytes: [UInt8], folder: String) throws(Failure) -> Result {
    let tree: JSONNode
    do {
      tree = try JSONSyntax.parse(bytes)
    } catch {
      let place = JSONSyntax.position(of: error.offset, in: bytes)
      throw Failure(line: place.line, column: place.column, message: error.message)
    }
    guard case .object = tree.kind else {
      throw Failure(line: 1, column: 1, message: "a config.json is a JSON object")
    }
    if let problem = OCINumberCheck.firstProblem(in: tree) {
      let place = JSONSyntax.position(of: problem.offset, in: bytes)
      throw Failure(line: place.line, column: place.column, message: "expected \(problem.range) at `\(problem.path)`")
    }
    let config: OCIConfig
    do {
      config = try JSONDecoder().decode(OCIConfig.self, from: Data(bytes))
    } catch {
      throw decodingFailure(error, tree: tree, bytes: bytes)
    }
    var importer = OCIImporter(config: config, tree: tree, bytes: bytes, folder: folder)
    importer.run()
    return Result(
      spec: importer.spec, notes: importer.notes,
      report: InterchangeReport(format: "oci", direction: .import, entries: importer.entries))
  }

  /// A decoding error at the place of the value it names.
  static func decodingFailure(_ error: any Error, tree: JSONNode, bytes: [UInt8]) -> Failure {
    let path: [any CodingKey]
    let message: String
    switch error as? DecodingError {
    case .typeMismatch(let type, let context)?:
      path = context.codingPath
      message = "expected \(typeName(type)) at `\(dotted(path))`"
    case .valueNotFound(let type, let context)?:
      path = context.codingPath
      message = "expected \(typeName(type)) at `\(dotted(path))`, found null"
    case .keyNotFound(let key, let context)?:
      path = context.codingPath
      message = "missing `\(key.stringValue)` in `\(dotted(path))`"
    case .dataCorrupted(let context)?:
      path = context.codingPath
      message = "invalid value at `\(dotted(path))`"
    default:
      path = []
      message = "cannot read the config: \(error)"
    }
    let offset = locate(path, in: tree)
    let place = JSONSyntax.position(of: offset, in: bytes)
    return Failure(line: place.line, column: place.column, message: message)
  }

  /// The offset of the deepest node on `path` that the tree holds.
  static func locate(_ path: [any CodingKey], in tree: JSONNode) -> Int {
    var node = tree
    for key in path {
      let next = key.intValue.flatMap { node[$0] } ?? node[key.stringValue]
      guard let next else { break }
      node = next
    }
    return node.offset
  }

  static func dotted(_ path: [any CodingKey]) -> String {
    var text = ""
    for key in path {
      if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
    }
    return text.isEmpty ? "(the document)" : text
  }

  private static func typeName(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: "a string"
    case is Bool.Type: "true or false"
    case is UInt32.Type, is UInt64.Type: "a whole number from 0"
    case is Int64.Type: "a whole number"
    default: String(describing: type).hasPrefix("Array") ? "an array" : "an object"
    }
  }
}
