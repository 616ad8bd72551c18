import ArgumentParser
import Interchange

/// `nsbuild export SPEC --format oci|kubernetes`: the spec in another engine's format, with a report of what did not
/// make it across. Each format's work is in its own file (ExportOCI.swift, ExportKubernetes.swift).
struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write a spec as an OCI runtime bundle or a Kubernetes Pod, and report what each field became.",
    discussion: """
      Exit status: 0 when every field was exported, 2 when some field was dropped (unless --allow-lossy), 1 on \
      an error.

      Examples:
        nsbuild export specs/dev.toml --format oci --out /tmp/dev-bundle && runc run -b /tmp/dev-bundle dev
        nsbuild export specs/dev.toml --format kubernetes --image debian:12 > pod.yaml
      """
  )

  /// The formats a spec exports to and imports from.
  enum Format: String, ExpressibleByArgument, CaseIterable {
    case oci, kubernetes
  }

  @Option(help: "The format to write: oci (a runtime-spec bundle) or kubernetes (a Pod manifest in YAML).")
  var format: Format

  @Option(help: "Where to write: the bundle folder for oci (required); a file for kubernetes (default stdout).")
  var out: String?

  @Option(help: "kubernetes: the container image of the Pod.")
  var image: String?

  @Option(help: "kubernetes: the Kubernetes version (X.Y) whose fields may be used.")
  var kubeVersion: String?

  @Flag(help: "Exit 0 even when some field was dropped.")
  var allowLossy = false

  @Option(help: "The report's format, on stderr: text or json.")
  var reportFormat: OutputFormat = .text

  @Argument(help: "The spec file (TOML).")
  var spec: String

  func run() throws {
    switch format {
    case .oci: try exportOCI(self)
    case .kubernetes: try exportKubernetes(self)
    }
  }
}
