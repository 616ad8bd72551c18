import ArgumentParser
import Builder
import SpecParser

/// `nsbuild toml-json`: the toml-test decoder protocol, for running the TOML 1.0 conformance suite against the
/// same parser `check` uses. Reads TOML on stdin, prints tagged JSON; exit 1 on invalid TOML.
struct TOMLJSONCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "toml-json",
    abstract: "Decode TOML from stdin to toml-test's tagged JSON.",
    shouldDisplay: false
  )

  func run() throws {
    let terminal = Terminal()
    var bytes: [UInt8] = []
    while let chunk = try? terminal.kernel.read(0, count: 65536), !chunk.isEmpty { bytes += chunk }
    do {
      let table = try TOMLParser.parse(bytes)
      terminal.out(TOMLTaggedJSON.render(table) + "\n")
    } catch {
      let start = error.range.start
      terminal.err(TerminalText.printable("stdin:\(start.line):\(start.column): error: \(error.message)") + "\n")
      throw ExitCode(1)
    }
  }
}
