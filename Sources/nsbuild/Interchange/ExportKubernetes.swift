import ArgumentParser
import Builder
import Interchange
import SpecParser

/// `nsbuild export --format kubernetes`: the spec as a Pod manifest (YAML) on stdout or in the new file `--out`, and
/// the report on stderr. Exits 2 when a field was dropped (unless `--allow-lossy`), 1 on an error.
func exportKubernetes(_ command: ExportCommand) throws {
  var version = KubernetesVersion.standard
  if let text = command.kubeVersion {
    guard let given = KubernetesVersion(text) else {
      throw ValidationError("--kube-version takes a Kubernetes release as X.Y (1.33), not '\(text)'")
    }
    version = given
  }
  let terminal = Terminal()
  let loaded: LoadedSpec
  switch loadSpec(command.spec, terminal: terminal) {
  case .success(let spec): loaded = spec
  case .failure: throw ExitCode(1)
  }
  // The spec's warnings only beside a text report: stderr holds nothing but the JSON report otherwise.
  if command.reportFormat == .text || loaded.check.hasErrors {
    terminal.printDiagnostics(loaded.check.diagnostics, source: loaded.source)
  }
  guard let spec = loaded.check.spec else { throw ExitCode(1) }
  let options = KubernetesExportOptions(name: podName(command.spec), image: command.image, version: version)
  let (pod, report) = KubernetesExport.pod(for: spec, source: loaded.source, options: options)
  let yaml = try KubernetesExport.yaml(pod)
  if let out = command.out {
    do {
      try writeNewFile(out, Array(yaml.utf8), kernel: terminal.kernel)
    } catch {
      terminal.err(TerminalText.printable("nsbuild: error: cannot write '\(out)': \(error)") + "\n")
      throw ExitCode(1)
    }
  } else {
    terminal.out(yaml)
  }
  try printReport(report, file: command.spec, format: command.reportFormat, terminal: terminal)
  if report.droppedAny && !command.allowLossy { throw ExitCode(2) }
}

/// The Pod's name: the spec file's name without its folder and `.toml` (`specs/dev.toml` → `dev`).
func podName(_ path: String) -> String {
  var name = path.split(separator: "/").last.map(String.init) ?? path
  if name.hasSuffix(".toml") { name.removeLast(".toml".count) }
  return name
}

/// Makes the file `path`, which must not exist (linkat(2) refuses a taken name), with `bytes`, mode 0644; no
/// symlink on the way is followed.
func writeNewFile(_ path: String, _ bytes: [UInt8], kernel: RealKernel) throws(SyscallError) {
  let slash = path.lastIndex(of: "/")
  let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
  let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
  let fd = try kernel.openDirectoryWithoutSymlinks(folder)
  defer { kernel.close(fd) }
  try kernel.writeFile(fd, name, contents: bytes, mode: 0o644)
}
