import Foundation
import SpecParser
import Testing

@testable import Builder

/// `plan --target` against a real long-lived sandbox: `nsbuild run SPEC -- sleep 1000` in the background, its init
/// found from the host, and a record written by hand in a temporary NSBUILD_STATE_DIR holding the plan `run` took
/// (`up`, which writes records, is another task). What `plan --target` reads is checked against changes made inside
/// by hand with nsenter(1) and against edits of the spec.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct TargetPlanEndToEndTests: ScratchFolderTests {
  static let nsenter = ["/usr/bin/nsenter", "/bin/nsenter"].first { FileManager.default.isExecutableFile(atPath: $0) }

  /// A tmpfs on /srv (not /tmp, which holds the scratch folder and its sleep copy).
  func spec(hostname: String) -> String {
    """
    version = 1
    [namespaces]
    unshare = ["mount", "uts", "pid", "net"]
    [uts]
    hostname = "\(hostname)"
    [net]
    loopback = true
    [[mounts]]
    type = "tmpfs"
    target = "/srv"
    size = "8M"
    [[files]]
    type = "file"
    path = "/srv/motd"
    content = "as applied"

    """
  }

  /// The sandbox's init: nsbuild's child's child, once the command (the sleep copy in `folder`) runs.
  func initProcess(of nsbuild: Foundation.Process, folder: String) throws -> ProcessIdentity {
    var found: ProcessIdentity?
    try waitFor("the sandbox's command to run") {
      guard !processes(mentioning: folder + "/sleep 1000").isEmpty,
        let sandbox = children(of: nsbuild.processIdentifier).first, let pid = children(of: sandbox).first
      else { return false }
      found = ProcessIdentity.current(of: pid, reader: RealKernel())
      return found != nil
    }
    return try #require(found)
  }

  func writeRecord(_ spec: String, init identity: ProcessIdentity, state: String) throws {
    let check = SpecDecoder.decode(source: Array(spec.utf8), file: "s.toml", directory: "/")
    let parsed = try #require(check.spec, "\(check.diagnostics.map(\.message))")
    let plan = try Planner(spec: parsed, state: Observer(reader: RealKernel()).observe(parsed)).plan()
    // As `up` records them: `plan --target` refuses an init whose namespaces are no longer these.
    var namespaces: [String: String] = [:]
    for name in ["mnt", "uts", "pid", "net"] {
      namespaces[name] = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(identity.pid)/ns/\(name)")
    }
    let record = SandboxRecord(
      name: try SandboxName(validating: "live"), specPath: "/s.toml", specDigest: "0", createdAt: 0, appliedAt: 0,
      initProcess: identity, namespaceIDs: namespaces, ownerUID: 0, plan: plan)
    try FileManager.default.createDirectory(atPath: state + "/live", withIntermediateDirectories: true)
    try Data(try record.encoded()).write(to: URL(fileURLWithPath: state + "/live/state.json"))
  }

  func plan(_ spec: String, _ folder: String, json: Bool = false) throws -> NSBuildProcess.Result {
    try NSBuildProcess.run(
      ["plan", spec, "--target", "live", "--detailed-exitcode"] + (json ? ["--format", "json"] : []),
      environment: ["NSBUILD_STATE_DIR": folder + "/state"])
  }

  func inside(_ pid: Int32, _ flag: String, _ command: [String]) throws {
    let nsenter = try #require(Self.nsenter)
    let result = try NSBuildProcess.runCommand(nsenter, ["-t", "\(pid)", flag, "--"] + command)
    #expect(result.status == 0, "\(command): \(result.stderr)")
  }

  @Test(.enabled(if: nsenter != nil, "needs nsenter(1) to change the sandbox by hand"))
  func planTargetReadsTheRealSandboxAndItsDrift() throws {
    try withFolder { folder in
      try NSBuildProcess.placeExecutable("/bin/sleep", at: folder + "/sleep")
      let applied = spec(hostname: "livebox") + "[process]\nargs = [\"\(folder)/sleep\", \"1000\"]\n"
      let specPath = try write(applied, to: folder)
      let nsbuild = try NSBuildProcess.start(["run", specPath])
      defer {
        kill(nsbuild.processIdentifier, SIGTERM)
        nsbuild.waitUntilExit()
        try? waitFor("every process of the sandbox to end") { processes(mentioning: folder).isEmpty }
      }
      let identity = try initProcess(of: nsbuild, folder: folder)
      try writeRecord(applied, init: identity, state: folder + "/state")

      // As applied: every step `=`, no drift, exit 0.
      let same = try plan(specPath, folder)
      #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
      #expect(same.stdout.contains("Drift: none"))
      #expect(same.stdout.contains("Plan: 0 to add, 0 to change, 0 to remove."))
      #expect(!same.stdout.split(separator: "\n").contains { $0.hasPrefix("~") || $0.hasPrefix("+") })

      // The spec edited: a new hostname is one `~` by a joiner, a new mount one `+`.
      let edited =
        try String(contentsOfFile: specPath, encoding: .utf8)
        .replacingOccurrences(of: "livebox", with: "newbox") + "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/mnt\"\n"
      try Data(edited.utf8).write(to: URL(fileURLWithPath: folder + "/edited.toml"))
      let changed = try plan(folder + "/edited.toml", folder)
      #expect(changed.status == 2, "\(changed.stderr)")
      #expect(changed.stdout.contains("~   init     set hostname newbox"))
      #expect(changed.stdout.contains("+   init     mount tmpfs on /mnt"))
      #expect(changed.stdout.contains("fd[0] = open(\"/proc/\(identity.pid)/ns/uts\", O_RDONLY|O_CLOEXEC)"))
      #expect(changed.stdout.contains("setns(fd[0], CLONE_NEWUTS)"))
      #expect(changed.stdout.contains("Plan: 1 to add, 1 to change, 0 to remove."))

      // Changed by hand inside: the real hostname, files and mounts are read, and shown as drift.
      try inside(identity.pid, "--uts", ["hostname", "handmade"])
      try inside(identity.pid, "--mount", ["sh", "-c", "echo by hand > /srv/motd"])
      let edits = try plan(specPath, folder)
      #expect(edits.status == 2, "\(edits.stderr)")
      #expect(edits.stdout.contains("! file /srv/motd: applied as written, now changed (apply brings it back)"))
      #expect(edits.stdout.contains("renameat(2) over \"motd\""), "\(edits.stdout)")
      try inside(identity.pid, "--mount", ["umount", "/srv"])
      // lo taken down, when ip(8) is there to do it: read from the sandbox's /proc/PID/net.
      let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) }
      if let ip { try inside(identity.pid, "--net", [ip, "link", "set", "lo", "down"]) }
      let drifted = try plan(specPath, folder, json: true)
      #expect(drifted.status == 2, "\(drifted.stderr)")
      let document = try #require(
        try JSONSerialization.jsonObject(with: Data(drifted.stdout.utf8)) as? [String: Any])
      let target = try #require(document["target"] as? [String: Any])
      let drift = try #require(target["drift"] as? [[String: Any]])
      #expect(
        drift.map { "\($0["name"] ?? "") \($0["live"] ?? "")" }
          == ["hostname handmade"] + (ip == nil ? [] : ["interface lo down"]) + [
            "mount /srv absent", "file /srv/motd absent",
          ])
      // The host saw none of it.
      #expect(RealKernel().hostname() != "handmade")
      let restore = DriftReport.read(
        try SandboxRecord.decode(Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/state/live/state.json")))),
        reader: RealKernel())
      #expect(restore.count == (ip == nil ? 3 : 4))
    }
  }

  /// The table `plan --target` follows, confirmed on this kernel against a running sandbox: what it marks `~`, `+`
  /// and `-` the kernel does to a running sandbox from outside (joined with setns(2) by nsenter(1)); what it marks
  /// `-/+` it refuses, with the errno the reasons name.
  @Test(.enabled(if: nsenter != nil, "needs nsenter(1) to join the sandbox"))
  func theInPlaceAndReplaceTableHoldsOnThisKernel() throws {
    try withFolder { folder in
      try NSBuildProcess.placeExecutable("/bin/sleep", at: folder + "/sleep")
      let text = spec(hostname: "livebox") + "[process]\nargs = [\"\(folder)/sleep\", \"1000\"]\n"
      let nsbuild = try NSBuildProcess.start(["run", try write(text, to: folder)])
      defer {
        kill(nsbuild.processIdentifier, SIGTERM)
        nsbuild.waitUntilExit()
        try? waitFor("every process of the sandbox to end") { processes(mentioning: folder).isEmpty }
      }
      let pid = try initProcess(of: nsbuild, folder: folder).pid
      // In place: a tmpfs's size (remount) and mode (chmod of its root), a mount added and one removed.
      try inside(pid, "--mount", ["mount", "-o", "remount,size=16m", "/srv"])
      try inside(pid, "--mount", ["chmod", "700", "/srv"])
      try inside(pid, "--mount", ["chown", "1000:1000", "/srv"])
      try inside(pid, "--mount", ["mount", "-t", "tmpfs", "added", "/mnt"])
      try inside(pid, "--mount", ["umount", "/mnt"])
      let mounts = try String(contentsOfFile: "/proc/\(pid)/mountinfo", encoding: .utf8)
      #expect(mounts.contains(" /srv ") && mounts.contains("size=16384k"))
      #expect(!mounts.contains(" /mnt "))
      let root = try FileManager.default.attributesOfItem(atPath: "/proc/\(pid)/root/srv")
      #expect(root[.ownerAccountID] as? Int == 1000 && root[.posixPermissions] as? Int == 0o700)
    }
    // Replaces: a second uid_map write (EPERM), clock offsets once a process is in the time namespace (EACCES).
    #expect(try writeErrno(["--user", "--map-root-user"], "/proc/self/uid_map", "0 0 1") == "1")
    #expect(try writeErrno(["--time", "--fork"], "/proc/self/timens_offsets", "monotonic 5 0") == "13")
  }

  /// The errno of writing `contents` to `file` from a process unshare(1) starts with `options`, as python3 reports
  /// it (sh's echo says only "I/O error").
  func writeErrno(_ options: [String], _ file: String, _ contents: String) throws -> String {
    let script = """
      import os, sys
      try:
          os.write(os.open(sys.argv[1], os.O_WRONLY), sys.argv[2].encode())
          print("written", end="")
      except OSError as error:
          print(error.errno, end="")
      """
    let python = PlanSchemaTests.python ?? "/usr/bin/python3"
    return try NSBuildProcess.runCommand("/usr/bin/unshare", options + [python, "-c", script, file, contents]).stdout
  }

  /// Rootless: a sandbox nobody (65534) runs in its own user namespace is read by nobody, whose `plan --target`
  /// joins the user namespace first to read the UTS names; the spec's new hostname is one `~` whose joiner joins
  /// `user` then `uts`.
  @Test(.enabled(if: nsenter != nil, "needs nsenter(1) to change the sandbox by hand"))
  func aRootlessSandboxIsReadByItsOwner() throws {
    try withFolder { folder in
      let (specPath, text) = try writeRootlessSleeper(in: folder)
      let nsbuild = Foundation.Process()
      nsbuild.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
      nsbuild.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", folder + "/nsbuild", "run", specPath]
      nsbuild.standardInput = FileHandle.nullDevice
      nsbuild.standardOutput = FileHandle.nullDevice
      nsbuild.standardError = FileHandle.nullDevice
      try nsbuild.run()
      defer {
        kill(nsbuild.processIdentifier, SIGTERM)
        nsbuild.waitUntilExit()
        try? waitFor("every process of the sandbox to end") { processes(mentioning: folder).isEmpty }
      }
      // setpriv execs nsbuild in its own process: the chain starts at the same pid.
      let identity = try initProcess(of: nsbuild, folder: folder)
      // The plan nobody's `run` took: observed here, as nobody.
      let parsed = try #require(SpecDecoder.decode(source: Array(text.utf8), file: "s.toml", directory: "/").spec)
      var state = Observer(reader: RealKernel()).observe(parsed)
      (state.uid, state.gid, state.euid) = (65534, 65534, 65534)
      let record = SandboxRecord(
        name: try SandboxName(validating: "live"), specPath: specPath, specDigest: "0", createdAt: 0, appliedAt: 0,
        initProcess: identity, namespaceIDs: [:], ownerUID: 65534, plan: try Planner(spec: parsed, state: state).plan())
      try FileManager.default.createDirectory(atPath: folder + "/state/live", withIntermediateDirectories: true)
      try Data(try record.encoded()).write(to: URL(fileURLWithPath: folder + "/state/live/state.json"))
      try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder + "/state")
      try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder + "/state/live")
      try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: folder + "/state/live/state.json")
      // nobody's state is nobody's own: nsbuild trusts no state another user could change (StrictModes).
      for path in ["/state", "/state/live", "/state/live/state.json"] { chown(folder + path, 65534, 65534) }

      try inside(identity.pid, "--uts", ["hostname", "byhand"])
      let edited = text.replacingOccurrences(of: "rootlessbox", with: "newbox")
      try Data(edited.utf8).write(to: URL(fileURLWithPath: folder + "/edited.toml"))
      try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: folder + "/edited.toml")
      let result = try NSBuildProcess.run(
        ["plan", folder + "/edited.toml", "--target", "live", "--detailed-exitcode"], binary: folder + "/nsbuild",
        asUser: 65534, environment: ["NSBUILD_STATE_DIR": folder + "/state"])
      #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
      #expect(result.stdout.contains("set hostname newbox  (sandbox: byhand → newbox)"), "\(result.stdout)")
      #expect(result.stdout.contains("hostname: applied rootlessbox, now byhand"))
      // Both namespace files opened, the user namespace entered first.
      let lines = result.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
      let opened = lines.firstIndex { $0.hasPrefix("fd[0] = open(\"/proc/\(identity.pid)/ns/user\"") }
      let entered = lines.firstIndex { $0 == "setns(fd[0], CLONE_NEWUSER); close(fd[0])" }
      #expect(lines.contains { $0.hasPrefix("fd[1] = open(\"/proc/\(identity.pid)/ns/uts\"") })
      #expect(opened != nil && entered != nil && lines.contains("setns(fd[1], CLONE_NEWUTS); close(fd[1])"))
      #expect(!result.stdout.contains("not read:"), "\(result.stdout)")
    }
  }

  @Test func aGoneInitIsAnErrorNotAPlan() throws {
    try withFolder { folder in
      let specPath = try write(spec(hostname: "x") + "[process]\nargs = [\"/bin/true\"]\n", to: folder)
      // A pid with another start time: taken for a recycled pid, never for the sandbox.
      let me = try #require(ProcessIdentity.current(of: getpid(), reader: RealKernel()))
      try writeRecord(
        try String(contentsOfFile: specPath, encoding: .utf8),
        init: ProcessIdentity(pid: me.pid, startTime: me.startTime + 1), state: folder + "/state")
      let result = try plan(specPath, folder)
      #expect(result.status == 1)
      #expect(result.stderr.contains("sandbox 'live' is not running"))
    }
  }
}
