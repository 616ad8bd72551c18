import Foundation
import SpecParser
import Testing

@testable import Builder

/// `apply SPEC --target NAME` on real sandboxes that `nsbuild up` starts (and `down` ends) in a temporary
/// NSBUILD_STATE_DIR. Each change is checked from inside (nsenter(1)) and from the host (/proc/PID/mountinfo), the
/// main command's pid is the same after it, and `plan --target` is 0 afterwards. The spec and plan helpers are
/// ``TargetPlanEndToEndTests``'s.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct ApplyEndToEndTests: ScratchFolderTests {
  let live = TargetPlanEndToEndTests()

  /// A sandbox of `spec` plus `[process] args` (a sleep copy in `folder`) brought up with `nsbuild up` as "live"
  /// in `folder`/state; `body` gets its init and the sleep's pid (the main command). `down` ends it afterwards.
  func withSandbox(
    _ folder: String, hostname: String = "livebox", extra: String = "", edit: (String) -> String = { $0 },
    _ body: (_ specPath: String, _ applied: String, _ identity: ProcessIdentity, _ main: Int32) throws -> Void
  ) throws {
    try NSBuildProcess.placeExecutable("/bin/sleep", at: folder + "/sleep")
    let applied = edit(live.spec(hostname: hostname)) + extra + "[process]\nargs = [\"\(folder)/sleep\", \"1000\"]\n"
    let specPath = try write(applied, to: folder)
    let environment = ["NSBUILD_STATE_DIR": folder + "/state"]
    let up = try NSBuildProcess.run(["up", specPath, "--name", "live"], environment: environment)
    defer {
      _ = try? NSBuildProcess.run(["down", "live"], environment: environment)
      try? waitFor("every process of the sandbox to end") { processes(mentioning: folder).isEmpty }
    }
    try #require(up.status == 0, "\(up.stdout)\(up.stderr)")
    let identity = try SandboxRecord.decode(try record(folder)).initProcess
    var main: Int32?
    try waitFor("the main command to run") {
      main = children(of: identity.pid).first
      return main != nil && !processes(mentioning: folder + "/sleep 1000").isEmpty
    }
    try body(specPath, applied, identity, try #require(main))
  }

  func apply(_ spec: String, _ folder: String, _ options: [String] = []) throws -> NSBuildProcess.Result {
    try NSBuildProcess.run(
      ["apply", spec, "--target", "live"] + options, environment: ["NSBUILD_STATE_DIR": folder + "/state"])
  }

  /// `edit` applied to the spec, written beside it as edited.toml.
  func edited(_ applied: String, _ folder: String, _ edit: (String) -> String) throws -> String {
    try Data(edit(applied).utf8).write(to: URL(fileURLWithPath: folder + "/edited.toml"))
    return folder + "/edited.toml"
  }

  func hostname(_ pid: Int32) throws -> String {
    let nsenter = try #require(TargetPlanEndToEndTests.nsenter)
    return try NSBuildProcess.runCommand(nsenter, ["-t", "\(pid)", "--uts", "--", "hostname"]).stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
  }

  func mountPoints(_ pid: Int32) throws -> [String] {
    try String(contentsOfFile: "/proc/\(pid)/mountinfo", encoding: .utf8).split(separator: "\n").map {
      String($0.split(separator: " ")[4])
    }
  }

  func record(_ folder: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/state/live/state.json")))
  }

  @Test(.enabled(if: TargetPlanEndToEndTests.nsenter != nil, "needs nsenter(1) to look inside"))
  func aNewHostnameIsAppliedInPlaceAndTheMainCommandKeepsRunning() throws {
    try withFolder { folder in
      try withSandbox(folder) { _, applied, identity, main in
        let spec = try edited(applied, folder) { $0.replacingOccurrences(of: "livebox", with: "newbox") }
        let planned = try live.plan(spec, folder)
        #expect(planned.status == 2, "\(planned.stderr)")
        #expect(planned.stdout.split(separator: "\n").filter { $0.hasPrefix("~") }.count == 1, "\(planned.stdout)")
        #expect(planned.stdout.contains("undo: set hostname back to livebox"), "\(planned.stdout)")

        let result = try apply(spec, folder, ["--detailed-exitcode"])
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("Applied to sandbox 'live': 0 to add, 1 to change, 0 to remove."))
        #expect(try hostname(identity.pid) == "newbox")
        let exec = try NSBuildProcess.run(
          ["exec", "live", "--", "/bin/hostname"], environment: ["NSBUILD_STATE_DIR": folder + "/state"])
        #expect(exec.status == 0 && exec.stdout == "newbox\n", "\(exec.stdout)\(exec.stderr)")
        // The same main command, still running: nothing was restarted.
        #expect(children(of: identity.pid) == [main])
        #expect(RealKernel().hostname() != "newbox")
        // The record now holds the spec's plan: nothing left to do.
        let after = try live.plan(spec, folder)
        #expect(after.status == 0, "\(after.stdout)\(after.stderr)")
        let again = try apply(spec, folder, ["--detailed-exitcode"])
        #expect(again.status == 0 && again.stdout.contains("No changes"), "\(again.stdout)\(again.stderr)")
        let stored = try SandboxRecord.decode(try record(folder))
        #expect(stored.plan.steps.contains { $0.calls.contains(.sethostname(name: "newbox")) })
        #expect(stored.initProcess == identity && stored.appliedAt > 0)
      }
    }
  }

  @Test(.enabled(if: TargetPlanEndToEndTests.nsenter != nil, "needs nsenter(1) to look inside"))
  func aMountIsAddedAndRemovedInPlace() throws {
    try withFolder { folder in
      try withSandbox(folder) { specPath, applied, identity, main in
        let spec = try edited(applied, folder) { $0 + "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/mnt\"\n" }
        let added = try apply(spec, folder)
        #expect(added.status == 0, "\(added.stdout)\(added.stderr)")
        #expect(try mountPoints(identity.pid).contains("/mnt"))
        let nsenter = try #require(TargetPlanEndToEndTests.nsenter)
        let inside = try NSBuildProcess.runCommand(
          nsenter, ["-t", "\(identity.pid)", "--mount", "--", "sh", "-c", "grep ' /mnt ' /proc/self/mountinfo"])
        #expect(inside.stdout.contains("tmpfs"), "\(inside.stdout)\(inside.stderr)")
        #expect(!(try HostSnapshot.take().mountinfo.contains { $0.contains(" /mnt ") && $0.contains("tmpfs") }))

        // Back to the spec as it was: the mount is taken off.
        let removed = try apply(specPath, folder)
        #expect(removed.status == 0, "\(removed.stdout)\(removed.stderr)")
        #expect(!(try mountPoints(identity.pid).contains("/mnt")))
        #expect(try mountPoints(identity.pid).contains("/srv"))
        #expect(children(of: identity.pid) == [main])
        #expect(try live.plan(specPath, folder).status == 0)
      }
    }
  }

  @Test(.enabled(if: TargetPlanEndToEndTests.nsenter != nil, "needs nsenter(1) to change the sandbox by hand"))
  func driftMadeByHandIsBroughtBack() throws {
    try withFolder { folder in
      try withSandbox(folder) { specPath, _, identity, _ in
        try live.inside(identity.pid, "--uts", ["hostname", "handmade"])
        try live.inside(identity.pid, "--mount", ["sh", "-c", "echo by hand > /srv/motd"])
        #expect(try live.plan(specPath, folder).status == 2)
        let result = try apply(specPath, folder)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(try hostname(identity.pid) == "livebox")
        #expect(try String(contentsOfFile: "/proc/\(identity.pid)/root/srv/motd", encoding: .utf8) == "as applied")
        #expect(try live.plan(specPath, folder).status == 0)
      }
    }
  }

  /// A later step fails (a file whose path a folder made by hand inside now takes: EEXIST): the hostname set, the
  /// mount attached and the file rewritten before it are taken back, and the record is left alone.
  @Test(.enabled(if: TargetPlanEndToEndTests.nsenter != nil, "needs nsenter(1) to change the sandbox by hand"))
  func aFailedStepLeavesTheSandboxAsItWas() throws {
    try withFolder { folder in
      try withSandbox(folder) { _, applied, identity, main in
        let spec = try edited(applied, folder) {
          $0.replacingOccurrences(of: "livebox", with: "newbox")
            .replacingOccurrences(of: "content = \"as applied\"", with: "content = \"new\"")
            + "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/mnt\"\n"
            + "[[files]]\ntype = \"file\"\npath = \"/srv/taken\"\ncontent = \"x\"\n"
        }
        try live.inside(identity.pid, "--mount", ["mkdir", "/srv/taken"])
        let before = try mountPoints(identity.pid)
        let stored = try record(folder)
        let result = try apply(spec, folder)
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        // Reported as `run` reports a failed step: step, call, path, errno name, spec line.
        #expect(result.stderr.contains("edited.toml:"), "\(result.stderr)")
        #expect(result.stderr.contains("EEXIST") && result.stderr.contains("/srv/taken"), "\(result.stderr)")
        #expect(result.stderr.contains("step 4/4"), "\(result.stderr)")
        #expect(result.stderr.contains("taken back"), "\(result.stderr)")
        #expect(try hostname(identity.pid) == "livebox")
        #expect(try mountPoints(identity.pid) == before)
        #expect(try String(contentsOfFile: "/proc/\(identity.pid)/root/srv/motd", encoding: .utf8) == "as applied")
        #expect(try record(folder) == stored)
        #expect(children(of: identity.pid) == [main])
      }
    }
  }

  /// Drift that apply brings back (a hostname set by hand, /srv's tmpfs made read-only and smaller by hand) is set
  /// back as it stood when a later step fails: "as it was before apply" is the hand-made state, not the record's.
  @Test(.enabled(if: TargetPlanEndToEndTests.nsenter != nil, "needs nsenter(1) to change the sandbox by hand"))
  func driftBroughtBackBeforeAFailedStepIsSetBackAsItStood() throws {
    try withFolder { folder in
      try withSandbox(folder) { _, applied, identity, _ in
        let spec = try edited(applied, folder) {
          $0 + "[[files]]\ntype = \"file\"\npath = \"/srv/taken/x\"\ncontent = \"x\"\n"
        }
        // The failing step: /srv/taken is a file, so nothing can be created beneath it (ENOTDIR).
        try live.inside(identity.pid, "--mount", ["sh", "-c", "echo file > /srv/taken"])
        try live.inside(identity.pid, "--uts", ["hostname", "handmade"])
        try live.inside(identity.pid, "--mount", ["mount", "-o", "remount,size=4M", "/srv"])
        try live.inside(identity.pid, "--mount", ["mount", "-o", "remount,bind,ro", "/srv"])
        func srv() throws -> String {
          try String(contentsOfFile: "/proc/\(identity.pid)/mountinfo", encoding: .utf8).split(separator: "\n")
            .map(String.init).first { $0.split(separator: " ")[4] == "/srv" } ?? "no /srv"
        }
        let before = try srv()
        #expect(before.contains(" ro,") && before.contains("size=4096k"), "\(before)")
        let planned = try live.plan(spec, folder)
        #expect(planned.stdout.contains("undo: set hostname back to handmade"), "\(planned.stdout)")
        #expect(planned.stdout.contains("undo: set the mount on /srv back as it stood"), "\(planned.stdout)")

        let result = try apply(spec, folder)
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("/srv/taken") && result.stderr.contains("taken back"), "\(result.stderr)")
        #expect(try hostname(identity.pid) == "handmade")
        let after = try srv()
        #expect(after.contains(" ro,") && after.contains("size=4096k"), "\(after)")
        // Still drift, as before: the next plan brings it back.
        #expect(try live.plan(spec, folder).stdout.contains("restores drift: hostname"))
      }
    }
  }

  /// A tmpfs taken off before a failed step is attached again as it stood: the copy nsbuild kept of it
  /// (open_tree(2) OPEN_TREE_CLONE in the sandbox's mount namespace, across its user namespace) shares its
  /// superblock, so the file written in it by hand is there again, read through `nsbuild exec`.
  @Test(.enabled(if: TargetPlanEndToEndTests.nsenter != nil, "needs nsenter(1) to change the sandbox by hand"))
  func aMountTakenOffBeforeAFailedStepIsAttachedAgain() throws {
    try withFolder { folder in
      let mount = "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/mnt\"\nsize = \"4M\"\n"
      try withSandbox(folder, extra: mount) { _, applied, identity, _ in
        let spec = try edited(applied, folder) {
          $0.replacingOccurrences(of: mount, with: "")
            + "[[files]]\ntype = \"file\"\npath = \"/srv/taken\"\ncontent = \"x\"\n"
        }
        let environment = ["NSBUILD_STATE_DIR": folder + "/state"]
        let written = try NSBuildProcess.run(
          ["exec", "live", "--", "/bin/sh", "-c", "echo kept > /mnt/note"], environment: environment)
        try #require(written.status == 0, "\(written.stdout)\(written.stderr)")
        let planned = try live.plan(spec, folder)
        #expect(planned.stdout.contains("undo: attach the mount taken off /mnt again"), "\(planned.stdout)")
        try live.inside(identity.pid, "--mount", ["mkdir", "/srv/taken"])
        let result = try apply(spec, folder)
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("EEXIST") && result.stderr.contains("taken back"), "\(result.stderr)")
        // The unmount was step 1, taken before the file failed.
        #expect(result.stderr.contains("step 2/2"), "\(result.stderr)")
        let mounts = try String(contentsOfFile: "/proc/\(identity.pid)/mountinfo", encoding: .utf8)
        #expect(mounts.split(separator: "\n").filter { $0.contains(" /mnt ") && $0.contains("size=4096k") }.count == 1)
        let read = try NSBuildProcess.run(["exec", "live", "--", "/bin/cat", "/mnt/note"], environment: environment)
        #expect(read.status == 0 && read.stdout == "kept\n", "\(read.stdout)\(read.stderr)")
        #expect(try live.plan(try write(applied, to: folder), folder).status == 0)
        // A successful apply closes the copy: the tmpfs is gone for good, and nothing else holds it.
        try live.inside(identity.pid, "--mount", ["rmdir", "/srv/taken"])
        let removed = try apply(spec, folder)
        #expect(removed.status == 0, "\(removed.stdout)\(removed.stderr)")
        #expect(!(try mountPoints(identity.pid).contains("/mnt")))
      }
    }
  }

  /// `[process] rlimits` added: init's limit is set from outside with prlimit(2), which the processes it forks
  /// inherit.
  @Test func initsLimitsAreSetWithPrlimit() throws {
    try withFolder { folder in
      try withSandbox(folder) { _, applied, identity, main in
        let spec = try edited(applied, folder) {
          $0.replacingOccurrences(of: "\"1000\"]\n", with: "\"1000\"]\nrlimits = { nofile = 512 }\n")
        }
        let result = try apply(spec, folder)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let limits = try String(contentsOfFile: "/proc/\(identity.pid)/limits", encoding: .utf8)
        let line = limits.split(separator: "\n").first { $0.hasPrefix("Max open files") }
        #expect(line?.split(separator: " ").dropFirst(3).prefix(2) == ["512", "512"], "\(limits)")
        #expect(children(of: identity.pid) == [main])
      }
    }
  }

  /// The main command's limit changed by hand (`prlimit --pid`) is drift, read from its /proc/PID/limits (the
  /// process `up` set the spec's rlimits on): `status` and `plan` show it, a failed apply leaves the hand-made
  /// value, and apply sets the spec's back with prlimit(2), on the same process. (The undo of the limits step is
  /// checked on plan data in ``InPlaceApplierTests``: no in-place step comes after it to fail.)
  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit"), "needs prlimit(1)"))
  func theMainCommandsLimitsChangedByHandAreDrift() throws {
    try withFolder { folder in
      try withSandbox(folder, extra: "") { _, applied, identity, main in
        let spec = try edited(applied, folder) {
          $0.replacingOccurrences(of: "\"1000\"]\n", with: "\"1000\"]\nrlimits = { nofile = 512 }\n")
        }
        // Up again with the limit in the spec: `up` sets it on the main command.
        _ = try NSBuildProcess.run(["down", "live"], environment: ["NSBUILD_STATE_DIR": folder + "/state"])
        let up = try NSBuildProcess.run(
          ["up", spec, "--name", "live"], environment: ["NSBUILD_STATE_DIR": folder + "/state"])
        try #require(up.status == 0, "\(up.stdout)\(up.stderr)")
        let record = try SandboxRecord.decode(try record(folder))
        let command = try #require(record.mainCommand)
        func nofile() throws -> [Substring] {
          let limits = try String(contentsOfFile: "/proc/\(command.pid)/limits", encoding: .utf8)
          let line = limits.split(separator: "\n").first { $0.hasPrefix("Max open files") }
          return Array(line?.split(separator: " ").dropFirst(3).prefix(2) ?? [])
        }
        #expect(try nofile() == ["512", "512"])
        #expect(try live.plan(spec, folder).status == 0)

        let set = try NSBuildProcess.runCommand("/usr/bin/prlimit", ["--pid", "\(command.pid)", "--nofile=256:512"])
        try #require(set.status == 0, "\(set.stderr)")
        let status = try NSBuildProcess.run(["status", "live"], environment: ["NSBUILD_STATE_DIR": folder + "/state"])
        #expect(
          status.stdout.contains("drift: rlimits: applied nofile 512/512, now nofile 256/512"), "\(status.stdout)")
        let planned = try live.plan(spec, folder)
        #expect(planned.status == 2 && planned.stdout.contains("restores drift: rlimits"), "\(planned.stdout)")

        // A failed apply (its file step, planned before the limits) leaves the hand-made limit.
        let failing = folder + "/failing.toml"
        try Data(
          (try String(contentsOfFile: spec, encoding: .utf8)
            + "[[files]]\ntype = \"file\"\npath = \"/srv/motd/x\"\ncontent = \"x\"\n").utf8
        ).write(to: URL(fileURLWithPath: failing))
        let failed = try apply(failing, folder)
        #expect(failed.status == 1 && failed.stderr.contains("taken back"), "\(failed.stdout)\(failed.stderr)")
        #expect(try nofile() == ["256", "512"])

        let result = try apply(spec, folder)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(try nofile() == ["512", "512"])
        #expect(try live.plan(spec, folder).status == 0)
        _ = (identity, main)
      }
    }
  }

  @Test func aPlanThatReplacesTheSandboxIsRefused() throws {
    try withFolder { folder in
      try withSandbox(folder) { _, applied, identity, _ in
        let spec = try edited(applied, folder) {
          $0.replacingOccurrences(of: "\"pid\", \"net\"]", with: "\"pid\", \"net\", \"ipc\"]")
        }
        let stored = try record(folder)
        let result = try apply(spec, folder)
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("must be replaced"), "\(result.stderr)")
        #expect(result.stderr.contains("--replace") && result.stderr.contains("namespaces(7)"), "\(result.stderr)")
        #expect(try record(folder) == stored)
        #expect(identity.isAlive(reader: RealKernel()))
      }
    }
  }

  /// Rootless: a sandbox nobody (65534) brings up in its own user namespace is changed in place by nobody, whose
  /// joiner enters the user namespace first; the record, in nobody's state folder, is rewritten by nobody.
  @Test(.enabled(if: TargetPlanEndToEndTests.nsenter != nil, "needs nsenter(1) to look inside"))
  func aRootlessSandboxIsChangedByItsOwner() throws {
    try withFolder { folder in
      let (specPath, text) = try writeRootlessSleeper(in: folder)
      // nobody's state folder, as its $XDG_RUNTIME_DIR/nsbuild would be.
      try FileManager.default.createDirectory(
        atPath: folder + "/state", withIntermediateDirectories: true,
        attributes: [.ownerAccountID: 65534, .groupOwnerAccountID: 65534, .posixPermissions: 0o700])
      let environment = ["NSBUILD_STATE_DIR": folder + "/state"]
      let up = try NSBuildProcess.run(
        ["up", specPath, "--name", "live"], binary: folder + "/nsbuild", asUser: 65534, environment: environment)
      defer {
        _ = try? NSBuildProcess.run(
          ["down", "live"], binary: folder + "/nsbuild", asUser: 65534, environment: environment)
        try? waitFor("every process of the sandbox to end") { processes(mentioning: folder).isEmpty }
      }
      try #require(up.status == 0, "\(up.stdout)\(up.stderr)")
      let identity = try SandboxRecord.decode(try record(folder)).initProcess
      let edited = folder + "/edited.toml"
      try Data(text.replacingOccurrences(of: "rootlessbox", with: "newbox").utf8).write(
        to: URL(fileURLWithPath: edited))
      try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: edited)
      let result = try NSBuildProcess.run(
        ["apply", edited, "--target", "live"], binary: folder + "/nsbuild", asUser: 65534,
        environment: ["NSBUILD_STATE_DIR": folder + "/state"])
      #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
      #expect(try hostname(identity.pid) == "newbox")
      let stored = try SandboxRecord.decode(try self.record(folder))
      #expect(stored.plan.steps.contains { $0.calls.contains(.sethostname(name: "newbox")) })
      let after = try NSBuildProcess.run(
        ["plan", edited, "--target", "live", "--detailed-exitcode"], binary: folder + "/nsbuild", asUser: 65534,
        environment: ["NSBUILD_STATE_DIR": folder + "/state"])
      #expect(after.status == 0, "\(after.stdout)\(after.stderr)")
    }
  }

  /// Rootless: the tmpfs nobody's apply takes off is kept by open_tree(2) OPEN_TREE_CLONE in a mount namespace its
  /// own user namespace owns (the joiner enters that user namespace first), and attached again, with the file
  /// written in it, when a later step fails (a file beneath /etc/hostname, a file: ENOTDIR).
  @Test func aRootlessSandboxGetsItsTmpfsBackWithItsFilesAfterAFailedApply() throws {
    try withFolder { folder in
      let (specPath, text) = try writeRootlessSleeper(in: folder)
      try FileManager.default.createDirectory(
        atPath: folder + "/state", withIntermediateDirectories: true,
        attributes: [.ownerAccountID: 65534, .groupOwnerAccountID: 65534, .posixPermissions: 0o700])
      let environment = ["NSBUILD_STATE_DIR": folder + "/state"]
      func nsbuild(_ arguments: [String]) throws -> NSBuildProcess.Result {
        try NSBuildProcess.run(arguments, binary: folder + "/nsbuild", asUser: 65534, environment: environment)
      }
      let up = try nsbuild(["up", specPath, "--name", "live"])
      defer {
        _ = try? nsbuild(["down", "live"])
        try? waitFor("every process of the sandbox to end") { processes(mentioning: folder).isEmpty }
      }
      try #require(up.status == 0, "\(up.stdout)\(up.stderr)")
      let written = try nsbuild(["exec", "live", "--", "/bin/sh", "-c", "echo kept > /srv/note"])
      try #require(written.status == 0, "\(written.stdout)\(written.stderr)")
      let edited = folder + "/edited.toml"
      let dropped = text.replacingOccurrences(of: "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/srv\"\n", with: "")
      try #require(dropped != text)
      try Data(
        (dropped + "[[files]]\ntype = \"file\"\npath = \"/etc/hostname/x\"\ncontent = \"x\"\n").utf8
      ).write(to: URL(fileURLWithPath: edited))
      try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: edited)
      let result = try nsbuild(["apply", edited, "--target", "live"])
      #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
      #expect(result.stderr.contains("step 2/2") && result.stderr.contains("taken back"), "\(result.stderr)")
      let read = try nsbuild(["exec", "live", "--", "/bin/cat", "/srv/note"])
      #expect(read.status == 0 && read.stdout == "kept\n", "\(read.stdout)\(read.stderr)")
      #expect(try nsbuild(["plan", specPath, "--target", "live", "--detailed-exitcode"]).status == 0)
    }
  }

  /// Two applies of one spec at once serialize on the sandbox's lock: the first attaches the mount, the second, which
  /// plans under the lock against the first's record, finds nothing to do. Unserialized, both would attach it.
  @Test func twoConcurrentAppliesSerialize() throws {
    try withFolder { folder in
      try withSandbox(folder) { _, applied, identity, _ in
        let spec = try edited(applied, folder) {
          $0.replacingOccurrences(of: "livebox", with: "newbox") + "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/mnt\"\n"
        }
        let applies = (0..<2).map { index -> (Foundation.Process, String) in
          let process = Foundation.Process()
          process.executableURL = URL(fileURLWithPath: NSBuildProcess.binary)
          process.arguments = ["apply", spec, "--target", "live"]
          process.environment = ProcessInfo.processInfo.environment.merging(["NSBUILD_STATE_DIR": folder + "/state"]) {
            $1
          }
          let log = folder + "/apply\(index).log"
          FileManager.default.createFile(atPath: log, contents: nil)
          let handle = FileHandle(forWritingAtPath: log)
          process.standardOutput = handle
          process.standardError = handle
          process.standardInput = FileHandle.nullDevice
          return (process, log)
        }
        for (process, _) in applies { try process.run() }
        for (process, _) in applies { process.waitUntilExit() }
        let logs = try applies.map { try String(contentsOfFile: $0.1, encoding: .utf8) }
        #expect(applies.allSatisfy { $0.0.terminationStatus == 0 }, "\(logs)")
        #expect(logs.filter { $0.contains("Applied to sandbox") }.count == 1, "\(logs)")
        #expect(logs.filter { $0.contains("No changes") }.count == 1, "\(logs)")
        #expect(try mountPoints(identity.pid).filter { $0 == "/mnt" }.count == 1)
        #expect(try hostname(identity.pid) == "newbox")
        // The record is whole, and holds the spec's plan.
        let stored = try SandboxRecord.decode(try record(folder))
        #expect(stored.plan.steps.contains { $0.calls.contains(.sethostname(name: "newbox")) })
        #expect(try live.plan(spec, folder).status == 0)
      }
    }
  }

  /// A changed uid_map cannot be written again: plan marks it `-/+` with its reason, apply refuses, and
  /// `apply --replace` ends the sandbox and starts it again from the spec (a new init, with the new map).
  @Test func aChangedUidMapReplacesTheSandboxOnlyWithReplace() throws {
    try withFolder { folder in
      try NSBuildProcess.placeExecutable("/bin/sleep", at: folder + "/sleep")
      let text = """
        version = 1
        [namespaces]
        unshare = ["user", "mount", "uts", "pid"]
        [user]
        uid_map = [{ inside = 0, outside = 0, count = 1 }]
        gid_map = [{ inside = 0, outside = 0, count = 1 }]
        [uts]
        hostname = "mapped"
        [[mounts]]
        type = "tmpfs"
        target = "/srv"
        [process]
        args = ["\(folder)/sleep", "1000"]

        """
      let specPath = try write(text, to: folder)
      let environment = ["NSBUILD_STATE_DIR": folder + "/state"]
      let up = try NSBuildProcess.run(["up", specPath, "--name", "live"], environment: environment)
      defer {
        _ = try? NSBuildProcess.run(["down", "live"], environment: environment)
        try? waitFor("every process of the sandbox to end") { processes(mentioning: folder).isEmpty }
      }
      try #require(up.status == 0, "\(up.stdout)\(up.stderr)")
      let old = try SandboxRecord.decode(try record(folder)).initProcess
      let spec = try edited(text, folder) {
        $0.replacingOccurrences(
          of: "uid_map = [{ inside = 0, outside = 0, count = 1 }]",
          with: "uid_map = [{ inside = 0, outside = 0, count = 2 }]")
      }
      let planned = try live.plan(spec, folder)
      #expect(planned.status == 2, "\(planned.stderr)")
      #expect(planned.stdout.contains("-/+"), "\(planned.stdout)")
      #expect(planned.stdout.contains("uid_map and gid_map can be written once"), "\(planned.stdout)")

      let refused = try apply(spec, folder)
      #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
      #expect(refused.stderr.contains("must be replaced") && refused.stderr.contains("user_namespaces(7)"))
      #expect(old.isAlive(reader: RealKernel()))

      let replaced = try apply(spec, folder, ["--replace"])
      #expect(replaced.status == 0, "\(replaced.stdout)\(replaced.stderr)")
      let new = try SandboxRecord.decode(try record(folder)).initProcess
      #expect(new != old && !old.isAlive(reader: RealKernel()) && new.isAlive(reader: RealKernel()))
      let map = try String(contentsOfFile: "/proc/\(new.pid)/uid_map", encoding: .utf8)
      #expect(map.split(whereSeparator: { $0 == " " || $0 == "\n" }) == ["0", "0", "2"], "\(map)")
      let after = try live.plan(spec, folder)
      #expect(after.status == 0, "\(after.stdout)\(after.stderr)")
    }
  }

  /// The ids and titles of `target.apply` in `plan SPEC --target live --format json`, by id.
  func plannedSteps(_ spec: String, _ folder: String) throws -> [Int: String] {
    let json = try NSBuildProcess.run(
      ["plan", spec, "--target", "live", "--format", "json"], environment: ["NSBUILD_STATE_DIR": folder + "/state"])
    let fields = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
    let target = try #require(fields?["target"] as? [String: Any], "\(json.stdout)\(json.stderr)")
    let steps = try #require(target["apply"] as? [[String: Any]])
    var titles: [Int: String] = [:]
    for step in steps {
      guard let id = step["id"] as? Int, let title = step["title"] as? String else { continue }
      titles[id] = title
    }
    return titles
  }

  /// The steps `apply --verbose` says it takes (`nsbuild: step N/M title`) in `text`, by id.
  func takenSteps(_ text: String) -> [Int: String] {
    var taken: [Int: String] = [:]
    for line in text.split(separator: "\n") where line.hasPrefix("nsbuild: step ") {
      let rest = line.dropFirst("nsbuild: step ".count)
      guard let slash = rest.firstIndex(of: "/"), let id = Int(rest[..<slash]),
        let space = rest.firstIndex(of: " ")
      else { continue }
      taken[id] = String(rest[rest.index(after: space)...])
    }
    return taken
  }

  /// The `Umask:` line of /proc/PID/status (proc(5)): the umask a process runs with.
  func umask(_ pid: Int32) throws -> String? {
    try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8).split(separator: "\n")
      .first { $0.hasPrefix("Umask:") }.map {
        String($0.dropFirst("Umask:".count)).trimmingCharacters(in: .whitespaces)
      }
  }

  /// The NUL-separated strings of /proc/PID/environ or /proc/PID/cmdline.
  func procStrings(_ pid: Int32, _ file: String) -> [String] {
    let data = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/\(file)"))) ?? Data()
    return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
  }

  /// A `[process]` change with a main command: `-/+` of it with execve(2)'s reason; apply ends the old command and
  /// starts the new one with the new args and env in the same sandbox (init, hostname and namespaces stay), twice
  /// (the second time through the keeper the first apply left); the new command's end still ends the sandbox.
  @Test(.enabled(if: TargetPlanEndToEndTests.nsenter != nil, "needs nsenter(1) to look inside"))
  func aProcessChangeReplacesTheMainCommandInPlace() throws {
    try withFolder { folder in
      try withSandbox(folder) { _, applied, identity, main in
        let namespaces = LiveSandboxTests.namespaces(of: Int(identity.pid))
        var current = main
        // `up` recorded its main command: init's child, kept by init.
        let upRecord = try SandboxRecord.decode(try record(folder))
        #expect(upRecord.mainCommand?.pid == main && upRecord.mainKeeper == nil)
        for (mark, seconds) in [("second", "2000"), ("third", "3000")] {
          let spec = try edited(applied, folder) {
            $0.replacingOccurrences(of: "\"1000\"]\n", with: "\"\(seconds)\"]\nenv = { MARK = \"\(mark)\" }\n")
          }
          let planned = try live.plan(spec, folder)
          #expect(planned.status == 2, "\(planned.stdout)\(planned.stderr)")
          let marked = planned.stdout.split(separator: "\n").filter {
            $0.hasPrefix("-/+") && !$0.hasPrefix("-/+ main command replaced")
          }
          #expect(marked.count == 1 && marked.allSatisfy { $0.contains("exec") }, "\(planned.stdout)")
          #expect(planned.stdout.contains("execve(2)"), "\(planned.stdout)")
          #expect(planned.stdout.contains(TargetPlanner.mainCommandReplaced), "\(planned.stdout)")
          #expect(planned.stdout.contains("signal \(mark == "second" ? "init" : "the keeper")"), "\(planned.stdout)")
          #expect(planned.stdout.contains("end main command \(current) (SIGTERM, SIGKILL after 10 s)"))
          let printed = try plannedSteps(spec, folder)
          #expect(
            printed.values.contains { $0.hasPrefix("end main command") } && printed.values.contains("fork the keeper"))

          let result = try apply(spec, folder, ["--verbose"])
          #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
          // Every step plan printed was taken, in nsbuild or in the keeper and the command (whose stderr is the
          // log), and no other: the same ids and titles.
          let log = (try? String(contentsOfFile: folder + "/state/live/output.log", encoding: .utf8)) ?? ""
          #expect(takenSteps(result.stderr + "\n" + log) == printed, "\(result.stderr)\(log)")
          try? Data().write(to: URL(fileURLWithPath: folder + "/state/live/output.log"))
          let record = try SandboxRecord.decode(try record(folder))
          #expect(record.initProcess == identity)
          let new = try #require(record.mainCommand)
          #expect(new.pid != current && new.isAlive(reader: RealKernel()))
          #expect(
            ProcessIdentity.current(of: current, reader: RealKernel()).map { $0.isAlive(reader: RealKernel()) } != true)
          #expect(procStrings(new.pid, "environ").contains("MARK=\(mark)"), "\(procStrings(new.pid, "environ"))")
          #expect(procStrings(new.pid, "cmdline") == [folder + "/sleep", seconds])
          #expect(identity.isAlive(reader: RealKernel()))
          #expect(try hostname(identity.pid) == "livebox")
          #expect(LiveSandboxTests.namespaces(of: Int(new.pid)) == namespaces)
          let status = try NSBuildProcess.run(
            ["status", "--format", "json", "live"], environment: ["NSBUILD_STATE_DIR": folder + "/state"])
          let fields = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
          #expect(fields?["main_pid"] as? Int == Int(new.pid), "\(status.stdout)")
          #expect(fields?["keeper_pid"] as? Int == record.mainKeeper.map { Int($0.pid) }, "\(status.stdout)")
          let text = try NSBuildProcess.run(["status", "live"], environment: ["NSBUILD_STATE_DIR": folder + "/state"])
          let keeperPID = try #require(record.mainKeeper?.pid)
          #expect(
            text.stdout.contains("main:     \(new.pid) (kept by pid \(keeperPID), started by apply)"), "\(text.stdout)")
          let after = try live.plan(spec, folder)
          #expect(after.status == 0, "\(after.stdout)\(after.stderr)")
          current = new.pid
        }
        // The main command's end is the sandbox's, as before: init ends, and the keeper with it.
        let keeper = try #require(try SandboxRecord.decode(try record(folder)).mainKeeper)
        kill(current, SIGTERM)
        try waitFor("the sandbox to end with its main command") {
          !identity.isAlive(reader: RealKernel()) && !keeper.isAlive(reader: RealKernel())
        }
      }
      #expect(processes(mentioning: folder).isEmpty)
    }
  }

  /// nsbuild killed after the keeper of a new main command was forked, before the record named it: the record is
  /// the one apply wrote first (the new plan, the main command not yet replaced, the old command and keeper). Made
  /// here by writing that record back over a replacement that finished. The next apply finds the unrecorded keeper
  /// (it writes to the sandbox's log and forks into its pid namespace from outside), says so in its plan, and ends
  /// its command and it before starting the new one: one main command runs, and the sandbox stays.
  @Test(.enabled(if: TargetPlanEndToEndTests.nsenter != nil, "needs nsenter(1) to look inside"))
  func anApplyKilledBeforeItsRecordLeavesOneMainCommand() throws {
    try withFolder { folder in
      try withSandbox(folder) { _, applied, identity, main in
        let upRecord = try SandboxRecord.decode(try record(folder))
        let spec = try edited(applied, folder) {
          $0.replacingOccurrences(of: "\"1000\"]\n", with: "\"2000\"]\nenv = { MARK = \"second\" }\n")
        }
        let first = try apply(spec, folder)
        try #require(first.status == 0, "\(first.stdout)\(first.stderr)")
        var window = try SandboxRecord.decode(try record(folder))
        let (command, keeper) = (try #require(window.mainCommand), try #require(window.mainKeeper))
        window.mainCommand = upRecord.mainCommand
        window.mainKeeper = nil
        window.mainCommandOutdated = true
        try Data(try window.encoded()).write(to: URL(fileURLWithPath: folder + "/state/live/state.json"))

        let planned = try live.plan(spec, folder)
        #expect(planned.status == 2, "\(planned.stdout)\(planned.stderr)")
        #expect(planned.stdout.contains("signal the keeper \(keeper.pid)"), "\(planned.stdout)")
        #expect(planned.stdout.contains("end main command \(command.pid) "), "\(planned.stdout)")
        #expect(planned.stdout.contains("wait for the keeper \(keeper.pid) to exit (not recorded"))
        #expect(!planned.stdout.contains("end main command \(main) "), "the old command ended: \(planned.stdout)")

        let second = try apply(spec, folder)
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        let after = try SandboxRecord.decode(try record(folder))
        let new = try #require(after.mainCommand)
        #expect(!command.isAlive(reader: RealKernel()) && !keeper.isAlive(reader: RealKernel()))
        #expect(new != command && new.isAlive(reader: RealKernel()) && identity.isAlive(reader: RealKernel()))
        #expect(after.mainCommandOutdated == nil && after.mainKeeper != keeper)
        // One main command: the only process running the sleep copy with the new args.
        let sleepers = processes(mentioning: folder + "/sleep 2000")
        #expect(sleepers.count == 1, "\(sleepers)")
        #expect(try hostname(identity.pid) == "livebox")
      }
    }
  }

  /// Rootless, as nobody: apply replaces the main command with one that has the new env, init stays; `down` then
  /// leaves nothing (init, the new command, its keeper, the state).
  @Test func aRootlessMainCommandIsReplacedByItsOwner() throws {
    try withFolder { folder in
      let (specPath, text) = try writeRootlessSleeper(in: folder)
      try FileManager.default.createDirectory(
        atPath: folder + "/state", withIntermediateDirectories: true,
        attributes: [.ownerAccountID: 65534, .groupOwnerAccountID: 65534, .posixPermissions: 0o700])
      let environment = ["NSBUILD_STATE_DIR": folder + "/state"]
      func nobody(_ arguments: [String]) throws -> NSBuildProcess.Result {
        try NSBuildProcess.run(arguments, binary: folder + "/nsbuild", asUser: 65534, environment: environment)
      }
      try #require(try nobody(["up", specPath, "--name", "live"]).status == 0)
      defer {
        _ = try? nobody(["down", "live"])
        try? waitFor("every process of the sandbox to end") { processes(mentioning: folder).isEmpty }
      }
      let before = try SandboxRecord.decode(try record(folder))
      let old = try #require(before.mainCommand)
      let edited = folder + "/edited.toml"
      try Data(text.replacingOccurrences(of: "\"1000\"]\n", with: "\"1000\"]\nenv = { MARK = \"nobody\" }\n").utf8)
        .write(to: URL(fileURLWithPath: edited))
      try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: edited)
      let planned = try nobody(["plan", edited, "--target", "live", "--detailed-exitcode"])
      #expect(planned.status == 2 && planned.stdout.contains("-/+"), "\(planned.stdout)\(planned.stderr)")
      let result = try nobody(["apply", edited, "--target", "live"])
      #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
      let after = try SandboxRecord.decode(try record(folder))
      let new = try #require(after.mainCommand)
      #expect(after.initProcess == before.initProcess && before.initProcess.isAlive(reader: RealKernel()))
      #expect(new != old && !old.isAlive(reader: RealKernel()))
      #expect(procStrings(new.pid, "environ").contains("MARK=nobody"))
      let keeper = try #require(after.mainKeeper)
      // down ends init, the new command with its pid namespace, and waits for the keeper: nothing is left.
      let down = try nobody(["down", "live"])
      #expect(down.status == 0, "\(down.stdout)\(down.stderr)")
      for process in [before.initProcess, new, keeper] { #expect(!process.isAlive(reader: RealKernel())) }
      #expect(processes(mentioning: folder).isEmpty)
      #expect(!FileManager.default.fileExists(atPath: folder + "/state/live"))
    }
  }

  /// A new main command that cannot be started though its program is there, executable (a file of no format the
  /// kernel runs: the check before the old one is ended does not read it): apply exits 1 naming the failed step and
  /// saying what became of the old one; the sandbox ends with the failed command, as with any main command's end,
  /// and down leaves nothing.
  @Test func aNewMainCommandThatCannotStartIsReported() throws {
    try withFolder { folder in
      try withSandbox(folder) { _, applied, identity, main in
        try Data("not a program\n".utf8).write(to: URL(fileURLWithPath: folder + "/garbage"))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder + "/garbage")
        let spec = try edited(applied, folder) {
          $0.replacingOccurrences(of: "args = [\"\(folder)/sleep\"", with: "args = [\"\(folder)/garbage\"")
        }
        let old = try #require(ProcessIdentity.current(of: main, reader: RealKernel()))
        let printed = try plannedSteps(spec, folder)
        let exec = try #require(printed.first { $0.value.hasPrefix("exec ") }?.key, "\(printed)")
        let result = try apply(spec, folder)
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("ENOEXEC"), "\(result.stderr)")
        // Numbered as plan --target numbered it.
        #expect(result.stderr.contains("step \(exec)/\(printed.count) exec"), "\(result.stderr)")
        #expect(result.stderr.contains("the old main command was ended"), "\(result.stderr)")
        #expect(!old.isAlive(reader: RealKernel()))
        try waitFor("the sandbox to end with its failed main command") { !identity.isAlive(reader: RealKernel()) }
        let record = try SandboxRecord.decode(try record(folder))
        #expect(record.mainCommandOutdated == true)
      }
      #expect(processes(mentioning: folder).isEmpty)
    }
  }

  /// A new main command whose program the sandbox does not have, or cannot execute: the planned check (before the
  /// old command is ended, as `plan --target` lists it) stops apply with execve(2)'s errno. The old command keeps
  /// running, the hostname changed by the same apply is taken back, the record stays as it was. The program is
  /// looked up inside the sandbox: one the host has under a folder a tmpfs covers inside is not found.
  @Test(arguments: [
    ("/hidden/prog", "ENOENT"), ("/plain", "EACCES"), ("/folder", "EACCES"), ("nsbuild-no-such-program", "ENOENT"),
  ])
  func aNewProgramTheSandboxCannotExecuteLeavesTheOldCommandRunning(program: String, errno: String) throws {
    try withFolder { folder in
      let manager = FileManager.default
      try manager.createDirectory(atPath: folder + "/hidden", withIntermediateDirectories: true)
      try manager.createDirectory(atPath: folder + "/folder", withIntermediateDirectories: true)
      try NSBuildProcess.placeExecutable("/bin/sleep", at: folder + "/hidden/prog")
      try Data("not executable\n".utf8).write(to: URL(fileURLWithPath: folder + "/plain"))
      let hidden = "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"\(folder)/hidden\"\n"
      try withSandbox(folder, extra: hidden) { _, applied, identity, main in
        // A leading `/`: a path in the scratch folder; else a name searched in PATH.
        let named = program.hasPrefix("/") ? folder + program : program
        let spec = try edited(applied, folder) {
          $0.replacingOccurrences(of: "args = [\"\(folder)/sleep\"", with: "args = [\"\(named)\"")
            .replacingOccurrences(of: "hostname = \"livebox\"", with: "hostname = \"changed\"")
        }
        let old = try #require(ProcessIdentity.current(of: main, reader: RealKernel()))
        let before = try record(folder)
        let printed = try plannedSteps(spec, folder)
        let check = try #require(printed.first { $0.value.hasPrefix("find ") }?.key, "\(printed)")
        let end = try #require(printed.first { $0.value.hasPrefix("end main command") }?.key, "\(printed)")
        #expect(check < end)
        let result = try apply(spec, folder)
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("step \(check)/\(printed.count) find"), "\(result.stderr)")
        #expect(result.stderr.contains("execve(2): \(errno)"), "\(result.stderr)")
        #expect(result.stderr.contains("the old one still runs"), "\(result.stderr)")
        #expect(old.isAlive(reader: RealKernel()))
        #expect(identity.isAlive(reader: RealKernel()))
        #expect(try hostname(identity.pid) == "livebox")
        #expect(try record(folder) == before)
      }
    }
  }

  /// The check passes for a program found in the sandbox's PATH: apply replaces the command with it.
  @Test func aNewProgramFoundInPathReplacesTheOldCommand() throws {
    try withFolder { folder in
      try withSandbox(folder) { _, applied, _, main in
        let spec = try edited(applied, folder) {
          $0.replacingOccurrences(of: "args = [\"\(folder)/sleep\", \"1000\"]", with: "args = [\"sleep\", \"2000\"]")
        }
        let old = try #require(ProcessIdentity.current(of: main, reader: RealKernel()))
        let result = try apply(spec, folder)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(!old.isAlive(reader: RealKernel()))
        let replaced = try SandboxRecord.decode(try record(folder)).mainCommand
        #expect(replaced.map { procStrings($0.pid, "cmdline") } == ["sleep", "2000"])
      }
    }
  }

  /// The handoff signal sent to init from inside the sandbox (kill(2) gives the sender's pid) is not apply's: the
  /// main command's end still ends the sandbox.
  @Test func aHandoffSignalFromInsideIsIgnored() throws {
    try withFolder { folder in
      try withSandbox(folder) { _, _, identity, main in
        let handoff = RealKernel().handoffSignal
        let inside = try NSBuildProcess.run(
          ["exec", "live", "--", "/bin/sh", "-c", "kill -\(handoff) 1 && echo sent"],
          environment: ["NSBUILD_STATE_DIR": folder + "/state"])
        #expect(inside.stdout == "sent\n", "\(inside.stdout)\(inside.stderr)")
        kill(main, SIGTERM)
        try waitFor("the sandbox to end with its main command") { !identity.isAlive(reader: RealKernel()) }
      }
    }
  }

  /// The steps `plan --target` lists for apply, as `apply --verbose` traces them (`nsbuild: step N/K TITLE`).
  func traceLines(_ planned: String) -> [String] {
    let titles = planned.split(separator: "\n").compactMap { line -> String? in
      let text = line.trimmingCharacters(in: .whitespaces)
      guard text.hasPrefix("apply "), let colon = text.range(of: ": ") else { return nil }
      return String(text[colon.upperBound...])
    }
    return titles.enumerated().map { "nsbuild: step \($0.offset + 1)/\(titles.count) \($0.element)\n" }
  }

  /// nsbuild killed with SIGKILL between two in-place steps (after the hostname; after the mount on /mnt added): its
  /// stderr is a pipe of two pages whose room fits the trace lines of the steps to take and no more (a pipe write of
  /// at most PIPE_BUF bytes is atomic, pipe(7)), so it blocks writing the next one's, after those steps. The sandbox
  /// is left half changed: `plan --target` reads it (exit 2, no error), the lock died with the process (flock(2)),
  /// and `apply` converges (then plan is 0, and /mnt holds one mount).
  @Test(arguments: [1, 3]) func anApplyKilledBetweenStepsIsFixedByTheNextApply(stepsTaken: Int) throws {
    try withFolder { folder in
      try withSandbox(folder) { _, applied, identity, main in
        let spec = try edited(applied, folder) {
          $0.replacingOccurrences(of: "livebox", with: "newbox")
            .replacingOccurrences(
              of: "size = \"8M\"", with: "size = \"16M\"\n[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/mnt\""
            )
            .replacingOccurrences(of: "as applied", with: "changed")
        }
        let planned = try live.plan(spec, folder)
        let lines = traceLines(planned.stdout)
        try #require(
          planned.status == 2 && lines.count > stepsTaken && lines[2].hasSuffix("mount tmpfs on /mnt\n"),
          "\(planned.stdout)\(planned.stderr)")

        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        // F_SETPIPE_SZ (fcntl(2); Glibc's module does not export it without _GNU_SOURCE).
        let setPipeSize: Int32 = 1031
        try #require(fcntl(fds[1], setPipeSize, Int32(2 * page)) == Int32(2 * page))
        // What apply writes to stderr before its first step (the spec's warnings), as an apply of the same spec to
        // a sandbox that does not exist writes it before its error.
        let absent = try NSBuildProcess.run(
          ["apply", spec, "--target", "absent", "--verbose"], environment: ["NSBUILD_STATE_DIR": folder + "/state"])
        let prefix = try #require(absent.stderr.components(separatedBy: "nsbuild: error").first)
        let room = prefix.utf8.count + lines.prefix(stepsTaken).joined().utf8.count
        try #require(room < page, "\(absent.stderr)")
        let filler = [UInt8](repeating: UInt8(ascii: "."), count: 2 * page - room)
        try #require(Glibc.write(fds[1], filler, filler.count) == filler.count)
        let process = Foundation.Process()
        process.executableURL = URL(fileURLWithPath: NSBuildProcess.binary)
        process.arguments = ["apply", spec, "--target", "live", "--verbose"]
        process.environment = ProcessInfo.processInfo.environment.merging(["NSBUILD_STATE_DIR": folder + "/state"]) {
          $1
        }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(fileDescriptor: fds[1], closeOnDealloc: true)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try waitFor("apply to block writing its second step's trace line") {
          let wchan = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/wchan", encoding: .utf8)) ?? ""
          return wchan.contains("pipe_write") || !process.isRunning
        }
        try #require(process.isRunning, "apply ended before its second step")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)
        // What it wrote: the first step's trace line, nothing after it.
        var written = [UInt8](repeating: 0, count: 2 * page)
        let count = Glibc.read(fds[0], &written, written.count)
        let trace = String(decoding: written[..<max(count, 0)].dropFirst(filler.count), as: UTF8.self)
        #expect(trace == prefix + lines.prefix(stepsTaken).joined())
        // No joiner of it lives on, and the lock is free (flock(1) -n fails at once when it is held).
        try waitFor("the killed apply's processes to end") { processes(mentioning: "apply \(spec)").isEmpty }
        let lock = try NSBuildProcess.runCommand("/usr/bin/flock", ["-n", folder + "/state/live/lock", "true"])
        #expect(lock.status == 0, "the lock is still held: \(lock.stderr)")

        let half = try live.plan(spec, folder)
        #expect(half.status == 2 && !half.stderr.contains("error"), "\(half.stdout)\(half.stderr)")
        // The hostname the killed apply set is already so, not drift to bring back.
        #expect(!traceLines(half.stdout).contains { $0.contains("hostname") }, "\(half.stdout)")
        #expect(half.stdout.contains("Drift: none"), "\(half.stdout)")
        let result = try apply(spec, folder)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(try hostname(identity.pid) == "newbox")
        #expect(try mountPoints(identity.pid).filter { $0 == "/mnt" }.count == 1)
        #expect(children(of: identity.pid) == [main])
        let after = try live.plan(spec, folder)
        #expect(after.status == 0, "\(after.stdout)\(after.stderr)")
      }
    }
  }
}
