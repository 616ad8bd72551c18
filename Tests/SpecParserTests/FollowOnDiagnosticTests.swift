import Testing

@testable import SpecParser

/// One spec and every diagnostic it must give, in order: message, line and column.
struct SpecDiagnostics: Sendable, CustomTestStringConvertible {
  struct Expected: Sendable, Equatable, CustomStringConvertible {
    var message: String
    var line: Int
    var column: Int
    var description: String { "\(line):\(column): \(message)" }
  }
  var name: String
  var text: String
  var expected: [Expected]
  var testDescription: String { name }

  init(_ name: String, _ text: String, _ expected: [(String, Int, Int)]) {
    self.name = name
    self.text = text
    self.expected = expected.map { Expected(message: $0.0, line: $0.1, column: $0.2) }
  }
}

/// Diagnostics about entries that follow a rejected one, relative paths inside a new root, and ID maps with more
/// than one problem: each names its own place, every independent problem is reported, and none only repeats an
/// earlier one.
@Suite struct FollowOnDiagnosticTests {
  static let procWarning = "this proc mount shows the host's processes: `pid` is not unshared"
  static let dotDot = "`target` contains '..'"
  static let relativeTarget =
    "a relative `target` resolves against the spec's folder on the host, not against the new root's `/`"

  static let cases: [SpecDiagnostics] = [
    // Finding 4: the warning named the entry after the rejected one.
    SpecDiagnostics(
      "warning after a rejected mount points at its own entry",
      """
      version = 1
      [namespaces]
      unshare = ["user", "mount"]
      [[mounts]]
      type = "tmpfs"
      target = "a/../b"

      [[mounts]]
      type = "tmpfs"
      target = "/mnt/ok"

      [[mounts]]
      type = "proc"
      target = "/proc"
      """,
      [(dotDot, 6, 10), (procWarning, 12, 1)]),
    SpecDiagnostics(
      "warning after an element that is not a table points at its own column",
      """
      version = 1
      mounts = [1, { type = "tmpfs", target = "/t" }, { type = "proc", target = "/proc" }]
      [namespaces]
      unshare = ["user", "mount"]
      """,
      [
        ("`mounts` must be an array of tables; element 1 is an integer", 2, 11),
        (procWarning, 2, 49),
      ]),
    SpecDiagnostics(
      "tmpfs owner after a rejected mount is checked against its own line",
      """
      version = 1
      [namespaces]
      unshare = ["user", "mount"]
      [[mounts]]
      type = "tmpfs"
      [[mounts]]
      type = "tmpfs"
      target = "/a"
      uid = 7
      """,
      [
        ("mount needs a `target`", 4, 1),
        (
          "tmpfs owner `uid` 7 is not mapped in the new user namespace (uid_map maps 0 inside)", 9, 7
        ),
      ]),
    SpecDiagnostics(
      "duplicate file after a rejected one names both lines right",
      """
      version = 1
      [namespaces]
      unshare = ["user", "mount"]
      [root]
      type = "tmpfs"
      [[files]]
      type = "dir"
      path = "/x/../y"
      [[files]]
      type = "dir"
      path = "/z"
      [[files]]
      type = "dir"
      path = "/z"
      """,
      [
        ("`path` contains '..'", 8, 8),
        ("/z is already created by the [[files]] entry at line 9", 12, 1),
      ]),
    SpecDiagnostics(
      "files on the host's tree after a rejected one",
      """
      version = 1
      [namespaces]
      unshare = ["user", "mount"]
      [[files]]
      type = "socket"
      path = "/x"
      [[files]]
      type = "file"
      path = "/srv/note"
      """,
      [
        ("unknown type 'socket'", 5, 8),
        (
          "these [[files]] entries are written into the host's own tree and stay there after the sandbox ends: /srv/note",
          7, 1
        ),
      ]),
    // Finding 11: relative paths inside a new root are refused as `cwd` is.
    SpecDiagnostics(
      "relative mount target in a tmpfs root",
      """
      version = 1
      [namespaces]
      unshare = ["user", "mount"]
      [root]
      type = "tmpfs"
      [[mounts]]
      type = "tmpfs"
      target = "scratch"
      """,
      [(relativeTarget, 8, 10)]),
    SpecDiagnostics(
      "relative files path in a root folder",
      """
      version = 1
      [namespaces]
      unshare = ["user", "mount"]
      [root]
      path = "/srv/rootfs"
      [[files]]
      type = "file"
      path = './etc/motd'
      """,
      [
        (
          "a relative `path` resolves against the spec's folder on the host, not against the new root's `/`", 8,
          8
        )
      ]),
    SpecDiagnostics(
      "relative target after a rejected mount",
      """
      version = 1
      [namespaces]
      unshare = ["user", "mount"]
      [root]
      type = "tmpfs"
      [[mounts]]
      type = "tmpf"
      target = "/a"
      [[mounts]]
      type = "tmpfs"
      target = "b"
      """,
      [("unknown mount type 'tmpf'", 7, 8), (relativeTarget, 11, 10)]),
    SpecDiagnostics(
      "relative target of a rejected mount is reported too",
      """
      version = 1
      [namespaces]
      unshare = ["user", "mount"]
      [root]
      type = "tmpfs"
      [[mounts]]
      type = "tmpf"
      target = "a"
      """,
      [("unknown mount type 'tmpf'", 7, 8), (relativeTarget, 8, 10)]),
    SpecDiagnostics(
      "a target spelt with an escape is read as the value it is",
      """
      version = 1
      [namespaces]
      unshare = ["user", "mount"]
      [root]
      type = "tmpfs"
      [[mounts]]
      type = "tmpfs"
      target = "\\u002Fscratch"
      [[mounts]]
      type = "tmpfs"
      target = "\\u0073cratch"
      """,
      [(relativeTarget, 11, 10)]),
    SpecDiagnostics(
      "a cwd refused for '..' is not also called relative",
      """
      version = 1
      [namespaces]
      unshare = ["user", "mount"]
      [root]
      type = "tmpfs"
      [process]
      cwd = "a/../b"
      """,
      [("`cwd` contains '..'", 7, 7)]),
    // Finding 12: every independent map problem at once, none that only follows from another.
    SpecDiagnostics(
      "an out-of-range entry does not hide an overlap of two others",
      """
      version = 1
      [namespaces]
      unshare = ["user"]
      [user]
      uid_map = [{ inside = 0, outside = 1000, count = 4294967296 }, { inside = 0, outside = 2000, count = 2 },
        { inside = 1, outside = 3000, count = 1 }]
      """,
      [
        ("`count` must be from 1 to 4294967295, not 4294967296", 5, 50),
        ("uid_map entry 3 overlaps entry 2 (line 5, column 64) inside the namespace", 6, 3),
      ]),
    SpecDiagnostics(
      "a rejected map entry does not make the uid unmapped as well",
      """
      version = 1
      [namespaces]
      unshare = ["user"]
      [user]
      uid_map = [{ inside = 0, outside = 0, count = 4294967296 }]
      [process]
      uid = 4294967294
      gid = 0
      """,
      [("`count` must be from 1 to 4294967295, not 4294967296", 5, 47)]),
    SpecDiagnostics(
      "an ID that no rejected entry meant is still unmapped",
      """
      version = 1
      [namespaces]
      unshare = ["user"]
      [user]
      uid_map = [{ inside = 0, outside = -1, count = 10 }]
      [process]
      uid = 50
      gid = 0
      """,
      [
        ("`outside` must be from 0 to 4294967294, not -1", 5, 36),
        ("`uid` 50 is not mapped in the new user namespace (no entry of uid_map is valid)", 7, 7),
      ]),
    SpecDiagnostics(
      "an ID that a rejected entry meant is not called unmapped",
      """
      version = 1
      [namespaces]
      unshare = ["user"]
      [user]
      uid_map = [{ inside = 0, outside = 1000, count = 1 }, { inside = 1, outside = -1, count = 10 }]
      [process]
      uid = 5
      gid = 0
      """,
      [("`outside` must be from 0 to 4294967294, not -1", 5, 79)]),
    SpecDiagnostics(
      "a rejected gid_map entry leaves the uid check alone",
      """
      version = 1
      [namespaces]
      unshare = ["user"]
      [user]
      uid_map = [{ inside = 0, outside = "caller", count = 1 }]
      gid_map = [{ inside = 0, outside = "caller", count = 0 }]
      [process]
      uid = 5
      gid = 5
      """,
      [
        ("`count` must be at least 1", 6, 54),
        ("`uid` 5 is not mapped in the new user namespace (uid_map maps 0 inside)", 8, 7),
      ]),
    SpecDiagnostics(
      "overlaps on one line name each entry's column",
      """
      version = 1
      [namespaces]
      unshare = ["user"]
      [user]
      gid_map = [{ inside = 0, outside = 10, count = 5 }, { inside = 9, outside = 12, count = 1 }]
      """,
      [("gid_map entry 2 overlaps entry 1 (line 5, column 12) outside the namespace", 5, 53)]),
  ]

  @Test(arguments: cases)
  func diagnosticsNameTheirOwnPlace(_ spec: SpecDiagnostics) {
    let found = decode(spec.text).diagnostics.map {
      SpecDiagnostics.Expected(message: $0.message, line: $0.range.start.line, column: $0.range.start.column)
    }
    #expect(found == spec.expected)
  }

  /// On the host's tree a relative target is the spec's folder, which the sandbox sees at the same path.
  @Test func relativeTargetOnTheHostsTreeIsTheSpecFolder() throws {
    let text = "version = 1\n[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"tmpfs\"\ntarget = \"scratch\"\n"
    let check = decode(text, directory: "/home/me/project")
    #expect(!check.hasErrors, "\(check.diagnostics.map(\.message))")
    #expect(check.spec?.mounts.map(\.target) == ["/home/me/project/scratch"])
  }

  /// The hint spells the path as the new root would hold it.
  @Test func relativeTargetHintSuggestsTheAbsolutePath() throws {
    let text =
      "version = 1\n[namespaces]\nunshare = [\"mount\"]\n[root]\ntype = \"tmpfs\"\n[[mounts]]\ntype = \"tmpfs\"\ntarget = \"./var//cache/\"\n"
    let error = try #require(decode(text).diagnostics.first { $0.code == "relative-path" })
    #expect(error.hint == "write the path inside the new root as an absolute path, such as \"/var/cache\"")
  }

  /// The planner finds each mount's line by its index in the decoded spec, so the origins must follow the entries
  /// the decoder kept.
  @Test func originsFollowTheDecodedEntries() throws {
    let text = """
      version = 1
      [namespaces]
      unshare = ["mount"]
      [[mounts]]
      type = "bogus"
      target = "/a"
      [[mounts]]
      type = "tmpfs"
      target = "/b"
      size = "1M"
      """
    let check = decode(text)
    #expect(check.hasErrors)
    // The failed check has no spec; decode the kept part alone to compare.
    let mounts = SpecDecoderProbe.decodedOrigins(text)
    #expect(mounts["mounts[0]"]?.start.line == 7)
    #expect(mounts["mounts[0].size"]?.start.line == 10)
    #expect(mounts["mounts[1]"] == nil)
    #expect(mounts["mounts[0].type"]?.start.line == 8)
  }
}

/// The origins the decoder records for a spec, errors or not (a failed check returns no spec to read them from).
enum SpecDecoderProbe {
  static func decodedOrigins(_ text: String) -> [SpecKeyPath: SourceRange] {
    let source = Array(text.utf8)
    guard let root = try? TOMLParser.parse(source) else { return [:] }
    let context = DecodeContext(sink: DiagnosticSink(file: "probe.toml", limit: 0), source: source, directory: "/w")
    let start = SourceRange(at: SourceLocation(line: 1, column: 1, offset: 0))
    _ = SpecSections(context: context).decodeRoot(TableReader(table: root, path: "", range: start, context: context))
    return context.origins
  }
}
