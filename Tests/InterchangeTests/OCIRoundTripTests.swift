import Foundation
import Interchange
import SpecParser
import Testing

/// spec → export → import → `plan`: the same plan as the spec's own, for every example spec the OCI format expresses
/// fully. Fully: the export drops nothing and approximates nothing but what its annotations take back (the mount
/// namespace the runtimes need, the /dev of its own), which the import then undoes.
@Suite struct OCIRoundTripTests {
  static let undone: Set<String> = ["namespaces.unshare", "mounts"]

  /// `plan` text without what differs between two files saying the same: spec places, line numbers and gutters.
  static func normalised(_ plan: String) -> String {
    // The `${NAME}`s a spec wrote are listed first; the export wrote what they became, so the import has none.
    var lines = plan.split(separator: "\n", omittingEmptySubsequences: false)
    if lines.first == "Substituted:", let end = lines.firstIndex(of: "") { lines.removeSubrange(...end) }
    return lines.map { line -> String in
      var text = String(line)
      text = text.replacingOccurrences(of: #"\s*\S+\.toml:\d+:\d+"#, with: "", options: .regularExpression)
      text = text.replacingOccurrences(of: #"^\s*\d+ \|"#, with: " |", options: .regularExpression)
      // A warning about mount order names the other mount's line ("written earlier (line 15)").
      text = text.replacingOccurrences(of: #"\(line \d+\)"#, with: "(line)", options: .regularExpression)
      while text.hasSuffix(" ") { text.removeLast() }
      return text
    }.joined(separator: "\n")
  }

  @Test(arguments: try OCIFixtures.specNames())
  func importOfTheExportPlansLikeTheSpec(_ name: String) throws {
    let bundle = OCIFixtures.temporaryPath("oci-roundtrip")
    defer { try? FileManager.default.removeItem(atPath: bundle) }
    let path = OCIFixtures.specs + "/" + name
    let export = try OCIFixtures.nsbuild([
      "export", path, "--format", "oci", "--out", bundle, "--allow-lossy", "--report-format", "json",
    ])
    #expect(export.status == 0, "\(export.stderr)")
    let report = try JSONDecoder().decode(InterchangeReport.self, from: Data(export.stderr.utf8))
    let lossy = report.entries.filter {
      $0.outcome == .dropped || ($0.outcome == .approximated && !Self.undone.contains($0.field))
    }
    let imported = try OCIFixtures.nsbuild(["import", bundle + "/config.json"])
    #expect(imported.status == 0, "\(imported.stderr)")
    let spec = bundle + "/spec.toml"
    try Data(imported.stdout.utf8).write(to: URL(fileURLWithPath: spec))
    let check = try OCIFixtures.nsbuild(["check", spec])
    #expect(check.status == 0, "the import of \(name) does not check: \(check.stdout)\(check.stderr)")
    guard lossy.isEmpty else {
      // Not expressed fully: the import is a spec, but another one; the lossy fields are the reason.
      #expect(report.droppedAny || !lossy.isEmpty)
      return
    }
    let original = try OCIFixtures.nsbuild(["plan", path])
    let again = try OCIFixtures.nsbuild(["plan", spec])
    #expect(original.status == again.status)
    #expect(Self.normalised(again.stdout) == Self.normalised(original.stdout), "\(name): the plans differ")
  }

  /// The example specs that come back whole, so the test above compares their plans: a host tree with binds, a
  /// read-only host tree with a relative bind and a clean environment, a user namespace mapping the caller, a time
  /// namespace, a uts-only sandbox.
  @Test(arguments: ["build.toml", "dev.toml", "future-clock.toml", "minimal.toml", "rootless.toml"])
  func theseSpecsAreExpressedFully(_ name: String) throws {
    let (spec, source) = try OCIFixtures.spec(name)
    let host = OCIExportHost(uid: 0, gid: 0, environment: ["PATH=/bin"], umask: 0o022, rootEntries: [])
    let report = OCIExport.bundle(for: spec, source: source, host: host).report
    let lossy = report.entries.filter {
      $0.outcome == .dropped || ($0.outcome == .approximated && !Self.undone.contains($0.field))
    }
    #expect(lossy.isEmpty, "\(lossy)")
  }
}

/// SpecWriter: every example spec written back as TOML decodes to the same spec.
@Suite struct SpecWriterTests {
  @Test(arguments: try OCIFixtures.specNames())
  func writtenSpecDecodesToTheSameSpec(_ name: String) throws {
    let (spec, _) = try OCIFixtures.spec(name)
    let text = SpecWriter.toml(spec, notes: [SpecWriter.Note(section: "process", "a note\nof two lines")])
    let check = SpecDecoder.decode(source: Array(text.utf8), file: "written.toml", directory: "/elsewhere")
    let decoded = try #require(check.spec, "\(check.diagnostics.map(\.message))\n\(text)")
    #expect(decoded.withoutOrigins == spec.withoutOrigins)
  }

  @Test func valuesAreQuotedAndCommentsStayComments() throws {
    var spec = Spec(namespaces: [.mount, .user, .time])
    spec.process.args = ["echo", "a \"quoted\"\\ word\n\u{1}"]
    spec.process.env = [EnvironmentVariable("A.B", "x")]
    spec.process.rlimits = [ResourceLimit(.nofile, soft: 10, hard: nil)]
    spec.process.umask = 0o027
    spec.time.monotonic = ClockOffset(seconds: -2, nanoseconds: 500_000_000)
    spec.user.uidMap = [IDMapping(inside: 0, outside: .caller, count: 1)]
    let text = SpecWriter.toml(spec, notes: [SpecWriter.Note(section: "uts", "no uts\u{7}\nsecond")])
    #expect(text.hasPrefix("# no uts\u{FFFD}\n# second\nversion = 1\n"))
    #expect(text.contains(#"args = ["echo", "a \"quoted\"\\ word\n\u0001"]"#))
    #expect(text.contains(#"env = { "A.B" = "x" }"#))
    #expect(text.contains(#"rlimits = { nofile = { soft = 10, hard = "unlimited" } }"#))
    #expect(text.contains(#"monotonic = "-1s500000000ns""#))
    #expect(text.contains(#"uid_map = [{ inside = 0, outside = "caller", count = 1 }]"#))
    let check = SpecDecoder.decode(source: Array(text.utf8), file: "t.toml", directory: "/")
    let decoded = try #require(check.spec, "\(check.diagnostics.map(\.message))")
    #expect(decoded.withoutOrigins == spec.withoutOrigins)
  }
}
