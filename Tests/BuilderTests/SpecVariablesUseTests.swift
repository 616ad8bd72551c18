import SpecParser
import Testing

@testable import Builder

/// The `${NAME}` table (/etc/passwd read, `.git` looked for up to `/`) is built only for spec text that can name a
/// variable, wherever nsbuild checks spec text: a file, a live sandbox's recorded text (`exec`, `apply`), `diff`'s
/// old side.
@Suite struct SpecVariablesUseTests {
  static let plain = "version = 1\n[process]\nargs = [\"/bin/true\"]\n"
  static let named = "version = 1\n[process]\nargs = [\"/bin/true\"]\nenv = { WHO = \"${USER}\" }\n"

  /// Whether checking made any of the table's reads.
  static func readTheTable(_ host: FakeHost) -> Bool {
    host.log.contains { $0 == "read \(AccountFile.users)" || $0.hasSuffix("/.git") }
  }

  static func record(_ text: String) throws -> SandboxRecord {
    let plan = try Planner(spec: try exampleSpec("dev.toml"), state: GoldenPlanTests.state).plan()
    var record = SandboxRecord(
      name: try SandboxName(validating: "dev"), specPath: "/w/specs/dev.toml", specDigest: "00", createdAt: 1,
      appliedAt: 2, initProcess: ProcessIdentity(pid: 42, startTime: 9), namespaceIDs: [:], ownerUID: 0, plan: plan)
    record.specSource = text
    return record
  }

  @Test func aRecordedSpecReadsTheTableOnlyWhenItNamesAVariable() throws {
    let plainHost = FakeHost()
    #expect(RecordedSpec.recordedLoad(try Self.record(Self.plain), reader: plainHost)?.check.spec != nil)
    #expect(!Self.readTheTable(plainHost), "\(plainHost.log)")

    let namedHost = FakeHost()
    let loaded = RecordedSpec.recordedLoad(try Self.record(Self.named), reader: namedHost)
    #expect(Self.readTheTable(namedHost), "\(namedHost.log)")
    #expect(loaded?.check.spec?.process.env.map(\.value) == ["me"])
  }

  /// `exec`'s choice between the file and the record: the file cannot be opened on this host, so the recorded text
  /// is taken, and checked without the table.
  @Test func execsChoiceReadsTheTableOnlyWhenTheTextNamesAVariable() throws {
    let host = FakeHost()
    guard case .recorded = RecordedSpec.choose(try Self.record(Self.plain), reader: host) else {
      Issue.record("the recorded text was not taken")
      return
    }
    #expect(!Self.readTheTable(host), "\(host.log)")
  }

  /// What `diff --git` checks its old side with.
  @Test func checkingTextReadsTheTableOnlyWhenItOrAnOverrideNamesAVariable() {
    let host = FakeHost()
    let loader = SpecLoader(reader: host)
    #expect(loader.check(Array(Self.plain.utf8), file: "s.toml", directory: "/w").spec != nil)
    #expect(!Self.readTheTable(host), "\(host.log)")
    _ = loader.check(Array(Self.named.utf8), file: "s.toml", directory: "/w")
    #expect(Self.readTheTable(host), "\(host.log)")
  }
}
