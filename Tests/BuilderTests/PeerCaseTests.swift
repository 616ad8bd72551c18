import Foundation
import Testing

/// Behaviours other sandbox tools' suites check (../shared/peer-cases.md), by their row ids, not covered elsewhere.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct PeerCaseTests {
  func run(_ spec: String, _ script: String) throws -> NSBuildProcess.Result {
    let folder = try NSBuildProcess.publicCopy(specs: ["s.toml": spec])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    return try NSBuildProcess.run(["run", folder + "/s.toml", "--", "/bin/sh", "-c", script])
  }

  static func hostNamespace(_ name: String) -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/" + name)) ?? "?"
  }

  static let nsNames = ["cgroup", "ipc", "mnt", "net", "pid", "user", "uts", "time"]
  static let readLinks = nsNames.map { "readlink /proc/self/ns/\($0)" }.joined(separator: "; ")

  @Test func p001AllEightNamespacesAreNew() throws {
    let spec = """
      version = 1
      [namespaces]
      unshare = ["user", "mount", "pid", "net", "ipc", "uts", "cgroup", "time"]
      [user]
      uid_map = [{ inside = 0, outside = 1000, count = 1000 }]
      gid_map = [{ inside = 0, outside = 1000, count = 1000 }]
      """
    let result = try run(spec, Self.readLinks)
    let inside = result.stdout.split(separator: "\n").map(String.init)
    #expect(inside.count == 8, "\(result.stderr)")
    for (name, link) in zip(Self.nsNames, inside) {
      #expect(link.hasPrefix(name + ":["))
      #expect(link != Self.hostNamespace(name), "\(name) is the host's")
    }
  }

  @Test func p002NoNamespacesMeansTheHostsOwn() throws {
    let result = try run("version = 1\n", Self.readLinks)
    #expect(result.stdout.split(separator: "\n").map(String.init) == Self.nsNames.map(Self.hostNamespace))
  }

  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/ipcmk"), "needs ipcmk (util-linux)"))
  func p004HostMessageQueuesAreNotVisible() throws {
    let made = try NSBuildProcess.runCommand("/usr/bin/ipcmk", ["-Q"])
    let id = made.stdout.split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
    defer { _ = try? NSBuildProcess.runCommand("/usr/bin/ipcrm", ["-q", id]) }
    #expect(!id.isEmpty)
    let spec = "version = 1\n[namespaces]\nunshare = [\"ipc\"]\n"
    let inside = try run(spec, "ipcs -q | grep -c \"^0x\" || true")
    #expect(inside.stdout == "0\n", "\(inside.stderr)")
  }

  @Test func p028NoProcMountStillRuns() throws {
    let result = try run("version = 1\n[namespaces]\nunshare = [\"pid\", \"mount\"]\n", "true")
    #expect(result.status == 0, "\(result.stderr)")
  }

  @Test func p084PerMountPropagation() throws {
    var spec = "version = 1\n[namespaces]\nunshare = [\"mount\"]\n"
    for kind in ["shared", "private", "unbindable", "slave"] {
      spec += "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/mnt/\(kind)\"\npropagation = \"\(kind)\"\n"
    }
    let script = "for k in shared private unbindable slave; do findmnt -nr -o PROPAGATION /mnt/$k; done"
    let result = try run(spec, script)
    #expect(result.stdout == "shared\nprivate\nprivate,unbindable\nprivate\n", "\(result.stderr)")
  }

  @Test func p095ArgumentsSurviveExactly() throws {
    let folder = try NSBuildProcess.publicCopy(specs: ["s.toml": "version = 1\n"])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let result = try NSBuildProcess.run(["run", folder + "/s.toml", "--", "printf", "%s|", "a b", "", "c"])
    #expect(result.stdout == "a b||c|")
  }

  @Test func p097RelativeProgramPathsResolveAgainstTheWorkingDirectory() throws {
    let spec = { (cwd: String) in "version = 1\n[process]\ncwd = \"\(cwd)\"\n" }
    let folder = try NSBuildProcess.publicCopy(specs: ["usr.toml": spec("/usr"), "root.toml": spec("/")])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    #expect(try NSBuildProcess.run(["run", folder + "/usr.toml", "--", "./bin/true"]).status == 0)
    #expect(try NSBuildProcess.run(["run", folder + "/root.toml", "--", "usr/bin/true"]).status == 0)
    #expect(try NSBuildProcess.run(["run", folder + "/root.toml", "--", "./no/such/true"]).status == 127)
  }

  @Test func p110AllCapabilitiesAreWhatTheCallerHolds() throws {
    let bounding =
      try String(contentsOfFile: "/proc/self/status", encoding: .utf8).split(separator: "\n")
      .first { $0.hasPrefix("CapBnd:") }?.split(separator: "\t").last.map(String.init) ?? "?"
    let spec = "version = 1\n[namespaces]\nunshare = [\"pid\"]\n[process]\ncapabilities = \"ALL\"\n"
    let result = try run(spec, "grep -E '^Cap(Prm|Eff|Bnd):' /proc/self/status | cut -f2")
    #expect(result.stdout == String(repeating: bounding + "\n", count: 3), "\(result.stderr)")
  }

  @Test func p117AnFdLeftOpenByTheCallerIsNotInherited() throws {
    let folder = try NSBuildProcess.publicCopy(specs: ["s.toml": "version = 1\n[namespaces]\nunshare = [\"pid\"]\n"])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let result = try NSBuildProcess.runCommand(
      "/bin/sh",
      ["-c", "exec 9</dev/null; \"$0\" run \"$1\" -- ls /proc/self/fd", NSBuildProcess.binary, folder + "/s.toml"])
    #expect(result.stdout == "0\n1\n2\n3\n", "\(result.stderr)")
  }
}
