import Testing

@testable import SpecParser

/// `check` says what a spec does to the host: a command that is host root, an unprotected proc for it, and
/// `[[files]]` written onto the host's own tree.
@Suite struct HostTreeRulesTests {
  func warnings(_ text: String, code: String) -> [Diagnostic] {
    decode("version = 1\n" + text).diagnostics.filter { $0.code == code }
  }

  @Test func aCommandWithoutAUserNamespaceIsHostRootUnlessItsUIDIsNot() throws {
    let plain = warnings("[namespaces]\nunshare = [\"pid\"]\n", code: "host-root")
    #expect(plain.count == 1)
    #expect(plain.first?.severity == .warning)
    #expect(plain.first?.range.start.line == 3)
    #expect(plain.first?.message.hasPrefix("the command runs as host root: without a user namespace") == true)
    // Written as uid 0, the warning points at that line.
    let zero = warnings("[namespaces]\nunshare = [\"pid\"]\n[process]\nuid = 0\n", code: "host-root")
    #expect(zero.first?.range.start.line == 5)
    #expect(warnings("[namespaces]\nunshare = [\"pid\"]\n[process]\nuid = 1000\n", code: "host-root").isEmpty)
    #expect(warnings("[namespaces]\nunshare = [\"pid\", \"user\"]\n", code: "host-root").isEmpty)
    // Without a pid namespace, it can signal the host's root processes too.
    #expect(warnings("[namespaces]\nunshare = [\"pid\"]\n", code: "host-signals").isEmpty)
    #expect(warnings("[namespaces]\nunshare = [\"mount\"]\n", code: "host-signals").first?.range.start.line == 3)
    #expect(warnings("[namespaces]\nunshare = [\"mount\", \"user\"]\n", code: "host-signals").isEmpty)
    // No namespace at all: nsbuild needs no root, and the command keeps the caller's uid.
    #expect(warnings("[process]\nargs = [\"id\"]\n", code: "host-root").isEmpty)
    #expect(warnings("[process]\nargs = [\"id\"]\nuid = 0\n", code: "host-root").count == 1)
  }

  @Test func unmaskWithoutAUserNamespaceIsWarnedAtTheKey() throws {
    let mounts = "[[mounts]]\ntype = \"proc\"\ntarget = \"/proc\"\nunmask = true\n"
    let found = warnings("[namespaces]\nunshare = [\"mount\", \"pid\"]\n" + mounts, code: "unmasked")
    #expect(found.count == 1)
    #expect(found.first?.range.start.line == 7)
    #expect(found.first?.message.contains("/proc/sys and /proc/sysrq-trigger writable") == true)
    #expect(warnings("[namespaces]\nunshare = [\"mount\", \"pid\", \"user\"]\n" + mounts, code: "unmasked").isEmpty)
  }

  @Test func aWritableBindOfTheHostsProcOrSysIsWarnedAbout() throws {
    let header = "[namespaces]\nunshare = [\"mount\"]\n"
    let bind = { (source: String, options: String) in
      "[[mounts]]\ntype = \"bind\"\nsource = \"\(source)\"\ntarget = \"/host\"\n" + options
    }
    let found = warnings(header + bind("/proc/sys", ""), code: "host-kernel-bind")
    #expect(found.first?.range.start.line == 4)
    #expect(found.first?.message.hasPrefix("this writable bind of the host's /proc/sys") == true)
    #expect(warnings(header + bind("/sys", ""), code: "host-kernel-bind").count == 1)
    #expect(warnings(header + bind("/sys", "options = [\"ro\"]\n"), code: "host-kernel-bind").isEmpty)
    #expect(warnings(header + bind("/sysroot", ""), code: "host-kernel-bind").isEmpty)
  }

  @Test func theHostsDevIsWarnedAboutUnlessAMinimalOneCoversIt() throws {
    let header = "[namespaces]\nunshare = [\"mount\"]\n[root]\nreadonly = true\n"
    let found = warnings(header, code: "host-devices")
    #expect(found.first?.range.start.line == 5)
    #expect(found.first?.message.contains("device files ignore a read-only mount") == true)
    #expect(warnings(header + "[[mounts]]\ntype = \"dev\"\ntarget = \"/dev\"\n", code: "host-devices").isEmpty)
    #expect(warnings(header, code: "host-sockets").first?.message.hasPrefix("the command sees the host's /run") == true)
    #expect(warnings(header + "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/run\"\n", code: "host-sockets").isEmpty)
    #expect(warnings("[namespaces]\nunshare = [\"mount\", \"user\"]\n", code: "host-devices").isEmpty)
    #expect(warnings("[namespaces]\nunshare = [\"mount\"]\n[root]\ntype = \"tmpfs\"\n", code: "host-devices").isEmpty)
  }

  @Test func unmaskOnlyAppliesToProcAndSysfs() throws {
    let check = decode(
      "version = 1\n[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/t\"\nunmask = true\n"
    )
    #expect(check.diagnostics.map(\.message).contains("`unmask` does not apply to a tmpfs mount"))
    let typo = decode(
      "version = 1\n[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"proc\"\ntarget = \"/p\"\nunmsk = true\n")
    #expect(typo.diagnostics.contains { $0.hint == "did you mean 'unmask'?" })
  }

  @Test func filesOnTheHostsTreeAreNamedWithTheTruthAboutReadOnly() throws {
    let files = (1...7).map { "[[files]]\ntype = \"dir\"\npath = \"/srv/d\($0)\"\n" }.joined()
    let header = "[namespaces]\nunshare = [\"mount\", \"user\"]\n"
    let plain = warnings(header + files, code: "files-on-host")
    #expect(plain.count == 1)
    #expect(plain.first?.range.start.line == 4)
    #expect(
      plain.first?.message
        == "these [[files]] entries are written into the host's own tree and stay there after the sandbox ends: /srv/d1, /srv/d2, /srv/d3, /srv/d4, /srv/d5 and 2 more"
    )
    let readOnly = warnings(header + "[root]\nreadonly = true\n" + files, code: "files-on-host")
    #expect(readOnly.first?.message.contains("only after they are written, so they are written all the same") == true)
    // Beneath a tmpfs, or on a root of its own, nothing lands on the host.
    let tmpfs = "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/srv\"\n"
    #expect(warnings(header + tmpfs + files, code: "files-on-host").isEmpty)
    #expect(warnings(header + "[root]\ntype = \"tmpfs\"\n" + files, code: "files-on-host").isEmpty)
  }

  @Test func filesInABindAreNamedByTheirHostPath() throws {
    let text =
      "[namespaces]\nunshare = [\"mount\", \"user\"]\n[root]\ntype = \"tmpfs\"\n"
      + "[[mounts]]\ntype = \"bind\"\nsource = \"/data/project\"\ntarget = \"/work\"\n"
      + "[[files]]\ntype = \"file\"\npath = \"/work/out/log\"\ncontent = \"x\"\n"
    let found = warnings(text, code: "files-on-host")
    #expect(
      found.map(\.message) == [
        "these [[files]] entries land in a bind's source folder on the host and stay there: /data/project/out/log"
      ])
  }
}
