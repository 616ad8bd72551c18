import ArgumentParser
import Builder
import Interchange
import SpecParser

/// `nsbuild import --format oci`: a config.json as a spec on stdout, the report on stderr. A malformed config is
/// refused at its line and column, exit 1.
func importOCI(_ command: ImportCommand) throws {
  let terminal = Terminal()
  let bytes: [UInt8]
  do {
    bytes = try terminal.kernel.readFile(command.file)
  } catch {
    terminal.err(TerminalText.printable("nsbuild: error: cannot read '\(command.file)': \(error)") + "\n")
    throw ExitCode(1)
  }
  let folder = absoluteFolder(of: command.file, in: (try? terminal.kernel.currentDirectory()) ?? "/")
  let result: OCIImport.Result
  do {
    result = try OCIImport.spec(from: bytes, folder: folder)
  } catch {
    terminal.err(
      TerminalText.printable("\(command.file):\(error.line):\(error.column): error: \(error.message)") + "\n")
    throw ExitCode(1)
  }
  terminal.out(SpecWriter.toml(result.spec, notes: result.notes))
  try printReport(result.report, file: command.file, format: command.reportFormat, terminal: terminal)
}

/// The absolute folder holding `file`, lexically: a relative `root.path` in it resolves there.
func absoluteFolder(of file: String, in current: String) -> String {
  let absolute = file.hasPrefix("/") ? file : current + "/" + file
  var parts = absolute.split(separator: "/").dropLast()
  parts.removeAll { $0 == "." }
  var result: [Substring] = []
  for part in parts {
    if part == ".." { _ = result.popLast() } else { result.append(part) }
  }
  return "/" + result.joined(separator: "/")
}
