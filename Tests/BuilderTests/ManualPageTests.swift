import Foundation
import Testing

/// `nsbuild generate-manual`: the man page is made from the command definitions, so every subcommand `--help` lists
/// is in it, with the exit statuses and the spec's keys.
@Suite struct ManualPageTests {
  /// The subcommands `nsbuild --help` lists (the lines under SUBCOMMANDS:, up to the next blank line).
  func listedSubcommands() throws -> [String] {
    let help = try NSBuildProcess.run(["--help"]).stdout
    let lines = help.split(separator: "\n", omittingEmptySubsequences: false)
    guard let start = lines.firstIndex(of: "SUBCOMMANDS:") else { return [] }
    return lines[(start + 1)...].prefix { !$0.isEmpty }.compactMap { line in
      line.hasPrefix("  ") && !line.hasPrefix("   ") ? line.split(separator: " ").first.map(String.init) : nil
    }.filter { $0 != "help" }
  }

  @Test func everySubcommandExitStatusAndSpecKeyIsInThePage() throws {
    let result = try NSBuildProcess.run(["generate-manual", "--date", "December 3, 2026"])
    #expect(result.status == 0, "\(result.stderr)")
    let page = result.stdout
    #expect(page.hasPrefix(".Dd December 3, 2026\n.Dt NSBUILD 1\n"))
    let subcommands = try listedSubcommands()
    #expect(subcommands.count >= 10, "\(subcommands)")
    for name in subcommands { #expect(page.contains("\n.Ss \(name)\n"), "\(name)") }
    #expect(!page.contains(".Ss generate-manual"), "hidden, as in --help")
    #expect(page.contains(".Sh EXIT STATUS\n"))
    #expect(page.contains(".It Cm run\nthe command's own; 128+N when it is killed by signal N; 125"))
    // Every top-level key of the spec's schema, tables as [name].
    let schema = try NSBuildProcess.run(["schema"]).stdout
    let object = try JSONSerialization.jsonObject(with: Data(schema.utf8)) as? [String: Any]
    let keys = (object?["properties"] as? [String: Any])?.keys.sorted() ?? []
    #expect(keys.contains("uts"))
    for key in keys {
      #expect(
        page.contains(".It Li \"\(key)\"\n") || page.contains(".It Li \"[\(key)]\"\n")
          || page.contains(".It Li \"[[\(key)]]\"\n"), "\(key)")
    }
    #expect(page.contains(".It Li \"uts.hostname\"\n"))
  }

  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/man"), "renders with man(1)"))
  func manRendersItWithoutWarnings() throws {
    let folder = try NSBuildProcess.publicCopy(specs: [:])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let page = try NSBuildProcess.run(["generate-manual"])
    try Data(page.stdout.utf8).write(to: URL(fileURLWithPath: folder + "/nsbuild.1"))
    let rendered = try NSBuildProcess.runCommand(
      "/bin/sh", ["-c", "MANWIDTH=100 /usr/bin/man -l '\(folder)/nsbuild.1' | col -b"])
    #expect(rendered.status == 0)
    #expect(rendered.stderr.isEmpty, "\(rendered.stderr)")
    #expect(rendered.stdout.contains("nsbuild check [--format format]"), "\(rendered.stdout.prefix(2000))")
    #expect(rendered.stdout.contains("EXIT STATUS"))
  }
}
