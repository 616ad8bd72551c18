import Foundation
import Interchange
import Testing

/// `nsbuild export --format oci` as a command: the bundle, the exit status CI gates on, and nothing left behind on a
/// failure.
@Suite struct OCIExportCLITests {
  @Test func aDroppedFieldExitsTwoUnlessLossyIsAllowed() throws {
    let bundle = OCIFixtures.temporaryPath("oci-cli")
    defer { try? FileManager.default.removeItem(atPath: bundle) }
    let spec = OCIFixtures.specs + "/pod-member.toml"
    let strict = try OCIFixtures.nsbuild(["export", spec, "--format", "oci", "--out", bundle])
    #expect(strict.status == 2)
    #expect(strict.stderr.contains("pod-member.toml:9:16: dropped namespaces.join.net"))
    #expect(FileManager.default.fileExists(atPath: bundle + "/config.json"), "the bundle is written all the same")
    try FileManager.default.removeItem(atPath: bundle)
    let lossy = try OCIFixtures.nsbuild(["export", spec, "--format", "oci", "--out", bundle, "--allow-lossy"])
    #expect(lossy.status == 0, "\(lossy.stderr)")
  }

  @Test func theJSONReportIsTheCodableReport() throws {
    let bundle = OCIFixtures.temporaryPath("oci-cli")
    defer { try? FileManager.default.removeItem(atPath: bundle) }
    let result = try OCIFixtures.nsbuild([
      "export", OCIFixtures.specs + "/minimal.toml", "--format", "oci", "--out", bundle, "--report-format", "json",
    ])
    #expect(result.status == 0)
    let report = try JSONDecoder().decode(InterchangeReport.self, from: Data(result.stderr.utf8))
    #expect(report.formatVersion == 1 && report.direction == .export && report.format == "oci")
    let hostname = try #require(report.entries.first { $0.field == "uts.hostname" })
    #expect((hostname.line, hostname.column, hostname.outcome) == (8, 12, .exported))
    let config = try JSONDecoder().decode(
      OCIConfig.self, from: Data(contentsOf: URL(fileURLWithPath: bundle + "/config.json")))
    #expect(config.hostname == "minimal")
  }

  /// A config.json holding the environment export ran in is its owner's alone; one with the spec's variables only
  /// is world-readable, as `runc spec` writes it.
  @Test(arguments: [("minimal.toml", 0o600), ("build.toml", 0o644)])
  func configModeFollowsTheInheritedEnvironment(_ name: String, _ mode: Int) throws {
    let bundle = OCIFixtures.temporaryPath("oci-cli")
    defer { try? FileManager.default.removeItem(atPath: bundle) }
    let result = try OCIFixtures.nsbuild([
      "export", OCIFixtures.specs + "/" + name, "--format", "oci", "--out", bundle, "--allow-lossy",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let attributes = try FileManager.default.attributesOfItem(atPath: bundle + "/config.json")
    #expect((attributes[.posixPermissions] as? Int) == mode)
    #expect(result.stderr.contains("config.json mode 0600") == (mode == 0o600))
  }

  @Test func aFailedExportLeavesNothingBehind() throws {
    let parent = OCIFixtures.temporaryPath("oci-cli")
    try FileManager.default.createDirectory(atPath: parent + "/taken", withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: parent) }
    let taken = try OCIFixtures.nsbuild([
      "export", OCIFixtures.specs + "/minimal.toml", "--format", "oci", "--out", parent + "/taken",
    ])
    #expect(taken.status == 1)
    #expect(taken.stderr.contains("cannot write the bundle '\(parent)/taken'"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: parent + "/taken").isEmpty)
    try Data("version = 1\n[uts]\nhostname = 5\n".utf8).write(to: URL(fileURLWithPath: parent + "/bad.toml"))
    let bad = try OCIFixtures.nsbuild(["export", parent + "/bad.toml", "--format", "oci", "--out", parent + "/b"])
    #expect(bad.status == 1)
    #expect(!FileManager.default.fileExists(atPath: parent + "/b"))
    let noOut = try OCIFixtures.nsbuild(["export", OCIFixtures.specs + "/minimal.toml", "--format", "oci"])
    #expect(noOut.status != 0 && noOut.stderr.contains("--out"))
  }
}
