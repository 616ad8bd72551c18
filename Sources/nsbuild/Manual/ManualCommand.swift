import ArgumentParser
import Glibc

/// `nsbuild generate-manual`: prints nsbuild(1) in mdoc(7), for the install step
/// (`nsbuild generate-manual > /usr/local/share/man/man1/nsbuild.1`). Hidden from help: it is for packagers.
struct ManualCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "generate-manual",
    abstract: "Print the nsbuild(1) manual page (mdoc) made from these command definitions.",
    shouldDisplay: false
  )

  @Option(help: "The page's date, as `Month D, YYYY` (default: today, in UTC).")
  var date: String?

  func run() throws {
    let tool: ToolInfo
    do { tool = try ToolInfo.nsbuild() } catch { throw Terminal().fail(error, failureCode: 1) }
    Terminal().out(ManualPage(tool: tool.command, date: date ?? Self.today()).render())
  }

  /// Today in UTC as mdoc's `.Dd` writes dates: "December 3, 2026".
  static func today() -> String {
    var now = time(nil)
    var parts = tm()
    gmtime_r(&now, &parts)
    let months = [
      "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
      "December",
    ]
    let month = months.indices.contains(Int(parts.tm_mon)) ? months[Int(parts.tm_mon)] : "January"
    return "\(month) \(parts.tm_mday), \(1900 + Int(parts.tm_year))"
  }
}
