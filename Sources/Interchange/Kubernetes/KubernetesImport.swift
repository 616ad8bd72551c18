import SpecParser
import YAML

/// A Kubernetes Pod, or the pod template of a workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
/// ReplicationController, CronJob), as a spec: its first container's command, environment, security context and
/// volumes, the Pod's namespaces and hostname. Every input field with no nsbuild equivalent (images, probes,
/// resources, ports, other containers...) becomes a comment at its place in the spec (``SpecWriter/Note``) and a
/// `dropped` line of the report, with its line in the input.
public enum KubernetesImport {
  public struct Result: Sendable {
    /// The spec, for ``SpecWriter/toml(_:notes:)``; its `origins` are empty.
    public var spec: Spec
    /// The comments: each input field with no equivalent, with its line, in the section it belongs to.
    public var notes: [SpecWriter.Note]
    /// One entry per input field looked at, with its line and column, in the input's order.
    public var report: InterchangeReport
  }

  /// The kinds whose pod template is at `spec.template.spec`.
  static let templateKinds: Set<String> = [
    "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController",
  ]

  /// Reads `bytes` (YAML, one or more documents) and converts the first Pod or workload in it.
  ///
  /// - Throws: ``KubernetesImportError`` at the line and column of malformed YAML (libyaml's mark), of a field of
  ///   the wrong type, or at 1:1 when no document is a Pod or a workload.
  public static func spec(from bytes: [UInt8]) throws(KubernetesImportError) -> Result {
    let documents: [YAMLNode]
    do {
      documents = try YAMLParser.parse(bytes)
    } catch {
      let mark = error.mark ?? YAMLMark(line: 1, column: 1)
      throw KubernetesImportError(error.description.dropMarkPrefix(mark), at: mark)
    }
    var importer = KubernetesImporter()
    var found = false
    for (index, document) in documents.enumerated() {
      let kind = document.value(for: "kind")?.scalar
      if !found, let (podSpec, path) = try podSpec(of: document, kind: kind) {
        found = true
        try importer.importWorkload(document, kind: kind ?? "Pod", podSpec: podSpec, path: path)
      } else {
        importer.drop(
          "document \(index + 1)", document, section: "",
          kind.map { "a \($0): only one Pod or workload is imported" } ?? "not a Kubernetes object")
      }
    }
    guard found else {
      throw KubernetesImportError(
        "no Pod or workload with a pod template (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob)",
        at: YAMLMark(line: 1, column: 1))
    }
    // In the input's order, whatever order the fields were looked at in.
    let entries = importer.entries.enumerated().sorted {
      ($0.element.line ?? Int.max, $0.element.column ?? 0, $0.offset)
        < ($1.element.line ?? Int.max, $1.element.column ?? 0, $1.offset)
    }.map(\.element)
    return Result(
      spec: importer.spec, notes: importer.notes,
      report: InterchangeReport(format: "kubernetes", direction: .import, entries: entries))
  }

  /// The pod spec of a document and its path, nil when the document is not a Pod or workload.
  static func podSpec(of document: YAMLNode, kind: String?) throws(KubernetesImportError) -> (YAMLNode, String)? {
    guard let kind else { return nil }
    let path: [String]
    if kind == "Pod" {
      path = ["spec"]
    } else if templateKinds.contains(kind) {
      path = ["spec", "template", "spec"]
    } else if kind == "CronJob" {
      path = ["spec", "jobTemplate", "spec", "template", "spec"]
    } else {
      return nil
    }
    var node = document
    for (depth, key) in path.enumerated() {
      guard node.pairs != nil else {
        throw KubernetesImportError(
          "\(path.prefix(depth).joined(separator: ".")) must be a mapping, not \(node.kindName)", at: node.mark)
      }
      guard let next = node.value(for: key) else {
        throw KubernetesImportError("a \(kind) needs \(path.prefix(depth + 1).joined(separator: "."))", at: node.mark)
      }
      node = next
    }
    return (node, path.joined(separator: "."))
  }
}

/// Why an input could not be imported, at its place (1-based line and column).
public struct KubernetesImportError: Error, Sendable, Hashable {
  public var message: String
  public var line: Int
  public var column: Int

  public init(_ message: String, at mark: YAMLMark) {
    self.message = message
    line = mark.line
    column = mark.column
  }
}

extension String {
  /// A YAML error's text without its leading `LINE:COLUMN: `, which the import error carries on its own.
  fileprivate func dropMarkPrefix(_ mark: YAMLMark) -> String {
    hasPrefix("\(mark): ") ? String(dropFirst("\(mark): ".count)) : self
  }
}
