import ArgumentParser
import Builder
import Interchange
import SpecParser

/// `nsbuild import --format kubernetes`: a Pod or a workload's pod template (YAML) as a spec on stdout, the report
/// on stderr. Malformed YAML is refused at its line and column (libyaml's marks), exit 1.
func importKubernetes(_ command: ImportCommand) throws {
  let terminal = Terminal()
  let bytes: [UInt8]
  do {
    bytes = try terminal.kernel.readFile(command.file)
  } catch {
    terminal.err(TerminalText.printable("nsbuild: error: cannot read '\(command.file)': \(error)") + "\n")
    throw ExitCode(1)
  }
  let result: KubernetesImport.Result
  do {
    result = try KubernetesImport.spec(from: bytes)
  } catch {
    terminal.err(
      TerminalText.printable("\(command.file):\(error.line):\(error.column): error: \(error.message)") + "\n")
    throw ExitCode(1)
  }
  terminal.out(SpecWriter.toml(result.spec, notes: result.notes))
  try printReport(result.report, file: command.file, format: command.reportFormat, terminal: terminal)
}
