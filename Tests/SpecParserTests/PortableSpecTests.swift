import Testing

@testable import SpecParser

/// `${NAME}` substitution, `..` in host paths and `~`: what a spec used on many machines may write.
@Suite struct PortableSpecTests {
  static let variables = SpecVariables(
    home: "/home/ann", user: "ann", uid: 1000, gid: 1000, projectRoot: "/srv/repo")

  static func decode(_ text: String, variables: SpecVariables = variables) -> SpecCheck {
    SpecDecoder.decode(source: Array(text.utf8), file: "s.toml", directory: "/srv/repo/ci", variables: variables)
  }

  static func bind(source: String, target: String = "/work") -> String {
    """
    version = 1
    [namespaces]
    unshare = ["mount"]
    [[mounts]]
    type = "bind"
    source = \(source)
    target = "\(target)"
    """
  }

  @Test(arguments: [
    ("\"${HOME}/src\"", "/home/ann/src"), ("\"${SPEC_DIR}/..\"", "/srv/repo"), ("\"..\"", "/srv/repo"),
    ("\"../../..\"", "/"), ("'${PROJECT_ROOT}/build/../out'", "/srv/repo/out"), ("\"/srv/x/${USER}\"", "/srv/x/ann"),
    ("\"/n/${UID}-${GID}\"", "/n/1000-1000"), ("\"/a/$$b\"", "/a/$b"), ("\"/a/b$\"", "/a/b$"),
  ])
  func hostPathsResolve(written: String, expected: String) throws {
    let check = Self.decode(Self.bind(source: written))
    #expect(check.diagnostics.filter { $0.severity == .error }.map(\.message) == [])
    #expect(try #require(check.spec).mounts.first?.source == expected)
  }

  @Test func substitutionsAreRecordedWithTheirPlace() throws {
    let spec = try #require(Self.decode(Self.bind(source: "\"${HOME}/src\"")).spec)
    #expect(spec.substitutions.map(\.written) == ["${HOME}/src"])
    #expect(spec.substitutions.map(\.resolved) == ["/home/ann/src"])
    #expect(spec.substitutions.first?.range.start.line == 6)
    #expect(spec.substitutions.first?.range.start.column == 10)
  }

  @Test func environmentValuesAreSubstitutedAndKeepALoneDollar() throws {
    let text = """
      version = 1
      [process]
      env = { SRC = "${PROJECT_ROOT}/src", PS1 = "$ ", PRICE = "$$5", LITERAL = "$HOME" }
      """
    let spec = try #require(Self.decode(text).spec)
    #expect(
      spec.process.env == [
        EnvironmentVariable("SRC", "/srv/repo/src"), EnvironmentVariable("PS1", "$ "),
        EnvironmentVariable("PRICE", "$5"), EnvironmentVariable("LITERAL", "$HOME"),
      ])
  }

  @Test func sandboxPathsStillRefuseParentComponents() {
    let check = Self.decode(Self.bind(source: "\"..\"", target: "/work/../etc"))
    #expect(check.diagnostics.filter { $0.severity == .error }.map(\.message) == ["`target` contains '..'"])
  }

  /// Each mistake, with the exact place of the reference it is about.
  @Test(arguments: [
    BrokenSpec(
      name: "unknown variable", text: bind(source: "\"/x/${HOMR}/src\""),
      message: "unknown variable `${HOMR}` in `source`", line: 6, column: 14, hint: "did you mean ${HOME}?"),
    BrokenSpec(
      name: "unknown variable in a literal string", text: bind(source: "'${SPECDIR}'"),
      message: "unknown variable `${SPECDIR}` in `source`", line: 6, column: 11, hint: "did you mean ${SPEC_DIR}?"),
    BrokenSpec(
      name: "unclosed reference", text: bind(source: "\"/a/${HOME\""),
      message: "`${` in `source` is not closed by `}`", line: 6, column: 14),
    BrokenSpec(
      name: "shell-style reference", text: bind(source: "\"$HOME/src\""),
      message: "`$HOME` in `source` is not substituted: nsbuild reads only ${NAME}", line: 6, column: 11,
      hint: "write ${HOME}, or $$ for a literal $"),
    BrokenSpec(
      name: "tilde", text: bind(source: "\"~/src\""),
      message: "`source` starts with '~', which nsbuild does not expand", line: 6, column: 10,
      hint: "use ${HOME}: \"${HOME}/src\""),
    BrokenSpec(
      name: "bare tilde", text: bind(source: "\"~\""),
      message: "`source` starts with '~', which nsbuild does not expand", line: 6, column: 10,
      hint: "use ${HOME}: \"${HOME}\""),
    BrokenSpec(
      name: "another user's tilde", text: bind(source: "\"~bob/src\""),
      message: "`source` starts with '~', which nsbuild does not expand", line: 6, column: 10,
      hint: "use ${HOME} for your own home folder, or write the absolute path"),
    BrokenSpec(
      name: "tilde in a sandbox path", text: bind(source: "\"/src\"", target: "~/work"),
      message: "`target` starts with '~', which nsbuild does not expand", line: 7, column: 10),
    BrokenSpec(
      name: "unknown variable in env", text: "version = 1\n[process]\nenv = { A = \"x:${PATH}\" }\n",
      message: "unknown variable `${PATH}` in `env.A`", line: 3, column: 16),
    BrokenSpec(
      name: "escaped string falls back to the value", text: bind(source: "\"\\t${NOPE}\""),
      message: "unknown variable `${NOPE}` in `source`", line: 6, column: 10),
  ])
  func mistakesAreReportedAtTheirPlace(_ broken: BrokenSpec) throws {
    let errors = Self.decode(broken.text).diagnostics.filter { $0.severity == .error }
    #expect(errors.count == 1, "\(errors.map(\.message))")
    let error = try #require(errors.first)
    #expect(error.message == broken.message)
    #expect((error.range.start.line, error.range.start.column) == (broken.line, broken.column))
    if let hint = broken.hint { #expect(error.hint == hint) }
  }

  @Test func aVariableWithoutAValueSaysWhy() throws {
    let check = Self.decode(Self.bind(source: "\"${HOME}/x\""), variables: SpecVariables(uid: 0, gid: 0))
    let error = try #require(check.diagnostics.first { $0.severity == .error })
    #expect(error.code == "unset-variable")
    #expect(error.message == "`${HOME}` in `source` has no value here: HOME is not set in nsbuild's environment")
    #expect((error.range.start.column, error.range.end.column) == (11, 18))
  }

  @Test func projectRootWithoutGitSaysSo() {
    let check = Self.decode(Self.bind(source: "\"${PROJECT_ROOT}\""), variables: SpecVariables())
    #expect(
      check.diagnostics.filter { $0.severity == .error }.map(\.message) == [
        "`${PROJECT_ROOT}` in `source` has no value here: no folder at or above the spec's folder holds `.git`"
      ])
  }
}
