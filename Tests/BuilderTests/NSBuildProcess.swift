import Foundation
import Testing

/// Runs the built `nsbuild` binary as a subprocess: the only way to test namespaces from `swift test`, whose process
/// has several threads (unshare(CLONE_NEWUSER) would fail with EINVAL in it).
struct NSBuildProcess {
  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// The binary next to the test bundle (`swift build` puts both in one folder), or `$NSBUILD_BINARY`.
  static let binary: String = {
    if let path = ProcessInfo.processInfo.environment["NSBUILD_BINARY"] { return path }
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
    let candidates = [
      URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("nsbuild").path,
      packageRoot + "/.build/debug/nsbuild",
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
  }()

  static var isRoot: Bool { geteuid() == 0 }

  /// The test's environment with the arguments of the process it starts: its init, which names itself and holds
  /// nsbuild's environment, is then found by ``processes(mentioning:)`` for as long as it lives.
  static func markedEnvironment(_ arguments: [String]) -> [String: String] {
    ProcessInfo.processInfo.environment.merging(["NSBUILD_TEST_ARGUMENTS": arguments.joined(separator: " ")]) { $1 }
  }

  /// Runs `nsbuild ARGS`, optionally as another user through setpriv(1), and waits for it; its stdin is `input`, or
  /// /dev/null.
  static func run(
    _ arguments: [String], binary: String = binary, asUser uid: UInt32? = nil, directory: String? = nil,
    environment: [String: String] = [:], input: FileHandle? = nil
  ) throws -> Result {
    let process = Process()
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    if let uid {
      process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
      process.arguments = ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", binary] + arguments
    } else {
      process.executableURL = URL(fileURLWithPath: binary)
      process.arguments = arguments
    }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    return try capture(process, input: input)
  }

  /// Runs another program (unshare(1), setpriv(1)) and waits for it.
  static func runCommand(_ path: String, _ arguments: [String]) throws -> Result {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    return try capture(process)
  }

  /// Runs `process` with stdout and stderr going to temporary files (pipes read one after the other would deadlock
  /// once the other one fills), waits, and reads both.
  static func capture(_ process: Process, input: FileHandle? = nil) throws -> Result {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("nsbuild-out-\(UUID().uuidString)").path
    defer {
      try? FileManager.default.removeItem(atPath: base + ".out")
      try? FileManager.default.removeItem(atPath: base + ".err")
    }
    guard FileManager.default.createFile(atPath: base + ".out", contents: nil),
      FileManager.default.createFile(atPath: base + ".err", contents: nil),
      let out = FileHandle(forWritingAtPath: base + ".out"), let err = FileHandle(forWritingAtPath: base + ".err")
    else { throw TestFailure("cannot create output files at \(base)") }
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input ?? FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try? out.close()
    try? err.close()
    let stdout = (try? Data(contentsOf: URL(fileURLWithPath: base + ".out"))) ?? Data()
    let stderr = (try? Data(contentsOf: URL(fileURLWithPath: base + ".err"))) ?? Data()
    let status =
      process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    return Result(
      status: status, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
  }

  /// Starts `nsbuild ARGS` without waiting; its output goes to `log` (or /dev/null).
  static func start(_ arguments: [String], log: String? = nil) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    process.environment = markedEnvironment(arguments)
    process.standardInput = FileHandle.nullDevice
    let output: FileHandle
    if let log, FileManager.default.createFile(atPath: log, contents: nil),
      let handle = FileHandle(forWritingAtPath: log)
    {
      output = handle
    } else {
      output = FileHandle.nullDevice
    }
    process.standardOutput = output
    process.standardError = output
    try process.run()
    return process
  }

  /// Puts the program at `source` at `path`, executable by all: a hard link where it can, so no fd is ever open for
  /// writing on it. A copy's write fd, inherited by a process another test thread forks meanwhile (posix_spawn
  /// keeps fds without close-on-exec, and any fd until its exec), makes execve(2) of the copy fail with ETXTBSY
  /// while that process lives.
  static func placeExecutable(_ source: String, at path: String) throws {
    if link(source, path) != 0 {
      try FileManager.default.copyItem(atPath: source, toPath: path)
      try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }
  }

  /// A world-readable folder holding a copy of the binary and the named specs, so an unprivileged user can run them
  /// (the checkout may sit under a folder other users cannot enter).
  static func publicCopy(specs: [String: String]) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nsbuild-test-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(
      atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
    try placeExecutable(binary, at: folder + "/nsbuild")
    for (name, text) in specs {
      try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/" + name))
      try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: folder + "/" + name)
    }
    return folder
  }
}

/// What the host looks like, to compare before and after a run.
struct HostSnapshot: Equatable {
  var hostname: String
  var mountinfo: [String]

  static func take() throws -> HostSnapshot {
    let hostname = try String(contentsOfFile: "/proc/sys/kernel/hostname", encoding: .utf8)
    // Mount IDs and fields are stable; only the lines matter.
    let mountinfo = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8).split(separator: "\n").map(
      String.init)
    return HostSnapshot(hostname: hostname, mountinfo: mountinfo)
  }

  /// Records an issue, listing what changed, when the host no longer looks as it did at `before`.
  static func expectUnchanged(since before: HostSnapshot, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let now = try take()
    let gone = before.mountinfo.filter { !now.mountinfo.contains($0) }
    let added = now.mountinfo.filter { !before.mountinfo.contains($0) }
    #expect(
      now == before, "hostname \(before.hostname) → \(now.hostname); mounts gone: \(gone); added: \(added)",
      sourceLocation: sourceLocation)
  }
}

/// The processes whose command line mentions `marker`, or that hold open a path that does, other than the caller.
///
/// Init names itself (`nsbuild-init`, nothing of nsbuild's command line), so it is also found by its environment
/// (nsbuild's, which ``NSBuildProcess/start(_:log:)`` marks with its arguments) and by what it holds open: the mount
/// points it makes and takes back, a live sandbox's log. This process's own do not count.
func processes(mentioning marker: String) -> [String] {
  let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
  let own = String(getpid())
  return entries.filter { $0.allSatisfy(\.isNumber) && $0 != own }.compactMap { pid in
    let line = read("/proc/\(pid)/cmdline")
    let mentions = line.contains(marker) || read("/proc/\(pid)/environ").contains(marker) || holdsOpen(marker, pid: pid)
    return mentions ? "\(pid): \(line)" : nil
  }
}

/// A /proc file's bytes as text, NULs as spaces; empty when it cannot be read (the process is gone).
private func read(_ path: String) -> String {
  guard let data = FileManager.default.contents(atPath: path) else { return "" }
  return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
}

/// Whether an fd of process `pid` is open on a path that contains `marker`.
private func holdsOpen(_ marker: String, pid: String) -> Bool {
  let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
  return fds.contains { fd in
    ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")) ?? "").contains(marker)
  }
}

/// A world-readable scratch folder (see ``NSBuildProcess/publicCopy(specs:)``), for suites that write their own specs.
protocol ScratchFolderTests {}

extension ScratchFolderTests {
  /// Runs `body` with a fresh scratch folder holding a copy of the binary, removed afterwards.
  func withFolder<T>(_ body: (String) throws -> T) throws -> T {
    let folder = try NSBuildProcess.publicCopy(specs: [:])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    return try body(folder)
  }

  /// A rootless spec whose main command is a copy of sleep(1) in `folder` (so its command line names the folder),
  /// written readable by all: its path and text.
  func writeRootlessSleeper(in folder: String) throws -> (path: String, text: String) {
    try NSBuildProcess.placeExecutable("/bin/sleep", at: folder + "/sleep")
    let text = """
      version = 1
      [namespaces]
      unshare = ["user", "mount", "uts", "pid"]
      [uts]
      hostname = "rootlessbox"
      [[mounts]]
      type = "tmpfs"
      target = "/srv"
      [process]
      args = ["\(folder)/sleep", "1000"]

      """
    return (try write(text, to: folder), text)
  }

  /// Writes `spec` to `folder`/s.toml, readable by all (a caller switched to another user reads it too), and
  /// returns that path.
  func write(_ spec: String, to folder: String) throws -> String {
    try Data(spec.utf8).write(to: URL(fileURLWithPath: folder + "/s.toml"))
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: folder + "/s.toml")
    return folder + "/s.toml"
  }
}
