import ArgumentParser
import Builder
import FoundationEssentials
import Interchange
import SpecParser

/// `nsbuild export --format oci`: the spec as a runtime bundle in the new folder `--out`, and the report on stderr.
/// Exits 2 when a field was dropped (unless `--allow-lossy`), 1 on an error, leaving no folder behind.
func exportOCI(_ command: ExportCommand) throws {
  guard let out = command.out else { throw ValidationError("--format oci needs --out FOLDER, the bundle to make") }
  let terminal = Terminal()
  let loaded: LoadedSpec
  switch loadSpec(command.spec, terminal: terminal) {
  case .success(let spec): loaded = spec
  case .failure: throw ExitCode(1)
  }
  // The spec's warnings are about running it with nsbuild; a JSON report stays alone on stderr.
  if command.reportFormat == .text || loaded.check.spec == nil {
    terminal.printDiagnostics(loaded.check.diagnostics, source: loaded.source)
  }
  guard let spec = loaded.check.spec else { throw ExitCode(1) }
  let bundle = OCIExport.bundle(for: spec, source: loaded.source, host: OCIExportHost.read(terminal.kernel, for: spec))
  do {
    try OCIBundleWriter(kernel: terminal.kernel).write(bundle, to: out)
  } catch {
    terminal.err(TerminalText.printable("nsbuild: error: cannot write the bundle '\(out)': \(error)") + "\n")
    throw ExitCode(1)
  }
  try printReport(bundle.report, file: command.spec, format: command.reportFormat, terminal: terminal)
  if bundle.report.droppedAny && !command.allowLossy { throw ExitCode(2) }
}

/// Prints a conversion report on stderr, as text or as its JSON.
func printReport(_ report: InterchangeReport, file: String, format: OutputFormat, terminal: Terminal) throws {
  switch format {
  case .text:
    // Each line printable: field values come from the input file.
    let lines = InterchangeReportText.render(report, file: file).split(separator: "\n")
    terminal.err(lines.map { TerminalText.printable(String($0)) + "\n" }.joined())
  case .json: terminal.err(try JSONText.encode(report) + "\n")
  }
}
