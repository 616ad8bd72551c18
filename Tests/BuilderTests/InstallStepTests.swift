import Foundation
import Testing

/// The README's install step, run as written into a scratch PREFIX: the binary it installs is stripped, and the
/// completions and the man page land where bash-completion, zsh, fish and man look under that prefix.
@Suite struct InstallStepTests {
  /// The lines of the README's first ```sh block after "## Install".
  static func installLines() throws -> [String] {
    let readme = try String(contentsOfFile: packageRoot + "/README.md", encoding: .utf8)
    guard let section = readme.range(of: "\n## Install\n"),
      let open = readme.range(of: "```sh\n", range: section.upperBound..<readme.endIndex),
      let close = readme.range(of: "\n```", range: open.upperBound..<readme.endIndex)
    else { return [] }
    return readme[open.upperBound..<close.lowerBound].split(separator: "\n").map(String.init)
  }

  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/install"), "needs install(1)"))
  func readmeInstallStepInstallsAStrippedBinaryCompletionsAndTheManPage() throws {
    let lines = try Self.installLines()
    #expect(lines.first == "PREFIX=/usr/local")
    #expect(lines.dropFirst().first == "swift build -c release --static-swift-stdlib")
    let folder = try NSBuildProcess.publicCopy(specs: [:])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    // The build is the README's first line's; the binary under test stands in for its result.
    let script = (["set -e", "PREFIX='\(folder)/prefix'"] + lines.dropFirst(2)).joined(separator: "\n")
      .replacing(".build/release/nsbuild", with: "'\(NSBuildProcess.binary)'")
    let result = try NSBuildProcess.runCommand("/bin/sh", ["-c", script])
    #expect(result.status == 0, "\(result.stderr)")
    let prefix = folder + "/prefix"
    let installed = prefix + "/bin/nsbuild"
    #expect(FileManager.default.isExecutableFile(atPath: installed))
    #expect(try NSBuildProcess.run(["--version"], binary: installed).status == 0)
    // Stripped: no symbol table left (readelf lists the section headers).
    if FileManager.default.isExecutableFile(atPath: "/usr/bin/readelf") {
      let sections = try NSBuildProcess.runCommand("/usr/bin/readelf", ["-S", "-W", installed])
      #expect(sections.status == 0)
      #expect(!sections.stdout.contains(".symtab"))
    }
    for (path, marker) in [
      ("share/bash-completion/completions/nsbuild", "complete -o filenames -F _nsbuild nsbuild"),
      ("share/zsh/site-functions/_nsbuild", "#compdef nsbuild"),
      ("share/fish/vendor_completions.d/nsbuild.fish", "complete -c 'nsbuild'"),
      ("share/man/man1/nsbuild.1", ".Dt NSBUILD 1"),
    ] {
      let text = (try? String(contentsOfFile: prefix + "/" + path, encoding: .utf8)) ?? ""
      #expect(text.contains(marker), "\(path)")
    }
  }
}
