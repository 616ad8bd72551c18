import Foundation
import Interchange
import SpecParser
import Testing

/// config.json → spec: the configs `runc spec` writes (golden), what each field becomes, and malformed input.
@Suite struct OCIImportTests {
  /// The imported spec's text and the report, as if the config sat in /bundle.
  func imported(_ fixture: String) throws -> (toml: String, report: String) {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: OCIFixtures.fixtures + "/" + fixture)))
    let result = try OCIImport.spec(from: bytes, folder: "/bundle")
    return (
      SpecWriter.toml(result.spec, notes: result.notes), InterchangeReportText.render(result.report, file: fixture)
    )
  }

  /// The runc 1.1 `runc spec` and `runc spec --rootless` configs, kept in Fixtures/oci.
  @Test(arguments: ["runc-spec", "runc-spec-rootless"])
  func runcSpecMatchesGolden(_ name: String) throws {
    let (toml, report) = try imported(name + ".json")
    try OCIFixtures.compareGolden(toml, name + ".toml")
    try OCIFixtures.compareGolden(report, name + ".report.txt")
    let check = SpecDecoder.decode(source: Array(toml.utf8), file: name + ".toml", directory: "/")
    #expect(check.spec != nil, "\(check.diagnostics.map(\.message))")
  }

  /// What this machine's `runc spec` writes imports to a spec `nsbuild check` accepts.
  @Test(.enabled(if: OCIRuntimeTests.path(of: "runc") != nil, "needs runc"), arguments: [[], ["--rootless"]])
  func liveRuncSpecPassesCheck(_ flags: [String]) throws {
    let folder = OCIFixtures.temporaryPath("oci-runc-spec")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let runc = try #require(OCIRuntimeTests.path(of: "runc"))
    let spec = try OCIFixtures.run(runc, ["spec", "--bundle", folder] + flags)
    #expect(spec.status == 0, "\(spec.stderr)")
    let imported = try OCIFixtures.nsbuild(["import", folder + "/config.json"])
    #expect(imported.status == 0, "\(imported.stderr)")
    #expect(imported.stdout.contains("# linux.resources") || !flags.isEmpty)
    try Data(imported.stdout.utf8).write(to: URL(fileURLWithPath: folder + "/spec.toml"))
    let check = try OCIFixtures.nsbuild(["check", folder + "/spec.toml"])
    #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
  }

  @Test func fieldsWithoutAnEquivalentBecomeCommentsAtTheirSection() throws {
    let json = """
      {
        "ociVersion": "1.0.2",
        "process": {"args": ["sh"], "cwd": "/srv", "apparmorProfile": "x", "noNewPrivileges": true,
          "user": {"uid": 1000, "gid": 1000, "additionalGids": [5]}},
        "root": {"path": "rootfs"},
        "hooks": {"prestart": [{"path": "/bin/true"}]},
        "mounts": [{"destination": "/data", "type": "bind", "source": "/srv/data", "options": ["rbind", "rro", "rslave"]},
          {"destination": "/t", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m", "mode=700", "huge=always"]}],
        "linux": {"namespaces": [{"type": "mount"}, {"type": "network", "path": "/run/netns/blue"}],
          "seccomp": {"defaultAction": "SCMP_ACT_ALLOW"}}
      }
      """
    let result = try OCIImport.spec(from: Array(json.utf8), folder: "/b")
    #expect(result.spec.root.kind == .directory("/b/rootfs"))
    #expect(result.spec.namespaces == [.mount])
    #expect(result.spec.joins == [NamespaceJoin(.net, target: .path("/run/netns/blue"))])
    #expect(
      result.spec.mounts[0]
        == Mount(kind: .bind, source: "/srv/data", target: "/data", options: [.ro], propagation: .slave))
    #expect(result.spec.mounts[1].size == 1 << 20 && result.spec.mounts[1].mode == 0o700)
    #expect((result.spec.process.uid, result.spec.process.gid, result.spec.process.groups) == (1000, 1000, [5]))
    #expect(result.spec.process.cwd == "/srv")
    let dropped = result.report.entries.filter { $0.outcome == .dropped }
    #expect(dropped.map(\.field) == ["mounts[1].options", "process.apparmorProfile", "hooks", "linux.seccomp"])
    let hooks = try #require(dropped.first { $0.field == "hooks" })
    #expect((hooks.line, hooks.column) == (6, 12))
    let toml = SpecWriter.toml(result.spec, notes: result.notes)
    #expect(toml.contains("# hooks (config.json line 6): dropped: nsbuild runs no hooks\nversion = 1"))
    #expect(
      toml.contains(
        "# process.apparmorProfile (config.json line 3): dropped: nsbuild sets no AppArmor profile\n[process]"))
    #expect(
      toml.contains("# mounts[1].options (config.json line 8): dropped: no nsbuild option for huge=always\n[[mounts]]"))
  }

  /// Malformed JSON and values of the wrong type: refused at their line and column, never a crash.
  @Test(arguments: [
    ("", 1, 1, "the document ends where a value should be"),
    ("{\"hostname\": \"a\",\n  \"domainname\" \"b\"}", 2, 16, "expected ':' after the key"),
    ("{\"process\": {\"args\": [\"sh\",]}}", 1, 28, "expected a value"),
    ("{\"hostname\": tru}", 1, 14, "expected a value (true, false or null?)"),
    ("{\"hostname\": \"é\u{01}\"}", 1, 16, "a control character in a string must be escaped"),
    ("{\"a\": 01}", 1, 7, "a number has no leading zeros"),
    ("{\"a\": 1} x", 1, 10, "unexpected text after the document's end"),
    ("{\"a\": \"\\q\"}", 1, 8, "unknown escape '\\q'"),
    ("{\"a\": \"\\u+123\"}", 1, 10, "expected four hex digits after \\u"),
    (
      "{\"mounts\": [{\"destination\": \"/x\"},\n {\"destination\": 5}]}", 2, 18,
      "expected a string at `mounts[1].destination`"
    ),
    (
      "{\"process\": {\"user\": {\"uid\": -1}}}", 1, 30,
      "expected a whole number from 0 to 4294967295 at `process.user.uid`"
    ),
    ("[1, 2]", 1, 1, "a config.json is a JSON object"),
    (String(repeating: "[", count: 300), 1, 257, "nested deeper than 256 levels"),
  ])
  func malformedInputIsRefusedAtItsPlace(_ input: String, _ line: Int, _ column: Int, _ message: String) {
    #expect(throws: OCIImport.Failure(line: line, column: column, message: message)) {
      try OCIImport.spec(from: Array(input.utf8), folder: "/")
    }
  }

  @Test func theCLISaysFileLineAndColumn() throws {
    let path = OCIFixtures.temporaryPath("oci-bad") + ".json"
    try Data("{\n  \"hostname\": [1,\n}".utf8).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let result = try OCIFixtures.nsbuild(["import", path])
    #expect(result.status == 1)
    #expect(result.stderr == "\(path):3:1: error: expected a value\n")
    #expect(result.stdout.isEmpty)
  }
}

extension OCIImportTests {
  @Test func clockOffsetsComeBackAndImpossibleOnesAreDropped() throws {
    let json = """
      {"linux": {"namespaces": [{"type": "time"}, {"type": "user"}],
        "timeOffsets": {"monotonic": {"secs": -2, "nanosecs": 500000000},
          "boottime": {"secs": 9223372036854775807, "nanosecs": 4000000000}}}}
      """
    let result = try OCIImport.spec(from: Array(json.utf8), folder: "/")
    #expect(result.spec.time.monotonic == ClockOffset(seconds: -2, nanoseconds: 500_000_000))
    #expect(result.spec.time.boottime == nil)
    let dropped = try #require(result.report.entries.first { $0.outcome == .dropped })
    #expect((dropped.field, dropped.line) == ("linux.timeOffsets.boottime", 3))
    #expect(SpecWriter.toml(result.spec).contains(#"monotonic = "-1s500000000ns""#))
  }
}
