import ArgumentParser
import Foundation
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
    let bytes = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
    do {
      let table = try TOMLParser.parse(bytes)
      print(TOMLTaggedJSON.render(table))
    } catch {
      let start = error.range.start
      FileHandle.standardError.write(Data("stdin:\(start.line):\(start.column): error: \(error.message)\n".utf8))
      throw ExitCode(1)
    }
  }
}
