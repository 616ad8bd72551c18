import Builder
import Interchange
import SpecParser
import Testing

/// The spec → config.json mapping, field by field, against a made-up host.
@Suite struct OCIExportTests {
  static let host = OCIExportHost(
    uid: 1000, gid: 1001, environment: ["PATH=/bin", "HOME=/home/me", "SECRET=x", "LANG=C"], umask: 0o027,
    rootEntries: [
      OCIHostEntry(name: ".dockerenv", kind: .file), OCIHostEntry(name: "bin", kind: .symlink("usr/bin")),
      OCIHostEntry(name: "dev", kind: .directory), OCIHostEntry(name: "etc", kind: .directory),
      OCIHostEntry(name: "proc", kind: .directory), OCIHostEntry(name: "sock", kind: .other),
      OCIHostEntry(name: "tmp", kind: .directory), OCIHostEntry(name: "usr", kind: .directory),
    ])

  func export(_ text: String) throws -> OCIBundle {
    let source = Array(text.utf8)
    let check = SpecDecoder.decode(source: source, file: "t.toml", directory: "/work")
    let spec = try #require(check.spec, "\(check.diagnostics.map(\.message))")
    return OCIExport.bundle(for: spec, source: source, host: Self.host)
  }

  func entry(_ bundle: OCIBundle, _ field: String) throws -> InterchangeReportEntry {
    try #require(bundle.report.entries.first { $0.field == field }, "no entry for \(field)")
  }

  @Test func hostTreeIsBindsOfEachEntryOfRootWithADevOfItsOwn() throws {
    let bundle = try export(
      """
      version = 1
      [namespaces]
      unshare = ["mount", "uts"]
      [root]
      readonly = true
      [[mounts]]
      type = "tmpfs"
      target = "/tmp"
      """)
    let mounts = try #require(bundle.config.mounts)
    #expect(
      mounts.map(\.destination) == ["/.dockerenv", "/etc", "/proc", "/usr", "/dev", "/dev/pts", "/dev/shm", "/tmp"])
    #expect(mounts[1] == OCIMount(destination: "/etc", type: "bind", source: "/etc", options: ["rbind", "rro"]))
    #expect(mounts[0].options == ["rbind", "ro"], "a file has nothing beneath it: plain ro")
    #expect(bundle.rootfs.contains(.symlink("bin", target: "usr/bin")))
    #expect(bundle.rootfs.contains(.file(".dockerenv", content: [], mode: 0o644)))
    #expect(bundle.config.root == OCIRoot(path: "rootfs", readonly: true))
    #expect(bundle.config.annotations?[OCIAnnotation.addedMounts] == "0,1,2,3,4,5,6")
    #expect(try entry(bundle, "namespaces.unshare").outcome == .exported)
    #expect(try entry(bundle, "mounts").outcome == .approximated)
    let readonly = try entry(bundle, "root.readonly")
    #expect((readonly.line, readonly.column, readonly.outcome) == (5, 12, .exported))
  }

  @Test func aMountPointMissingOnTheHostIsApproximated() throws {
    let text = """
      version = 1
      [namespaces]
      unshare = ["mount"]
      [[mounts]]
      type = "tmpfs"
      target = "/srv/new"
      """
    let source = Array(text.utf8)
    let spec = try #require(SpecDecoder.decode(source: source, file: "t.toml", directory: "/work").spec)
    var host = Self.host
    host.missingTargets = ["/srv/new"]
    let mount = try entry(OCIExport.bundle(for: spec, source: source, host: host), "mounts[0]")
    #expect((mount.line, mount.outcome) == (4, .approximated))
    #expect(mount.note?.contains("on the host, and leave it there") == true)
  }

  @Test func aMountNamespaceIsAddedForTheRuntimes() throws {
    let bundle = try export(
      """
      version = 1
      [namespaces]
      unshare = ["uts"]
      [uts]
      hostname = "h"
      """)
    #expect(bundle.config.linux?.namespaces == [OCINamespace(type: "uts"), OCINamespace(type: "mount")])
    #expect(bundle.config.annotations?[OCIAnnotation.unshare] == "uts")
    let unshare = try entry(bundle, "namespaces.unshare")
    #expect((unshare.line, unshare.column, unshare.outcome) == (3, 11, .approximated))
    #expect(bundle.config.hostname == "h")
  }

  @Test func callerAndDefaultMapsAreResolved() throws {
    let bundle = try export(
      """
      version = 1
      [namespaces]
      unshare = ["user", "mount"]
      [user]
      uid_map = [{ inside = 0, outside = "caller", count = 1 }, { inside = 1, outside = 100000, count = 65536 }]
      [[mounts]]
      type = "dev"
      target = "/dev"
      """)
    #expect(
      bundle.config.linux?.uidMappings == [
        OCIIDMapping(containerID: 0, hostID: 1000, size: 1), OCIIDMapping(containerID: 1, hostID: 100000, size: 65536),
      ])
    #expect(bundle.config.linux?.gidMappings == [OCIIDMapping(containerID: 0, hostID: 1001, size: 1)])
    #expect(try entry(bundle, "user.uid_map").outcome == .resolved)
    #expect(try entry(bundle, "user.gid_map").outcome == .resolved)
    #expect(bundle.config.annotations?[OCIAnnotation.defaultMaps] == "gid")
    #expect(!bundle.report.entries.contains { $0.field == "mounts" }, "the spec has its own /dev")
  }

  @Test func processFields() throws {
    let bundle = try export(
      """
      version = 1
      [namespaces]
      unshare = ["mount"]
      [process]
      args = ["make"]
      cwd = "src"
      env = { HOME = "/tmp" }
      unset = ["SECRET"]
      uid = 5
      gid = 6
      groups = [7]
      capabilities = ["net_bind_service"]
      rlimits = { nofile = { soft = 512, hard = "unlimited" } }
      no_new_privs = false
      """)
    let process = try #require(bundle.config.process)
    #expect(process.args == ["make"])
    #expect(process.cwd == "/work/src")
    #expect(process.env == ["PATH=/bin", "LANG=C", "HOME=/tmp"])
    #expect(process.user == OCIUser(uid: 5, gid: 6, umask: 0o027, additionalGids: [7]))
    #expect(process.capabilities?.bounding == ["CAP_NET_BIND_SERVICE"])
    #expect(process.capabilities?.ambient == ["CAP_NET_BIND_SERVICE"])
    #expect(process.rlimits == [OCIRlimit(type: "RLIMIT_NOFILE", hard: UInt64.max, soft: 512)])
    #expect(process.noNewPrivileges == false)
    #expect(try entry(bundle, "process.cwd").outcome == .resolved)
    #expect(try entry(bundle, "process.clear_env").outcome == .resolved)
    #expect(try entry(bundle, "process.umask").outcome == .resolved)
    #expect(bundle.config.annotations?[OCIAnnotation.inheritedEnv] == "PATH,LANG")
  }

  @Test func mountOptionsTakeTheRecursiveFormOnBinds() throws {
    let bundle = try export(
      """
      version = 1
      [namespaces]
      unshare = ["mount", "pid", "time"]
      [time]
      monotonic = "-1.5s"
      [[mounts]]
      type = "bind"
      source = "/usr"
      target = "/usr"
      options = ["ro", "nosuid"]
      propagation = "slave"
      [[mounts]]
      type = "tmpfs"
      target = "/tmp"
      size = "16M"
      mode = "1777"
      options = ["noexec"]
      [[mounts]]
      type = "proc"
      target = "/proc"
      """)
    let mounts = try #require(bundle.config.mounts).filter { ["/usr", "/tmp", "/proc"].contains($0.destination) }
    #expect(mounts[0].options == ["rbind", "rro", "rnosuid", "rslave"])
    #expect(mounts[1].options == ["noexec", "size=16777216", "mode=1777"])
    #expect(
      mounts[2] == OCIMount(destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "nodev", "noexec"]))
    #expect(bundle.config.linux?.maskedPaths?.contains("/proc/kcore") == true)
    #expect(bundle.config.linux?.readonlyPaths?.contains("/proc/sys") == true)
    #expect(bundle.config.linux?.timeOffsets?["monotonic"] == OCITimeOffset(secs: -2, nanosecs: 500_000_000))
    #expect(bundle.config.ociVersion == "1.1.0")
  }

  @Test func filesAndJoinsBySandboxNameAreDropped() throws {
    let bundle = try export(
      """
      version = 1
      [namespaces]
      unshare = ["mount"]
      join = { net = "pod", ipc = "/run/ipc" }
      [[files]]
      type = "dir"
      path = "/srv"
      """)
    #expect(try entry(bundle, "namespaces.join.net").outcome == .dropped)
    #expect(try entry(bundle, "namespaces.join.ipc").outcome == .exported)
    #expect(bundle.config.linux?.namespaces?.contains(OCINamespace(type: "ipc", path: "/run/ipc")) == true)
    let files = try entry(bundle, "files[0]")
    #expect((files.line, files.outcome) == (5, .dropped))
    #expect(bundle.report.droppedAny)
  }

  @Test func aTmpfsRootGetsItsFilesInTheBundle() throws {
    let bundle = try export(
      """
      version = 1
      [namespaces]
      unshare = ["mount"]
      [root]
      type = "tmpfs"
      [[files]]
      type = "file"
      path = "/etc/motd"
      content = "hi"
      """)
    #expect(bundle.rootfs.contains(.directory("etc")))
    #expect(bundle.rootfs.contains(.file("etc/motd", content: Array("hi".utf8), mode: 0o644)))
    #expect(try entry(bundle, "files[0]").outcome == .approximated)
    #expect(try entry(bundle, "root.type").outcome == .approximated)
  }
}

extension OCIExportTests {
  @Test func aLiveSandboxJoinedByNameResolvesToItsInitsNamespaceAndComesBack() throws {
    let text = """
      version = 1
      [namespaces]
      unshare = ["mount", "uts"]
      join = { net = "pod", ipc = "gone" }
      """
    let source = Array(text.utf8)
    let spec = try #require(SpecDecoder.decode(source: source, file: "t.toml", directory: "/work").spec)
    var host = Self.host
    host.joins = [.net: .success("/proc/42/ns/net"), .ipc: .failure(.init("no sandbox named 'gone' is up"))]
    let bundle = OCIExport.bundle(for: spec, source: source, host: host)
    #expect(bundle.config.linux?.namespaces?.contains(OCINamespace(type: "network", path: "/proc/42/ns/net")) == true)
    let net = try entry(bundle, "namespaces.join.net")
    #expect((net.line, net.outcome) == (4, .resolved))
    let ipc = try entry(bundle, "namespaces.join.ipc")
    #expect(ipc.outcome == .dropped && ipc.note?.contains("no sandbox named 'gone' is up") == true)
    #expect(bundle.config.annotations?[OCIAnnotation.joins] == "net=pod")
    let json = try OCIBundleWriterJSON.encode(bundle.config)
    let imported = try OCIImport.spec(from: json, folder: "/b")
    #expect(imported.spec.joins == [NamespaceJoin(.net, target: .sandbox(name: "pod"))])
    #expect(imported.spec.namespaces == [.mount, .uts])
  }
}

/// config.json's bytes as the bundle writer makes them.
enum OCIBundleWriterJSON {
  static func encode(_ config: OCIConfig) throws -> [UInt8] {
    [UInt8](try OCIBundleWriter<RealKernel>.json(config))
  }
}
