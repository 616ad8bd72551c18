import ArgumentParser
import Interchange

/// `nsbuild import FILE`: an OCI `config.json` or a Kubernetes Pod (or a workload's pod template) as a TOML spec on
/// stdout. Each format's work is in its own file (ImportOCI.swift, ImportKubernetes.swift).
struct ImportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract: "Write an OCI config.json or a Kubernetes Pod as a spec (TOML) on stdout.",
    discussion: """
      Fields with no nsbuild equivalent become comments at their place in the spec, and lines of the report.

      Examples:
        nsbuild import bundle/config.json > sandbox.toml
        nsbuild import pod.yaml > sandbox.toml && nsbuild check sandbox.toml
      """
  )

  @Option(help: "The input's format: oci or kubernetes (default: oci for a .json file, kubernetes otherwise).")
  var format: ExportCommand.Format?

  @Option(help: "The report's format, on stderr: text or json.")
  var reportFormat: OutputFormat = .text

  @Argument(help: "The file to read: config.json, or a YAML manifest.")
  var file: String

  func run() throws {
    switch format ?? (file.hasSuffix(".json") ? .oci : .kubernetes) {
    case .oci: try importOCI(self)
    case .kubernetes: try importKubernetes(self)
    }
  }
}
