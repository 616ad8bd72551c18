import Testing

@testable import SpecParser

/// `--set`, `--env` and `--bind`: read into the spec's TOML after the file, through the same rules, with the
/// command line as their origin.
@Suite struct SpecOverrideTests {
  static let text = """
    version = 1
    [namespaces]
    unshare = ["mount", "uts"]
    [uts]
    hostname = "box"
    [process]
    args = ["true"]
    env = { A = "1" }
    """

  static func decode(_ overrides: [SpecOverride], text: String = text) -> SpecCheck {
    SpecDecoder.decode(
      source: Array(text.utf8), file: "s.toml", directory: "/srv/p", variables: SpecVariables(home: "/home/ann"),
      overrides: overrides)
  }

  @Test func overridesReplaceAndAdd() throws {
    let check = Self.decode([
      SpecOverride(.set, "uts.hostname=ci"), SpecOverride(.set, "process.args=[\"sh\", \"-c\", \"id\"]"),
      SpecOverride(.set, "process.no_new_privs=false"), SpecOverride(.env, "A=2"), SpecOverride(.env, "B=${HOME}/x"),
      SpecOverride(.bind, "${HOME}/src:/src:ro"), SpecOverride(.bind, "..:/up"),
    ])
    let spec = try #require(check.spec, "\(check.diagnostics.map(\.message))")
    #expect(spec.uts.hostname == "ci")
    #expect(spec.process.args == ["sh", "-c", "id"])
    #expect(spec.process.noNewPrivs == false)
    #expect(spec.process.env == [EnvironmentVariable("A", "2"), EnvironmentVariable("B", "/home/ann/x")])
    #expect(spec.mounts.map(\.source) == ["/home/ann/src", "/srv"])
    #expect(spec.mounts.map(\.target) == ["/src", "/up"])
    #expect(spec.mounts.map(\.options) == [[.ro], []])
  }

  @Test func theirOriginsAreTheCommandLine() throws {
    let check = Self.decode([SpecOverride(.set, "uts.hostname=ci"), SpecOverride(.bind, "/a:/b")])
    let spec = try #require(check.spec)
    #expect(spec.origins["uts.hostname"]?.argument == 0)
    #expect(spec.origins["uts.hostname"].map { $0.place(in: "s.toml") } == "command line")
    #expect(spec.origins["mounts[0].source"]?.argument == 1)
    // What the file wrote keeps its own place.
    #expect(spec.origins["process.args"].map { $0.place(in: "s.toml") } == "s.toml:7:8")
    // The source diagnostics point into holds one line per override after the file's.
    #expect(
      check.source.map { String(decoding: $0, as: UTF8.self) } == Self.text + "\n--set uts.hostname=ci\n--bind /a:/b\n")
  }

  /// Each bad override, named with its flag and argument, at its place on that line.
  @Test(
    arguments: [
      (
        SpecOverride(.set, "uts.hostnme=x"), "`--set uts.hostnme=x`: unknown key 'hostnme' in [uts]", 11,
        "did you mean 'hostname'?"
      ),
      (
        SpecOverride(.set, "uts.hostname=1"), "`--set uts.hostname=1`: `hostname` must be a string, not an integer", 20,
        nil
      ),
      (SpecOverride(.set, "hostname"), "`--set hostname`: `--set` takes KEY=VALUE", 7, nil),
      (SpecOverride(.set, "uts..x=1"), "`--set uts..x=1`: `--set` key 'uts..x' is not a dotted key", 7, nil),
      (
        SpecOverride(.set, "process.args.x=1"),
        "`--set process.args.x=1`: `process.args` is not a table in the spec, so nothing can be set in it", 15, nil
      ),
      (SpecOverride(.env, "=x"), "`--env =x`: `--env` takes NAME=VALUE", 7, nil),
      (SpecOverride(.bind, "/a"), "`--bind /a`: `--bind` takes SOURCE:TARGET, then :ro or :rw if wanted", 8, nil),
      (
        SpecOverride(.bind, "/a:/b:rx"), "`--bind /a:/b:rx`: `--bind` takes SOURCE:TARGET, then :ro or :rw if wanted",
        8, nil
      ),
      (
        SpecOverride(.bind, "~/a:/b"), "`--bind ~/a:/b`: `source` starts with '~', which nsbuild does not expand", 8,
        "use ${HOME}: \"${HOME}/a\""
      ),
      (SpecOverride(.bind, "/a:/b/../c"), "`--bind /a:/b/../c`: `target` contains '..'", 11, nil),
      (
        SpecOverride(.env, "C=${HOMR}"), "`--env C=${HOMR}`: unknown variable `${HOMR}` in `env.C`", 9,
        "did you mean ${HOME}?"
      ),
    ] as [(SpecOverride, String, Int, String?)])
  func badOverridesAreNamed(override: SpecOverride, message: String, column: Int, hint: String?) throws {
    let errors = Self.decode([override]).diagnostics.filter { $0.severity == .error }
    #expect(errors.map(\.message) == [message])
    let error = try #require(errors.first)
    #expect(error.file == "command line")
    #expect(error.range.argument == 0)
    #expect(error.range.start.line == 9)
    #expect(error.range.start.column == column)
    if let hint { #expect(error.hint == hint) }
  }

  @Test func aDiagnosticShowsTheArgumentWithACaret() {
    let check = Self.decode([SpecOverride(.set, "uts.hostnme=x")])
    let errors = check.diagnostics.filter { $0.severity == .error }
    let text = DiagnosticRenderer(color: false).render(errors, source: check.source ?? [])
    #expect(
      text == """
        command line: error: `--set uts.hostnme=x`: unknown key 'hostnme' in [uts]
          | --set uts.hostnme=x
          |           ^~~~~~~
          = help: did you mean 'hostname'?

        """)
  }
}
