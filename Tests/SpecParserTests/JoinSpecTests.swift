import Testing

@testable import SpecParser

/// `[namespaces] join`: what it accepts, in which order it keeps it, and where it points at each mistake.
@Suite struct JoinSpecTests {
  static let header = "version = 1\n[namespaces]\n"

  @Test func validJoinsDecode() throws {
    let check = decode(
      Self.header
        + "unshare = [\"mount\"]\njoin = { uts = \"web\", net = \"/run//netns/./x\", user = \"/proc/12/ns/user\" }\n")
    let spec = try #require(check.spec, "\(check.diagnostics.map(\.message))")
    #expect(
      spec.joins == [
        NamespaceJoin(.user, target: .path("/proc/12/ns/user")), NamespaceJoin(.net, target: .path("/run/netns/x")),
        NamespaceJoin(.uts, target: .sandbox(name: "web")),
      ])
    #expect(spec.origins["namespaces.join.uts"]?.start == SourceLocation(line: 4, column: 16, offset: 60))
    #expect(spec.join(of: .net)?.target == .path("/run/netns/x"))
    #expect(spec.join(of: .ipc) == nil)
  }

  @Test func joiningWithoutUnsharingIsNotWarnedAboutAsHostNamespaces() throws {
    let check = decode(Self.header + "join = { net = \"pod\" }\n")
    #expect(check.spec != nil)
    #expect(!check.diagnostics.contains { $0.code == "no-namespaces" })
  }

  static let broken: [BrokenSpec] = [
    BrokenSpec(
      name: "unknown namespace key", text: header + "join = { nett = \"pod\" }\n",
      message: "unknown namespace 'nett' in [namespaces.join]", line: 3, column: 10, hint: "did you mean 'net'?"),
    BrokenSpec(
      name: "mnt key suggests mount", text: header + "join = { mnt = \"pod\" }\n",
      message: "unknown namespace 'mnt' in [namespaces.join]", line: 3, column: 10, hint: "did you mean 'mount'?"),
    BrokenSpec(
      name: "both unshared and joined", text: header + "unshare = [\"net\", \"uts\"]\njoin = { uts = \"pod\" }\n",
      message: "namespace 'uts' is both unshared (line 3) and joined", line: 4, column: 16,
      hint: "remove \"uts\" from [namespaces] unshare to join it, or this entry to make a new one"),
    BrokenSpec(
      name: "name with a capital", text: header + "join = { net = \"Pod\" }\n",
      message:
        "'Pod' is neither a sandbox name nor an absolute path: a name has lower-case letters, digits, '-', '_' and '.', starting with a letter or digit (position 1 is not)",
      line: 3, column: 16),
    BrokenSpec(
      name: "relative path", text: header + "join = { net = \"run/netns/x\" }\n",
      message:
        "'run/netns/x' is neither a sandbox name nor an absolute path: a name has lower-case letters, digits, '-', '_' and '.', starting with a letter or digit (position 4 is not)",
      line: 3, column: 16),
    BrokenSpec(
      name: "empty value", text: header + "join = { ipc = \"\" }\n",
      message: "'' is neither a sandbox name nor an absolute path: it is empty", line: 3, column: 16),
    BrokenSpec(
      name: "parent component", text: header + "join = { net = \"/run/netns/../x\" }\n",
      message: "join path '/run/netns/../x' has a `..` component", line: 3, column: 16),
    BrokenSpec(
      name: "not a string", text: header + "join = { net = 5 }\n",
      message: "`net` must be a sandbox name or an absolute path, not an integer", line: 3, column: 16),
    BrokenSpec(
      name: "not a table", text: header + "join = \"pod\"\n",
      message: "`join` must be a table, not a string", line: 3, column: 8),
  ]

  @Test(arguments: broken)
  func brokenJoinGivesOneExactError(_ broken: BrokenSpec) throws {
    let check = decode(broken.text)
    #expect(check.spec == nil)
    let errors = check.diagnostics.filter { $0.severity == .error }
    #expect(errors.count == 1, "\(errors.map(\.message))")
    let error = try #require(errors.first)
    #expect(error.message == broken.message)
    #expect(error.range.start.line == broken.line)
    #expect(error.range.start.column == broken.column)
    if let hint = broken.hint { #expect(error.hint == hint) }
  }

  @Test func theNameRuleIsTheSandboxNamesOwn() {
    #expect(SandboxNameSyntax.problem(in: "web-1") == nil)
    #expect(SandboxNameSyntax.problem(in: String(repeating: "a", count: 64)) == .tooLong(count: 64))
    #expect(SandboxNameSyntax.problem(in: "_x") == .badCharacter(offset: 0))
  }
}

extension JoinSpecTests {
  @Test func settingUpAJoinedNamespaceIsRefusedWithTheReason() throws {
    let check = decode(Self.header + "join = { uts = \"pod\" }\n[uts]\nhostname = \"x\"\n")
    let error = try #require(check.diagnostics.first { $0.severity == .error })
    #expect(
      error.message
        == "hostname needs a new uts namespace: the joined one is sandbox 'pod''s, which this sandbox does not set up")
    #expect(error.range.start.line == 5)
  }

  @Test func aProcMountInAJoinedPidNamespaceIsNotTakenForTheHosts() throws {
    let check = decode(
      Self.header
        + "unshare = [\"mount\"]\njoin = { pid = \"/proc/9/ns/pid\" }\n[[mounts]]\ntype = \"proc\"\ntarget = \"/proc\"\n"
    )
    #expect(check.spec != nil, "\(check.diagnostics.map(\.message))")
    #expect(!check.diagnostics.contains { $0.code == "proc-without-pid" })
  }
}
