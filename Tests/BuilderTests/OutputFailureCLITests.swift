import Foundation
import Testing

/// A command whose product is its output fails when that output cannot be written, as GNU tools do: a full disk, or a
/// reader gone with SIGPIPE ignored, is exit status 1 with the errno on stderr, never a plan cut short that passes.
@Suite struct OutputFailureCLITests {
  /// Runs `nsbuild ARGS` from bash with its stdout sent to `redirect` (a bash fragment), and bash's own status.
  func shell(_ script: String, _ arguments: [String]) throws -> NSBuildProcess.Result {
    try NSBuildProcess.runCommand("/bin/bash", ["-c", script, NSBuildProcess.binary] + arguments)
  }

  @Test(arguments: [["plan"], ["plan", "--format", "json"], ["check", "--format", "json"]])
  func aFullDiskIsAnError(command: [String]) throws {
    let spec = specsDirectory + "/minimal.toml"
    let result = try shell("\"$0\" \"$@\" > /dev/full", command + [spec])
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains("cannot write standard output: write(2): ENOSPC"), "\(result.stderr)")
  }

  @Test func schemaToAFullDiskIsAnError() throws {
    let result = try shell("\"$0\" \"$@\" > /dev/full", ["schema"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("ENOSPC"), "\(result.stderr)")
  }

  /// A plan larger than a pipe's buffer, to a reader that reads one byte and leaves, with SIGPIPE ignored: EPIPE is
  /// reported and nsbuild stops, where it used to render the rest into the closed pipe and exit 0.
  @Test func aReaderGoneWithSIGPIPEIgnoredIsAnError() throws {
    let folder = try NSBuildProcess.publicCopy(specs: [:])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var spec = "version = 1\n[namespaces]\nunshare = [\"mount\"]\n[process]\nargs = [\"/bin/true\"]\n"
    for index in 0..<2000 { spec += "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/tmp/m\(index)\"\n" }
    try Data(spec.utf8).write(to: URL(fileURLWithPath: folder + "/big.toml"))
    let result = try shell(
      "trap '' PIPE; \"$0\" \"$@\" | head -c 1 > /dev/null; exit ${PIPESTATUS[0]}", ["plan", folder + "/big.toml"])
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains("write(2): EPIPE"), "\(result.stderr)")
  }
}
