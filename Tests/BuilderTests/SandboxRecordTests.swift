import SpecParser
import Testing

@testable import Builder

/// Names of live sandboxes, where their state lives, and the state record's round trip.
@Suite struct SandboxRecordTests {
  @Test(arguments: ["dev", "a", "web-1", "db_2.test", String(repeating: "x", count: 63)])
  func validNamesAreKept(_ name: String) throws {
    #expect(try SandboxName(validating: name).rawValue == name)
  }

  @Test(arguments: [
    ("", SandboxNameError.empty),
    (String(repeating: "x", count: 64), .tooLong(String(repeating: "x", count: 64), count: 64)),
    ("Dev", .badCharacter("Dev", offset: 0)), ("-x", .badCharacter("-x", offset: 0)),
    (".hidden", .badCharacter(".hidden", offset: 0)), ("a/b", .badCharacter("a/b", offset: 1)),
    ("a b", .badCharacter("a b", offset: 1)), ("é", .badCharacter("é", offset: 0)),
  ])
  func invalidNamesAreRefusedWithTheirPlace(_ name: String, _ error: SandboxNameError) {
    #expect(throws: error) { try SandboxName(validating: name) }
  }

  @Test func theDefaultNameIsTheSpecsStem() throws {
    #expect(try SandboxName.defaultName(forSpecAt: "specs/dev.toml").rawValue == "dev")
    #expect(try SandboxName.defaultName(forSpecAt: "/x/Sandbox.toml").rawValue == "sandbox")
    #expect(throws: SandboxNameError.badCharacter("my box", offset: 2)) {
      try SandboxName.defaultName(forSpecAt: "my box.toml")
    }
  }

  @Test func rootAndUsersKeepStateApart() {
    #expect(StateDirectory.forCaller(euid: 0, environment: ["XDG_RUNTIME_DIR=/run/user/0"]).path == "/run/nsbuild")
    #expect(
      StateDirectory.forCaller(euid: 1000, environment: ["XDG_RUNTIME_DIR=/run/user/1000/"]).path
        == "/run/user/1000/nsbuild")
    #expect(StateDirectory.forCaller(euid: 1000, environment: []).path == "/run/user/1000/nsbuild")
    #expect(
      StateDirectory.forCaller(euid: 1000, environment: ["XDG_RUNTIME_DIR=relative"]).path == "/run/user/1000/nsbuild")
  }

  @Test func theStateFolderCanBeGiven() {
    #expect(StateDirectory.forCaller(euid: 0, environment: ["NSBUILD_STATE_DIR=/tmp/s"]).path == "/tmp/s")
    #expect(StateDirectory.forCaller(euid: 0, environment: ["NSBUILD_STATE_DIR=rel"]).path == "/run/nsbuild")
  }

  /// proc(5)'s starttime, counted after the command name, which may hold spaces and parentheses.
  @Test func aProcessIsKnownByItsStartTime() throws {
    let line = "1234 (a (b) c) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 200"
    #expect(ProcessIdentity.startTime(fromStat: Array(line.utf8)) == 987654)
    #expect(ProcessIdentity.startTime(fromStat: Array("1 (x) S 1".utf8)) == nil)
    let host = FakeHost()
    host.files["/proc/1234/stat"] = line
    #expect(ProcessIdentity.current(of: 1234, reader: host) == ProcessIdentity(pid: 1234, startTime: 987654))
    #expect(ProcessIdentity(pid: 1234, startTime: 987654).isAlive(reader: host))
    #expect(!ProcessIdentity(pid: 1234, startTime: 5).isAlive(reader: host), "a recycled pid")
    #expect(!ProcessIdentity(pid: 99, startTime: 987654).isAlive(reader: host))
  }

  @Test func aRecordRoundTripsAndOtherVersionsAreRefused() throws {
    let plan = try Planner(spec: try exampleSpec("dev.toml"), state: GoldenPlanTests.state).plan()
    let record = SandboxRecord(
      name: try SandboxName(validating: "dev"), specPath: "/w/specs/dev.toml", specDigest: "00", createdAt: 1,
      appliedAt: 2, initProcess: ProcessIdentity(pid: 42, startTime: 9), namespaceIDs: ["net": "net:[1]"],
      ownerUID: 0, plan: plan)
    let bytes = try record.encoded()
    #expect(try SandboxRecord.decode(bytes) == record)
    #expect(String(decoding: bytes, as: UTF8.self).contains(#""name":"dev""#))
    let other = Array(
      String(decoding: bytes, as: UTF8.self).replacing(#""formatVersion":1"#, with: #""formatVersion":7"#).utf8)
    #expect(throws: SandboxRecordError.otherVersion(7)) { try SandboxRecord.decode(other) }
    #expect(throws: SandboxRecordError.self) { try SandboxRecord.decode(Array("{}".utf8)) }
  }

  /// `pasta` is additive: a record with it keeps it, one written before it (no key) loads with none.
  @Test func pastaIsKeptAndOlderRecordsLoadWithout() throws {
    let plan = try Planner(spec: try exampleSpec("dev.toml"), state: GoldenPlanTests.state).plan()
    var record = SandboxRecord(
      name: try SandboxName(validating: "dev"), specPath: "/w/specs/dev.toml", specDigest: "00", createdAt: 1,
      appliedAt: 2, initProcess: ProcessIdentity(pid: 42, startTime: 9), namespaceIDs: [:], ownerUID: 0, plan: plan)
    let older = try record.encoded()
    #expect(!String(decoding: older, as: UTF8.self).contains(#""pasta""#))
    #expect(try SandboxRecord.decode(older).pasta == nil)
    record.pasta = ProcessIdentity(pid: 77, startTime: 123)
    let bytes = try record.encoded()
    #expect(String(decoding: bytes, as: UTF8.self).contains(#""pasta":{"pid":77,"startTime":123}"#))
    #expect(try SandboxRecord.decode(bytes).pasta == ProcessIdentity(pid: 77, startTime: 123))
  }
}
