import Testing

@testable import SpecParser

/// The package root, found from this file's path (Tests/SpecParserTests/ThisFile.swift).
let packageRoot: String = {
  var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
  parts.removeLast(3)
  return parts.joined(separator: "/")
}()

func readBytes(_ path: String) throws -> [UInt8] {
  guard let data = FileManagerShim.contents(path) else { throw TestFailure("cannot read \(path)") }
  return data
}

struct TestFailure: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// Decodes a spec held in a string, as if it sat in /work/project.
func decode(_ text: String, directory: String = "/work/project") -> SpecCheck {
  SpecDecoder.decode(source: Array(text.utf8), file: "sandbox.toml", directory: directory)
}

@Suite struct SpecFilesTests {
  static let specsDirectory = packageRoot + "/specs"

  func load(_ name: String) throws -> SpecCheck {
    let path = Self.specsDirectory + "/" + name
    return SpecDecoder.decode(source: try readBytes(path), file: "specs/" + name, directory: Self.specsDirectory)
  }

  @Test func devSpecDecodesToTheDocumentedShape() throws {
    let check = try load("dev.toml")
    // No user namespace: the command's uid 0 is the host's, which check says; its own /dev and /run keep the host's
    // disks and sockets out, so nothing is said of them.
    #expect(check.diagnostics.map(\.code) == ["host-root"])
    let expected = Spec(
      namespaces: [.mount, .uts, .ipc, .pid, .net, .cgroup],
      uts: UTS(hostname: "devbox", domainname: "example.internal"),
      mounts: [
        Mount(kind: .tmpfs, target: "/tmp", size: 64 << 20, mode: 0o1777),
        Mount(kind: .bind, source: "/usr", target: "/usr", options: [.ro, .nosuid, .nodev]),
        Mount(kind: .proc, target: "/proc"),
        Mount(kind: .dev, target: "/dev"),
        Mount(kind: .tmpfs, target: "/run"),
      ],
      process: Process(args: ["/bin/sh", "-l"], env: [EnvironmentVariable("PATH", "/usr/bin:/bin")], cwd: "/"))
    #expect(check.spec?.withoutOrigins == expected)
  }

  @Test func minimalSpecDecodes() throws {
    let check = try load("minimal.toml")
    #expect(check.diagnostics.map(\.code) == ["host-root", "host-signals"])
    let expected = Spec(
      namespaces: [.uts], uts: UTS(hostname: "minimal"), process: Process(args: ["hostname"]))
    #expect(check.spec?.withoutOrigins == expected)
  }

  @Test func rootlessSpecMapsTheCallerToRoot() throws {
    let check = try load("rootless.toml")
    #expect(check.diagnostics.isEmpty)
    let caller = [IDMapping(inside: 0, outside: .caller, count: 1)]
    let expected = Spec(
      namespaces: [.user, .mount, .uts, .ipc, .pid],
      uts: UTS(hostname: "rootless"),
      user: UserMapping(uidMap: caller, gidMap: caller),
      mounts: [Mount(kind: .tmpfs, target: "/tmp", size: 16 << 20, mode: 0o1777), Mount(kind: .proc, target: "/proc")],
      process: Process(args: ["/bin/sh"]))
    #expect(check.spec?.withoutOrigins == expected)
  }

  @Test func originsPointAtTheSpecLines() throws {
    let spec = try #require(try load("dev.toml").spec)
    let hostname = try #require(spec.origins["uts.hostname"])
    #expect(hostname.start.line == 9)
    #expect(hostname.start.column == 12)
    #expect(hostname.end.column == 20)
    #expect(spec.origins["mounts[1]"]?.start.line == 18)
    #expect(spec.origins["mounts[2].target"]?.start.line == 26)
  }

  @Test func everyExampleSpecChecksClean() throws {
    for name in try SpecDirectory.tomlFiles(Self.specsDirectory) {
      let check = try load(name)
      #expect(!check.hasErrors, "\(name): \(check.diagnostics.map(\.message))")
    }
  }
}
