import Testing

@testable import SpecParser

/// One broken spec and the one diagnostic it must give: message, line and column.
struct BrokenSpec: Sendable, CustomTestStringConvertible {
  var name: String
  var text: String
  var message: String
  var line: Int
  var column: Int
  var hint: String? = nil
  var testDescription: String { name }
}

@Suite struct DiagnosticTests {
  static let header = "version = 1\n"

  static let cases: [BrokenSpec] = [
    BrokenSpec(
      name: "unknown top-level key", text: header + "[namespace]\nunshare = [\"uts\"]\n",
      message: "unknown key 'namespace' at the top level", line: 2, column: 2, hint: "did you mean 'namespaces'?"),
    BrokenSpec(
      name: "unknown key in uts", text: header + "[namespaces]\nunshare = [\"uts\"]\n[uts]\nhostnme = \"x\"\n",
      message: "unknown key 'hostnme' in [uts]", line: 5, column: 1, hint: "did you mean 'hostname'?"),
    BrokenSpec(
      name: "unknown namespace", text: header + "[namespaces]\nunshare = [\"uts\", \"nett\"]\n",
      message: "unknown namespace 'nett'", line: 3, column: 19, hint: "did you mean 'net'?"),
    BrokenSpec(
      name: "namespace spelt out", text: header + "[namespaces]\nunshare = [\"network\"]\n",
      message: "unknown namespace 'network'", line: 3, column: 12, hint: "did you mean 'net'?"),
    BrokenSpec(
      name: "capability cut short", text: header + "[process]\ncapabilities = [\"CAP_NET_BIND\"]\n",
      message: "unknown capability 'CAP_NET_BIND'", line: 3, column: 17, hint: "did you mean 'CAP_NET_BIND_SERVICE'?"),
    BrokenSpec(
      name: "mnt suggests mount", text: header + "[namespaces]\nunshare = [\"mnt\"]\n",
      message: "unknown namespace 'mnt'", line: 3, column: 12, hint: "did you mean 'mount'?"),
    BrokenSpec(
      name: "namespace twice", text: header + "[namespaces]\nunshare = [\"uts\", \"uts\"]\n",
      message: "namespace 'uts' is listed twice (first at line 3)", line: 3, column: 19),
    BrokenSpec(
      name: "unshare not an array", text: header + "[namespaces]\nunshare = \"uts\"\n",
      message: "`unshare` must be an array of strings, not a string", line: 3, column: 11),
    BrokenSpec(
      name: "hostname needs uts", text: header + "[uts]\nhostname = \"box\"\n",
      message: "hostname needs the uts namespace", line: 3, column: 12,
      hint: "add \"uts\" to [namespaces] unshare"),
    BrokenSpec(
      name: "hostname not a string", text: header + "[namespaces]\nunshare = [\"uts\"]\n[uts]\nhostname = 42\n",
      message: "`hostname` must be a string, not an integer", line: 5, column: 12),
    BrokenSpec(
      name: "hostname with underscore", text: header + "[namespaces]\nunshare = [\"uts\"]\n[uts]\nhostname = \"a_b\"\n",
      message: "hostname 'a_b' contains '_'; RFC 1123 allows letters, digits, '-' and '.'", line: 5, column: 12),
    BrokenSpec(
      name: "size without unit",
      text: header
        + "[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/tmp\"\nsize = \"64\"\n",
      message: "`size` \"64\" is not a size", line: 7, column: 8),
    BrokenSpec(
      name: "size of wrong type",
      text: header
        + "[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/tmp\"\nsize = true\n",
      message: "`size` must be a string like \"64M\" or an integer of bytes, not a boolean", line: 7, column: 8),
    BrokenSpec(
      name: "decimal mode",
      text: header
        + "[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/tmp\"\nmode = 1777\n",
      message: "`mode` must be octal", line: 7, column: 8,
      hint: "write it as a string \"1777\" or as an octal literal 0o1777"),
    BrokenSpec(
      name: "unknown mount type",
      text: header + "[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"tmpfss\"\ntarget = \"/tmp\"\n",
      message: "unknown mount type 'tmpfss'", line: 5, column: 8, hint: "did you mean 'tmpfs'?"),
    BrokenSpec(
      name: "dotdot target",
      text: header + "[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/tmp/../etc\"\n",
      message: "`target` contains '..'", line: 6, column: 10),
    BrokenSpec(
      name: "name longer than NAME_MAX",
      text: header + "[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/tmp/"
        + String(repeating: "e", count: 300) + "\"\n",
      message: "`target` has a name of 300 bytes; the kernel takes at most 255 (NAME_MAX)", line: 6, column: 10),
    BrokenSpec(
      name: "bind without source",
      text: header + "[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"bind\"\ntarget = \"/x\"\n",
      message: "a bind mount needs a `source`", line: 4, column: 1),
    BrokenSpec(
      name: "mount without mount namespace", text: header + "[[mounts]]\ntype = \"proc\"\ntarget = \"/proc\"\n",
      message: "a mount needs the mount namespace", line: 2, column: 1),
    BrokenSpec(
      name: "unknown mount option",
      text: header
        + "[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"proc\"\ntarget = \"/proc\"\noptions = [\"nosiud\"]\n",
      message: "unknown mount option 'nosiud'", line: 7, column: 12, hint: "did you mean 'nosuid'?"),
    BrokenSpec(
      name: "realtime offset", text: header + "[namespaces]\nunshare = [\"time\"]\n[time]\nrealtime = 5\n",
      message: "the realtime clock cannot be offset", line: 5, column: 1),
    BrokenSpec(
      name: "bad duration", text: header + "[namespaces]\nunshare = [\"time\"]\n[time]\nmonotonic = \"5 parsecs\"\n",
      message: "`monotonic` is not a duration the kernel can take", line: 5, column: 13),
    BrokenSpec(
      name: "zero count",
      text: header
        + "[namespaces]\nunshare = [\"user\"]\n[user]\nuid_map = [{ inside = 0, outside = 1000, count = 0 }]\n",
      message: "`count` must be at least 1", line: 5, column: 50),
    BrokenSpec(
      name: "empty args", text: header + "[process]\nargs = []\n",
      message: "`args` is empty", line: 3, column: 8),
    BrokenSpec(
      name: "wrong version", text: "version = 2\n", message: "spec version 2 is not supported", line: 1, column: 11),
    BrokenSpec(
      name: "missing version", text: "[process]\nargs = [\"true\"]\n",
      message: "missing `version` at the top of the spec", line: 1, column: 1),
    BrokenSpec(
      name: "domainname with a control character",
      text: header + "[namespaces]\nunshare = [\"uts\"]\n[uts]\ndomainname = \"a\\u0007b\"\n",
      message: "domainname contains a control character (U+7)", line: 5, column: 14),
    BrokenSpec(
      name: "hostname too long, with a label too long",
      text: header + "[namespaces]\nunshare = [\"uts\"]\n[uts]\nhostname = \"" + String(repeating: "a", count: 65)
        + "\"\n",
      message: "hostname '" + String(repeating: "a", count: 65)
        + "' is 65 bytes; the kernel allows at most 64, and has a label longer than 63 bytes",
      line: 5,
      column: 12),
    BrokenSpec(
      name: "overlapping uid_map",
      text: header
        + "[namespaces]\nunshare = [\"user\"]\n[user]\nuid_map = [{ inside = 0, outside = 1000, count = 10 }, { inside = 5, outside = 5000, count = 10 }]\n",
      message: "uid_map entry 2 overlaps entry 1 (line 5, column 12) inside the namespace", line: 5, column: 56),
    BrokenSpec(
      name: "map ID too large",
      text: header
        + "[namespaces]\nunshare = [\"user\"]\n[user]\nuid_map = [{ inside = 0, outside = 4294967295, count = 1 }]\n",
      message: "`outside` must be from 0 to 4294967294, not 4294967295", line: 5, column: 36),
    BrokenSpec(
      name: "map needs user namespace",
      text: header + "[user]\nuid_map = [{ inside = 0, outside = 0, count = 1 }]\n",
      message: "uid_map needs the user namespace", line: 3, column: 11),
    BrokenSpec(
      name: "setgroups misspelt",
      text: header + "[namespaces]\nunshare = [\"user\"]\n[user]\nsetgroups = \"denny\"\n",
      message: "setgroups must be \"allow\" or \"deny\", not 'denny'", line: 5, column: 13, hint: "did you mean 'deny'?"
    ),
    BrokenSpec(
      name: "offset needs time namespace", text: header + "[time]\nmonotonic = 5\n",
      message: "a monotonic offset needs the time namespace", line: 3, column: 13),
    BrokenSpec(
      name: "offset beyond the kernel's limit",
      text: header + "[namespaces]\nunshare = [\"time\"]\n[time]\nboottime = \"100000d\"\n",
      message: "`boottime` offset of 8640000000 s is beyond the kernel's limit of ±4611686018 s", line: 5, column: 12),
    BrokenSpec(
      name: "relative target resolving fine but tmpfs on root",
      text: header + "[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/\"\n",
      message: "a mount cannot replace '/'", line: 6, column: 10),
    BrokenSpec(
      name: "source on a tmpfs",
      text: header
        + "[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/t\"\nsource = \"/x\"\n",
      message: "`source` does not apply to a tmpfs mount", line: 7, column: 1),
    BrokenSpec(
      name: "mode too large",
      text: header
        + "[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/t\"\nmode = 0o77777\n",
      message: "`mode` 0o77777 is larger than 0o7777", line: 7, column: 8),
    BrokenSpec(
      name: "unknown capability",
      text: header + "[process]\ncapabilities = [\"CAP_NET_BIND_SERVIC\"]\n",
      message: "unknown capability 'CAP_NET_BIND_SERVIC'", line: 3, column: 17,
      hint: "did you mean 'CAP_NET_BIND_SERVICE'?"),
    BrokenSpec(
      name: "unknown rlimit", text: header + "[process]\nrlimits = { nofiles = 10 }\n",
      message: "unknown resource limit 'nofiles'", line: 3, column: 13, hint: "did you mean 'nofile'?"),
    BrokenSpec(
      name: "unlimited soft above a hard limit",
      text: header + "[process]\nrlimits = { nofile = { soft = \"unlimited\", hard = 100 } }\n",
      message: "the soft limit is above the hard limit", line: 3, column: 22),
    BrokenSpec(
      name: "overlay lower twice",
      text: header + "[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"overlay\"\ntarget = \"/o\"\n"
        + "lower = [\"/usr\", \"/usr/\"]\nupper = \"tmpfs\"\n",
      message: "overlay lower '/usr' is listed twice", line: 7, column: 18),
    BrokenSpec(
      name: "empty overlay lower",
      text: header + "[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"overlay\"\ntarget = \"/o\"\n"
        + "lower = []\nupper = \"tmpfs\"\n",
      message: "an overlay needs at least one `lower` directory", line: 7, column: 9),
    BrokenSpec(
      name: "overlay upper on a read-only host tree",
      text: header + "[namespaces]\nunshare = [\"mount\"]\n[root]\nreadonly = true\n[[mounts]]\ntype = \"overlay\"\n"
        + "target = \"/o\"\nlower = [\"/usr\"]\nupper = \"/srv/up\"\nwork = \"/srv/work\"\n",
      message: "the overlay's upper folder is read-only here: [root] readonly makes the host's tree read-only",
      line: 10, column: 9, hint: "use upper = \"tmpfs\", or leave [root] readonly out"),
    BrokenSpec(
      name: "a file in a read-only bind",
      text: header
        + "[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"bind\"\nsource = \"/srv\"\ntarget = \"/w\"\n"
        + "options = [\"ro\"]\n[[files]]\ntype = \"file\"\npath = \"/w/note\"\n",
      message: "/w/note lies in the read-only bind of /srv on /w", line: 9, column: 1,
      hint: "write it elsewhere, or drop `ro` from that bind"),
    BrokenSpec(
      name: "relative cwd in a new root",
      text: header + "[namespaces]\nunshare = [\"mount\"]\n[root]\ntype = \"tmpfs\"\n[process]\ncwd = \"work\"\n",
      message: "a relative `cwd` resolves against the spec's folder on the host, which the new root does not hold",
      line: 7, column: 7, hint: "write the path inside the new root as an absolute path, such as \"/work\""),
    BrokenSpec(
      name: "two atime modes",
      text: header + "[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/t\"\n"
        + "options = [\"noatime\", \"strictatime\"]\n",
      message: "a mount takes one atime mode, not `noatime` and `strictatime`", line: 7, column: 11,
      hint: "keep one of relatime, noatime and strictatime"),
    BrokenSpec(
      name: "unmapped process uid",
      text: header
        + "[namespaces]\nunshare = [\"user\"]\n[user]\nuid_map = [{ inside = 0, outside = 1000, count = 10 }]\n"
        + "[process]\nuid = 70000\n",
      message: "`uid` 70000 is not mapped in the new user namespace (uid_map maps 0–9 inside)", line: 7, column: 7,
      hint: "pick an ID the map covers, or add a uid_map entry for it"),
    BrokenSpec(
      name: "groups with setgroups deny",
      text: header + "[namespaces]\nunshare = [\"user\"]\n[user]\nsetgroups = \"deny\"\n[process]\ngroups = [0]\n",
      message: "`groups` cannot be set with setgroups = \"deny\": setgroups(2) fails (EPERM)", line: 7, column: 10,
      hint: "set [user] setgroups = \"allow\" (needs a privileged caller), or leave `groups` out"),
    BrokenSpec(
      name: "unmapped tmpfs owner",
      text: header
        + "[namespaces]\nunshare = [\"user\", \"mount\"]\n[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/t\"\nuid = 1000\n",
      message: "tmpfs owner `uid` 1000 is not mapped in the new user namespace (uid_map maps 0 inside)", line: 7,
      column: 7, hint: "pick an ID the map covers, or add a uid_map entry for it"),
    BrokenSpec(
      name: "soft above hard", text: header + "[process]\nrlimits = { nofile = { soft = 20, hard = 10 } }\n",
      message: "the soft limit is above the hard limit", line: 3, column: 22),
    BrokenSpec(
      name: "files entry without path",
      text: header + "[namespaces]\nunshare = [\"mount\"]\n[[files]]\ntype = \"dir\"\n",
      message: "a files entry needs a `path`", line: 4, column: 1),
    BrokenSpec(
      name: "symlink without link",
      text: header + "[namespaces]\nunshare = [\"mount\"]\n[[files]]\ntype = \"symlink\"\npath = \"/x\"\n",
      message: "a symlink needs a `link` (what it points to)", line: 4, column: 1),
    BrokenSpec(
      name: "overlay without lower",
      text: header
        + "[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"overlay\"\ntarget = \"/o\"\nupper = \"tmpfs\"\n",
      message: "an overlay needs at least one `lower` directory", line: 4, column: 1),
    BrokenSpec(
      name: "read-only overlay with one lower",
      text: header
        + "[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"overlay\"\ntarget = \"/o\"\nlower = [\"/a\"]\n",
      message: "a read-only overlay (no `upper`) needs at least two `lower` directories", line: 7, column: 9),
    BrokenSpec(
      name: "root propagation shared",
      text: header + "[namespaces]\nunshare = [\"mount\"]\n[root]\npropagation = \"shared\"\n",
      message: "the root's propagation must be \"private\" or \"slave\"", line: 5, column: 15),
    BrokenSpec(
      name: "work with a tmpfs upper",
      text: header
        + "[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"overlay\"\ntarget = \"/o\"\nlower = [\"/a\"]\nupper = \"tmpfs\"\nwork = \"/w\"\n",
      message: "`work` applies to an upper directory, not to upper = \"tmpfs\"", line: 9, column: 1),
    BrokenSpec(
      name: "work is the upper folder",
      text: header
        + "[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"overlay\"\ntarget = \"/o\"\nlower = [\"/a\"]\nupper = \"/u\"\nwork = \"/u\"\n",
      message: "`work` must be a folder of its own, not the upper folder", line: 9, column: 8),
    BrokenSpec(
      name: "two files entries on one path",
      text: header
        + "[namespaces]\nunshare = [\"mount\"]\n[[files]]\ntype = \"dir\"\npath = \"/x\"\n[[files]]\ntype = \"file\"\npath = \"/x\"\n",
      message: "/x is already created by the [[files]] entry at line 4", line: 7, column: 1),
    BrokenSpec(
      name: "mqueue in a user namespace without ipc",
      text: header
        + "[namespaces]\nunshare = [\"user\", \"mount\"]\n[[mounts]]\ntype = \"mqueue\"\ntarget = \"/dev/mqueue\"\n",
      message: "a mqueue mount in a user namespace needs the ipc namespace (the kernel refuses it otherwise)", line: 4,
      column: 1),
    BrokenSpec(
      name: "duplicate TOML key", text: header + "[process]\nargs = [\"a\"]\nargs = [\"b\"]\n",
      message: "duplicate key 'args' (first defined at line 3)", line: 4, column: 1),
    BrokenSpec(
      name: "TOML syntax error", text: header + "[uts\nhostname = 1\n",
      message: "expected ']' to close the table header, found newline", line: 2, column: 5),
  ]

  @Test(arguments: cases)
  func brokenSpecGivesOneExactError(_ broken: BrokenSpec) throws {
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

  @Test func everyErrorIsReportedInOnePass() {
    let text = """
      version = 1
      [namespaces]
      unshare = ["uts", "bogus", "user"]
      [uts]
      hostnam = "x"
      [[mounts]]
      type = "tmpfs"
      target = "/tmp"
      """
    let check = decode(text)
    let messages = check.diagnostics.map(\.message)
    #expect(
      messages == [
        "unknown namespace 'bogus'", "unknown key 'hostnam' in [uts]", "a mount needs the mount namespace",
      ])
  }

  @Test func rendererShowsLineAndCaret() {
    let text = "version = 1\n[namespaces]\nunshare = [\"uts\", \"user\"]\n[uts]\nhostnme = \"x\"\n"
    let check = decode(text)
    let rendered = DiagnosticRenderer(color: false).render(check.diagnostics, source: Array(text.utf8))
    #expect(
      rendered == """
        sandbox.toml:5:1: error: unknown key 'hostnme' in [uts]
         5 | hostnme = "x"
           | ^~~~~~~
           = help: did you mean 'hostname'?

        """)
  }

  @Test func durationErrorsSayWhatIsWrong() {
    func message(_ value: String) -> [String] {
      decode("version = 1\n[namespaces]\nunshare = [\"time\", \"user\"]\n[time]\nmonotonic = \(value)\n").diagnostics
        .map {
          $0.message + ($0.hint.map { " (\($0))" } ?? "")
        }
    }
    #expect(
      message("\"10y\"") == [
        "`monotonic` has an unknown unit 'y' (units: ns, us, ms, s, m, h, d (e.g. \"90s\", \"-2h\", \"1h30m\"))"
      ])
    #expect(message("\"1H\"") == ["`monotonic` has an unknown unit 'H' (did you mean 'h'? units are lower case)"])
    #expect(message("\"100000000d\"") == ["`monotonic` is beyond the kernel's limit of ±4611686018 s"])
    #expect(message("-9223372036854775808") == ["`monotonic` is beyond the kernel's limit of ±4611686018 s"])
    for repeated in ["\"1m1m\"", "\"1s1h\""] {
      #expect(message(repeated).first?.hasPrefix("`monotonic` is not a duration the kernel can take (") == true)
    }
    #expect(
      decode("version = 1\n[namespaces]\nunshare = [\"time\"]\n[time]\nmonotonic = \"1.5h\"\n").spec?.time.monotonic
        == ClockOffset(seconds: 5400))
  }

  @Test func everyProblemOfOneMapLineIsReported() {
    let check = decode(
      "version = 1\n[namespaces]\nunshare = [\"user\"]\n[user]\nuid_map = [{ inside = 0, outside = -5, count = 0 }]\n")
    #expect(
      check.diagnostics.map(\.message) == [
        "`outside` must be from 0 to 4294967294, not -5", "`count` must be at least 1",
      ])
  }

  @Test func capabilitiesListedTwiceOrBesideALLAreWarnedAbout() {
    let header = "version = 1\n[namespaces]\nunshare = [\"pid\", \"user\"]\n[process]\ncapabilities = "
    let twice = decode(header + "[\"net_admin\", \"CAP_NET_ADMIN\"]\n")
    #expect(twice.spec?.process.capabilities.count == 1)
    #expect(twice.diagnostics.map(\.message) == ["capability CAP_NET_ADMIN is listed twice"])
    #expect(twice.diagnostics.first?.range.start.column == 30)
    let beside = decode(header + "[\"net_admin\", \"ALL\", \"CAP_NET_ADMIN\"]\n")
    #expect(beside.spec?.process.capabilities.count == Capability.all.count)
    #expect(
      beside.diagnostics.map(\.message) == ["\"ALL\" keeps every capability: the other names in this list add nothing"])
  }

  @Test func relativePathsResolveAgainstTheSpecFolder() throws {
    let text = """
      version = 1
      [namespaces]
      unshare = ["mount"]
      [[mounts]]
      type = "bind"
      source = "src"
      target = "/work//src/./x"
      """
    let spec = try #require(decode(text, directory: "/home/me/project").spec)
    #expect(spec.mounts.first?.source == "/home/me/project/src")
    #expect(spec.mounts.first?.target == "/work/src/x")
  }

  @Test func durationsAcceptUnitsAndSeconds() throws {
    let text = """
      version = 1
      [namespaces]
      unshare = ["time"]
      [time]
      monotonic = "-1h30m"
      boottime = 1.5
      """
    let spec = try #require(decode(text).spec)
    #expect(spec.time.monotonic == ClockOffset(seconds: -5400, nanoseconds: 0))
    #expect(spec.time.boottime == ClockOffset(seconds: 1, nanoseconds: 500_000_000))
  }
}

@Suite struct RendererSafetyTests {
  @Test func escapeSequencesInASpecNeverReachTheTerminal() {
    let text = "version = 1\n[uts]\n\"\u{1B}]0;pwned\u{07}\" = 1\n"
    let check = decode(text)
    let rendered = DiagnosticRenderer(color: false).render(check.diagnostics, source: Array(text.utf8))
    #expect(!check.diagnostics.isEmpty)
    #expect(!rendered.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{07}" })
    #expect(rendered.contains("\u{FFFD}]0;pwned\u{FFFD}"))
  }

  /// A long message keeps its start (where) and its end (what went wrong, such as an errno), cut in between.
  @Test func longMessagesAreCutInTheMiddle() {
    let message = "step 7/16 mount tmpfs on /" + String(repeating: "e", count: 5000) + ": mkdirat(2): ENAMETOOLONG"
    let printed = DiagnosticRenderer.printable(message)
    #expect(printed.hasPrefix("step 7/16 mount tmpfs on /eee"))
    #expect(printed.hasSuffix("eee: mkdirat(2): ENAMETOOLONG"))
    #expect(printed.unicodeScalars.count == 401)
    #expect(DiagnosticRenderer.printable("short \u{1B}[2J") == "short \u{FFFD}[2J")
  }
}
