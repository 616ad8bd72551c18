import Foundation
import Testing

@testable import Builder

/// Joining for real, as root: a target made with unshare(1) holds namespaces; `nsbuild run` of a spec that joins them
/// (by path, or by name through a hand-written state record) and `nsbuild exec` see them from inside. Every process a
/// test starts is killed and reaped before it ends.
@Suite(
  .enabled(if: NSBuildProcess.isRoot, "needs root to join namespaces; CI runs as root"),
  .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"), "needs unshare(1) from util-linux"),
  .serialized)
struct JoinEndToEndTests {
  /// A process unshare(1) started in namespaces of its own, until ``stop()``.
  final class Target {
    let process = Process()
    /// The process holding the namespaces (unshare's child with `--fork`).
    private(set) var pid: Int32 = 0

    /// Runs `script` with `/bin/sh` under `unshare FLAGS` (as user `uid` through setpriv(1) when given); waits until
    /// the holder runs `sleep` (the script's end).
    init(_ flags: [String], _ script: String, asUser uid: UInt32? = nil) throws {
      let unshare = ["/usr/bin/unshare"] + flags + ["/bin/sh", "-c", script + "; exec sleep 1000"]
      let setpriv = uid.map { ["/usr/bin/setpriv", "--reuid=\($0)", "--regid=\($0)", "--clear-groups"] } ?? []
      let words = setpriv + unshare
      process.executableURL = URL(fileURLWithPath: words[0])
      process.arguments = Array(words.dropFirst())
      process.standardInput = FileHandle.nullDevice
      process.standardOutput = FileHandle.nullDevice
      try process.run()
      for _ in 0..<500 {
        let direct = process.processIdentifier
        let child = (try? String(contentsOfFile: "/proc/\(direct)/task/\(direct)/children", encoding: .utf8))
          .flatMap { Int32($0.split(separator: " ").first ?? "") }
        let holder = flags.contains("--fork") ? child : direct
        if let holder, (try? String(contentsOfFile: "/proc/\(holder)/comm", encoding: .utf8)) == "sleep\n" {
          pid = holder
          return
        }
        usleep(10_000)
      }
      stop()
      throw TestFailure("unshare \(flags) did not start")
    }

    func namespace(_ name: String) -> String {
      (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/\(name)")) ?? "?"
    }

    /// Its identity as a state record keeps it.
    var identity: ProcessIdentity? { ProcessIdentity.current(of: pid, reader: RealKernel()) }

    func stop() {
      // unshare(1) and, with --fork, its child: killing the child first ends unshare too.
      if pid > 0, pid != process.processIdentifier { kill(pid, SIGKILL) }
      if process.isRunning { kill(process.processIdentifier, SIGKILL) }
      process.waitUntilExit()
    }
  }

  /// A temporary folder with `spec` as `sandbox.toml`; removed by the caller.
  func folder(spec: String) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nsbuild-join-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try Data(spec.utf8).write(to: URL(fileURLWithPath: folder + "/sandbox.toml"))
    return folder
  }

  /// A state folder holding the record of sandbox `name`, whose init is `identity` and spec `specPath`.
  func stateFolder(_ name: String, _ identity: ProcessIdentity, specPath: String) throws -> String {
    let state = FileManager.default.temporaryDirectory.appendingPathComponent("nsbuild-state-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: state + "/" + name, withIntermediateDirectories: true)
    let record = SandboxRecord(
      name: try SandboxName(validating: name), specPath: specPath, specDigest: "", createdAt: 0, appliedAt: 0,
      initProcess: identity, namespaceIDs: LiveSandboxTests.namespaces(of: Int(identity.pid)), ownerUID: 0,
      plan: Plan(steps: []))
    try Data(try record.encoded()).write(to: URL(fileURLWithPath: state + "/" + name + "/state.json"))
    return state
  }

  @Test func runJoinedOnNetAndUtsIsInTheTargetsNamespaces() throws {
    let target = try Target(["--net", "--uts"], "hostname joined-target")
    defer { target.stop() }
    let dir = try folder(
      spec: """
        version = 1
        [namespaces]
        unshare = ["mount", "pid", "ipc"]
        join = { net = "/proc/\(target.pid)/ns/net", uts = "/proc/\(target.pid)/ns/uts" }
        [process]
        args = ["/bin/sh", "-c", "readlink /proc/self/ns/net /proc/self/ns/uts /proc/self/ns/ipc; hostname"]
        """)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let own = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/ipc")
    let result = try NSBuildProcess.run(["run", dir + "/sandbox.toml"])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 4, "\(result.stdout)")
    #expect(lines.first == target.namespace("net") && lines.dropFirst().first == target.namespace("uts"))
    #expect(target.namespace("net") != (try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")))
    #expect(lines.dropFirst(2).first != own, "ipc is new, not the host's")
    #expect(lines.last == "joined-target")
  }

  @Test func twoSandboxesJoinedOnNetTalkOverLoopback() throws {
    let target = try Target(["--net"], "ip link set lo up")
    defer { target.stop() }
    let port = 47_123
    let server = """
      import socket, sys
      s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
      s.bind(("127.0.0.1", \(port))); s.listen(1)
      open(sys.argv[1], "w").write("listening")
      c, _ = s.accept(); c.sendall(b"pong:" + c.recv(64)); c.close()
      """
    let client = """
      import socket
      c = socket.create_connection(("127.0.0.1", \(port)), timeout=20); c.sendall(b"ping"); print(c.recv(64).decode())
      """
    func spec(_ script: String, _ args: [String]) -> String {
      let words = (["/usr/bin/python3", "-c", script] + args).map { "'''" + $0 + "'''" }.joined(separator: ", ")
      return """
        version = 1
        [namespaces]
        unshare = ["mount", "pid"]
        join = { net = "/proc/\(target.pid)/ns/net" }
        [process]
        args = [\(words)]
        """
    }
    let serverDir = try folder(spec: spec(server, ["READY"]))
    defer { try? FileManager.default.removeItem(atPath: serverDir) }
    let ready = serverDir + "/ready"
    try Data(spec(server, [ready]).utf8).write(to: URL(fileURLWithPath: serverDir + "/sandbox.toml"))
    let running = try NSBuildProcess.start(["run", serverDir + "/sandbox.toml"], log: serverDir + "/log")
    defer {
      if running.isRunning { kill(running.processIdentifier, SIGTERM) }
      running.waitUntilExit()
    }
    for _ in 0..<1000 where !FileManager.default.fileExists(atPath: ready) && running.isRunning { usleep(10_000) }
    #expect(
      FileManager.default.fileExists(atPath: ready),
      "\((try? String(contentsOfFile: serverDir + "/log", encoding: .utf8)) ?? "")")
    let clientDir = try folder(spec: spec(client, []))
    defer { try? FileManager.default.removeItem(atPath: clientDir) }
    let result = try NSBuildProcess.run(["run", clientDir + "/sandbox.toml"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == "pong:ping\n")
    running.waitUntilExit()
    #expect(running.terminationStatus == 0)
  }

  @Test func aNameResolvesThroughItsStateRecordAndARecycledOneIsRefused() throws {
    let target = try Target(["--net"], "true")
    defer { target.stop() }
    let identity = try #require(target.identity)
    let dir = try folder(
      spec: """
        version = 1
        [namespaces]
        unshare = ["mount", "pid"]
        join = { net = "pod" }
        [process]
        args = ["readlink", "/proc/self/ns/net"]
        """)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let live = try stateFolder("pod", identity, specPath: dir + "/sandbox.toml")
    defer { try? FileManager.default.removeItem(atPath: live) }
    let result = try NSBuildProcess.run(["run", dir + "/sandbox.toml"], environment: ["NSBUILD_STATE_DIR": live])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == target.namespace("net") + "\n")

    let recycled = try stateFolder(
      "pod", ProcessIdentity(pid: identity.pid, startTime: identity.startTime + 1), specPath: dir + "/sandbox.toml")
    defer { try? FileManager.default.removeItem(atPath: recycled) }
    let refused = try NSBuildProcess.run(["run", dir + "/sandbox.toml"], environment: ["NSBUILD_STATE_DIR": recycled])
    #expect(refused.status == 125)
    #expect(refused.stdout.isEmpty)
    #expect(refused.stderr.contains(dir + "/sandbox.toml:4:16: error: cannot join the net namespace of sandbox 'pod'"))
    #expect(refused.stderr.contains("the pid was recycled"), "\(refused.stderr)")
  }

  @Test func aMissingTargetIsAnErrorAtItsEntryForRunAndAWarningForPlan() throws {
    let empty = FileManager.default.temporaryDirectory.appendingPathComponent("nsbuild-state-\(UUID().uuidString)").path
    let dir = try folder(
      spec: """
        version = 1
        [namespaces]
        unshare = ["pid"]
        join = { uts = "/run/nsbuild-test-none/uts", net = "nosuch" }
        [process]
        args = ["true"]
        """)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let run = try NSBuildProcess.run(["run", dir + "/sandbox.toml"], environment: ["NSBUILD_STATE_DIR": empty])
    #expect(run.status == 125)
    #expect(
      run.stderr.contains(
        dir
          + "/sandbox.toml:4:52: error: cannot join the net namespace of sandbox 'nosuch': no sandbox named 'nosuch' is up (no state at \(empty)/nosuch/state.json)"
      ), "\(run.stderr)")
    #expect(
      run.stderr.contains(
        dir
          + "/sandbox.toml:4:16: error: cannot join the uts namespace of /run/nsbuild-test-none/uts: /run/nsbuild-test-none/uts does not exist"
      ), "\(run.stderr)")
    let plan = try NSBuildProcess.run(["plan", dir + "/sandbox.toml"], environment: ["NSBUILD_STATE_DIR": empty])
    #expect(plan.status == 0, "\(plan.stderr)")
    #expect(plan.stdout.contains("join net, uts"))
  }

  @Test func execEntersTheLiveSandboxWithTheSpecsProcessSettings() throws {
    let target = try Target(
      ["--net", "--uts", "--ipc", "--pid", "--mount", "--fork", "--mount-proc"], "hostname pod-host")
    defer { target.stop() }
    let identity = try #require(target.identity)
    let dir = try folder(
      spec: """
        version = 1
        [namespaces]
        unshare = ["mount", "pid", "net", "uts", "ipc"]
        [process]
        args = ["false"]
        env = { GREETING = "hello" }
        cwd = "/tmp"
        umask = "027"
        """)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let live = try stateFolder("pod", identity, specPath: dir + "/sandbox.toml")
    defer { try? FileManager.default.removeItem(atPath: live) }
    let script =
      "readlink /proc/self/ns/pid /proc/self/ns/net /proc/self/ns/mnt; hostname; echo $GREETING; pwd; umask; cat /proc/1/comm"
    let result = try NSBuildProcess.run(
      ["exec", "pod", "--", "/bin/sh", "-c", script], environment: ["NSBUILD_STATE_DIR": live])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stdout.split(separator: "\n").map(String.init) == [
        target.namespace("pid"), target.namespace("net"), target.namespace("mnt"), "pod-host", "hello", "/tmp",
        "0027", "sleep",
      ])
    let status = try NSBuildProcess.run(
      ["exec", "pod", "--", "/bin/sh", "-c", "exit 7"], environment: ["NSBUILD_STATE_DIR": live])
    #expect(status.status == 7, "\(status.stderr)")

    let recycled = try stateFolder(
      "pod", ProcessIdentity(pid: identity.pid, startTime: identity.startTime + 1), specPath: dir + "/sandbox.toml")
    defer { try? FileManager.default.removeItem(atPath: recycled) }
    let refused = try NSBuildProcess.run(["exec", "pod", "--", "true"], environment: ["NSBUILD_STATE_DIR": recycled])
    #expect(refused.status == 125)
    #expect(refused.stderr.contains("sandbox 'pod' is dead"), "\(refused.stderr)")
    let missing = try NSBuildProcess.run(["exec", "nosuch"], environment: ["NSBUILD_STATE_DIR": live])
    #expect(missing.status == 125)
    #expect(missing.stderr.contains("no sandbox named 'nosuch'"), "\(missing.stderr)")
  }

  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "needs setpriv(1)"))
  func rootlessJoinsAnotherRootlessSandboxThroughItsUserNamespace() throws {
    let target = try Target(["--user", "--map-root-user", "--net"], "true", asUser: 65534)
    defer { target.stop() }
    let script = "readlink /proc/self/ns/user /proc/self/ns/net; id -u"
    func spec(_ join: String) -> String {
      """
      version = 1
      [namespaces]
      unshare = ["mount", "pid"]
      join = { \(join) }
      [process]
      args = ["/bin/sh", "-c", "\(script)"]
      """
    }
    let folder = try NSBuildProcess.publicCopy(specs: [
      "both.toml": spec("user = \"/proc/\(target.pid)/ns/user\", net = \"/proc/\(target.pid)/ns/net\""),
      "net.toml": spec("net = \"/proc/\(target.pid)/ns/net\""),
    ])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let result = try NSBuildProcess.run(
      ["run", "both.toml"], binary: folder + "/nsbuild", asUser: 65534, directory: folder)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == target.namespace("user") + "\n" + target.namespace("net") + "\n0\n")
    // Without its user namespace, setns(2) into its net namespace needs capabilities this user does not hold.
    let refused = try NSBuildProcess.run(
      ["run", "net.toml"], binary: folder + "/nsbuild", asUser: 65534, directory: folder)
    #expect(refused.status == 125)
    #expect(refused.stdout.isEmpty)
    #expect(refused.stderr.contains("net.toml:4:16: error: joining the net namespace"), "\(refused.stderr)")
    #expect(refused.stderr.contains("without root, setns(2) needs CAP_SYS_ADMIN"))
  }
}
