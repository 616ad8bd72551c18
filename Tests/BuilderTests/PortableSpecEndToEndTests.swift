import Foundation
import Testing

/// A spec in a repository's `ci/` folder that names the repository by `..` and `${PROJECT_ROOT}`, the caller's home
/// by `${HOME}`, and is changed for one run on the command line: run for real, and looked at from inside.
@Suite struct PortableSpecEndToEndTests: ScratchFolderTests {
  /// The repository: `repo/.git`, `repo/top` (a marker), `repo/ci/s.toml`, and a home folder with `data/mine`.
  func makeRepository(in folder: String) throws -> (spec: String, home: String) {
    let manager = FileManager.default
    for path in ["repo/.git", "repo/ci/r", "repo/ci/h", "repo/ci/x", "home/data"] {
      try manager.createDirectory(atPath: folder + "/" + path, withIntermediateDirectories: true)
    }
    try Data("repository root\n".utf8).write(to: URL(fileURLWithPath: folder + "/repo/top"))
    try Data("home data\n".utf8).write(to: URL(fileURLWithPath: folder + "/home/data/mine"))
    try Data("ci folder\n".utf8).write(to: URL(fileURLWithPath: folder + "/repo/ci/here"))
    let spec = """
      version = 1
      [namespaces]
      unshare = ["mount", "uts", "pid"]
      [uts]
      hostname = "fromfile"
      [[mounts]]
      type = "bind"
      source = ".."
      target = "r"
      options = ["ro"]
      [[mounts]]
      type = "bind"
      source = "${HOME}/data"
      target = "h"
      [process]
      args = ["/bin/sh", "-c", "cat r/top h/mine x/here; hostname; echo \\"$GREETING\\""]
      cwd = "."
      """
    let path = try write(spec, to: folder + "/repo/ci")
    return (path, folder + "/home")
  }

  @Test(.enabled(if: NSBuildProcess.isRoot, "runs a sandbox, which needs root"))
  func runMountsTheFoldersTheSpecAndTheCommandLineName() throws {
    try withFolder { folder in
      let (spec, home) = try makeRepository(in: folder)
      let result = try NSBuildProcess.run(
        [
          "run", spec, "--set", "uts.hostname=fromcli", "--env", "GREETING=hello ${USER}", "--bind",
          "${PROJECT_ROOT}/ci:x:ro",
        ], environment: ["HOME": home])
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stdout == "repository root\nhome data\nci folder\nfromcli\nhello root\n")
      // Nothing stays mounted on the host.
      let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
      #expect(!mounts.contains(folder))
    }
  }

  @Test func planShowsSubstitutionsAndTheCommandLineAsOrigins() throws {
    try withFolder { folder in
      let (spec, home) = try makeRepository(in: folder)
      let result = try NSBuildProcess.run(
        ["plan", spec, "--set", "uts.hostname=fromcli", "--bind", "${SPEC_DIR}/..:x"], environment: ["HOME": home])
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stdout.hasPrefix("Substituted:\n"))
      #expect(result.stdout.contains("  \(spec):13:10  ${HOME}/data → \(home)/data\n"))
      #expect(result.stdout.contains("  command line  ${SPEC_DIR}/.. → \(folder)/repo\n"))
      #expect(result.stdout.contains("set hostname fromcli  (host: "))
      let hostname = result.stdout.split(separator: "\n").first { $0.contains("set hostname fromcli") }
      #expect(hostname?.hasSuffix("command line") == true)
      let json = try NSBuildProcess.run(
        ["plan", "--format", "json", spec, "--set", "uts.hostname=fromcli"], environment: ["HOME": home])
      let document = try #require(
        try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
      let steps = try #require(document["steps"] as? [[String: Any]])
      let origin = steps.first { $0["kind"] as? String == "hostname" }?["origin"] as? [String: Any]
      #expect(origin?["file"] as? String == "command line")
      let substitutions = try #require(document["substitutions"] as? [[String: Any]])
      #expect(substitutions.map { $0["written"] as? String } == ["${HOME}/data"])
    }
  }

  @Test(.enabled(if: NSBuildProcess.isRoot, "the caller's uid must be 0, which the map below takes"))
  func checkResolvesCallerAsPlanDoes() throws {
    try withFolder { folder in
      let spec = try write(
        """
        version = 1
        [namespaces]
        unshare = ["user"]
        [user]
        uid_map = [{ inside = 0, outside = 100000, count = 10 }, { inside = "caller", outside = "caller", count = 1 }]
        """, to: folder)
      // `plan` needs a command; `check` takes none.
      for arguments in [["check", spec], ["plan", spec, "--", "true"]] {
        let command = arguments[0]
        let result = try NSBuildProcess.run(arguments)
        #expect(result.status == 1, "\(command)")
        #expect(
          result.stderr.contains(
            "s.toml:5:58: error: uid_map entry 2 overlaps entry 1 (line 5, column 12) inside the namespace once \"caller\" is 0\n"
          ),
          "\(command): \(result.stderr)")
      }
    }
  }

  @Test func aBadOverrideNamesItsFlagInCheck() throws {
    try withFolder { folder in
      let (spec, home) = try makeRepository(in: folder)
      let result = try NSBuildProcess.run(["check", spec, "--set", "uts.hostnme=x"], environment: ["HOME": home])
      #expect(result.status == 1)
      #expect(result.stderr.contains("command line: error: `--set uts.hostnme=x`: unknown key 'hostnme' in [uts]\n"))
      #expect(result.stderr.contains("  | --set uts.hostnme=x\n"))
    }
  }
}
