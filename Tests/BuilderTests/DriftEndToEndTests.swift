import Foundation
import SpecParser
import Testing

@testable import Builder

/// Drift made by hand inside real sandboxes (`nsbuild up`, own NSBUILD_STATE_DIR): a mount remounted read-only or
/// to another size, a mount added beneath the spec's, a `[[files]]` file deleted. `status` (text and JSON) and
/// `plan --target` report it apart from the spec's changes, and `apply` brings the sandbox back to the spec, checked
/// from inside (`exec`) and from the host (/proc/PID/mountinfo). Helpers are ``ApplyEndToEndTests``'s.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct DriftEndToEndTests: ScratchFolderTests {
  let sandbox = ApplyEndToEndTests()

  func run(_ arguments: [String], _ folder: String) throws -> NSBuildProcess.Result {
    try NSBuildProcess.run(arguments, environment: ["NSBUILD_STATE_DIR": folder + "/state"])
  }

  /// The `drift` list of `status --format json`.
  func jsonDrift(_ folder: String) throws -> [[String: Any]] {
    let result = try run(["status", "live", "--format", "json"], folder)
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    return try #require(object?["drift"] as? [[String: Any]], "\(result.stdout)\(result.stderr)")
  }

  /// The mountinfo line of `path` in the sandbox's mount namespace, read from the host.
  func mountLine(_ pid: Int32, _ path: String) throws -> String? {
    try String(contentsOfFile: "/proc/\(pid)/mountinfo", encoding: .utf8).split(separator: "\n")
      .last { $0.split(separator: " ").count > 4 && $0.split(separator: " ")[4] == path }.map(String.init)
  }

  @Test(.enabled(if: TargetPlanEndToEndTests.nsenter != nil, "needs nsenter(1) to change the sandbox by hand"))
  func aMountRemountedByHandIsSetBackInPlaceWithItsContents() throws {
    try withFolder { folder in
      try sandbox.withSandbox(folder) { specPath, _, identity, main in
        #expect(try jsonDrift(folder).isEmpty)
        try sandbox.live.inside(
          identity.pid, "--mount", ["sh", "-c", "echo kept > /srv/kept && mount -o remount,ro,size=4M /srv"])
        #expect(try mountLine(identity.pid, "/srv")?.contains("size=4096k") == true)

        let status = try run(["status", "live"], folder)
        #expect(status.stdout.contains("drift: mount /srv: applied options rw; size 8192k, now options ro"))
        let drift = try jsonDrift(folder)
        #expect(drift.count == 1 && drift.first?["name"] as? String == "mount /srv", "\(drift)")
        #expect((drift.first?["live"] as? String)?.contains("size 4096k") == true, "\(drift)")

        let planned = try sandbox.live.plan(specPath, folder)
        #expect(planned.status == 2, "\(planned.stdout)\(planned.stderr)")
        let marked = planned.stdout.split(separator: "\n").filter { !$0.hasPrefix(" ") && !$0.hasPrefix("=") }
        #expect(marked.contains { $0.hasPrefix("~") && $0.contains("mount tmpfs on /srv") }, "\(planned.stdout)")
        #expect(planned.stdout.contains("Drift (changed inside"), "\(planned.stdout)")
        #expect(planned.stdout.contains("FSCONFIG_SET_FLAG, \"rw\""), "\(planned.stdout)")
        #expect(planned.stdout.contains("Plan: 0 to add, 1 to change, 0 to remove."), "\(planned.stdout)")

        let applied = try sandbox.apply(specPath, folder)
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        let line = try #require(try mountLine(identity.pid, "/srv"))
        #expect(line.contains(" rw,") && line.contains("size=8192k") && !line.contains(" ro,"), "\(line)")
        // The same mount, set back where it stands: what was written in it is still there, and it is writable.
        let inside = try run(["exec", "live", "--", "/bin/sh", "-c", "cat /srv/kept && echo more > /srv/kept"], folder)
        #expect(inside.status == 0 && inside.stdout == "kept\n", "\(inside.stdout)\(inside.stderr)")
        #expect(try jsonDrift(folder).isEmpty)
        #expect(try sandbox.live.plan(specPath, folder).status == 0)
        #expect(children(of: identity.pid) == [main])
      }
    }
  }

  @Test(.enabled(if: TargetPlanEndToEndTests.nsenter != nil, "needs nsenter(1) to change the sandbox by hand"))
  func aMountAddedByHandIsShownAsDriftAndTakenOff() throws {
    try withFolder { folder in
      try sandbox.withSandbox(folder) { specPath, _, identity, _ in
        try sandbox.live.inside(
          identity.pid, "--mount", ["sh", "-c", "mkdir /srv/cache && mount -t tmpfs handmade /srv/cache"])
        #expect(try mountLine(identity.pid, "/srv/cache") != nil)
        let drift = try jsonDrift(folder)
        #expect(drift.count == 1 && drift.first?["applied"] as? String == "absent", "\(drift)")

        let planned = try sandbox.live.plan(specPath, folder)
        #expect(planned.status == 2, "\(planned.stdout)\(planned.stderr)")
        #expect(planned.stdout.contains("-   joiner   tmpfs mounted on /srv/cache by hand"), "\(planned.stdout)")
        #expect(planned.stdout.contains("apply takes it away"), "\(planned.stdout)")
        #expect(planned.stdout.contains("Plan: 0 to add, 0 to change, 1 to remove."), "\(planned.stdout)")

        let applied = try sandbox.apply(specPath, folder)
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        #expect(try mountLine(identity.pid, "/srv/cache") == nil)
        let inside = try run(
          ["exec", "live", "--", "/bin/sh", "-c", "grep -c ' /srv/cache ' /proc/self/mountinfo"], folder)
        #expect(inside.stdout == "0\n", "\(inside.stdout)\(inside.stderr)")
        #expect(try mountLine(identity.pid, "/srv")?.contains("tmpfs") == true)
        #expect(try jsonDrift(folder).isEmpty)
        #expect(try sandbox.live.plan(specPath, folder).status == 0)
      }
    }
  }

  /// A tmpfs mounted by hand on the host's tree seen in the sandbox (/mnt, beneath none of the spec's mounts), with
  /// a file and a mount of its own: not among the mounts recorded at `up`, so it is drift (`status`, `plan`'s `-`,
  /// one step for both, as MNT_DETACH takes the inner one along). A failed apply attaches it again with its file and
  /// inner mount; a good one takes it off, in the sandbox only.
  @Test(.enabled(if: TargetPlanEndToEndTests.nsenter != nil, "needs nsenter(1) to change the sandbox by hand"))
  func aMountMadeByHandOutsideTheSpecsMountsIsDriftAndTakenOff() throws {
    try withFolder { folder in
      try sandbox.withSandbox(folder) { specPath, applied, identity, _ in
        try sandbox.live.inside(
          identity.pid, "--mount",
          [
            "sh", "-c",
            "mount -t tmpfs byhand /mnt && echo mine > /mnt/note && mkdir /mnt/inner "
              + "&& mount -t tmpfs inner /mnt/inner",
          ])
        let names = try jsonDrift(folder).compactMap { $0["name"] as? String }
        #expect(names == ["mount /mnt", "mount /mnt/inner"], "\(names)")
        #expect(try run(["status", "live"], folder).stdout.contains("drift: mount /mnt: applied absent, now tmpfs"))
        let planned = try sandbox.live.plan(specPath, folder)
        #expect(planned.status == 2, "\(planned.stdout)\(planned.stderr)")
        #expect(planned.stdout.contains("-   joiner   tmpfs mounted on /mnt by hand"), "\(planned.stdout)")
        #expect(!planned.stdout.contains("mounted on /mnt/inner by hand"), "\(planned.stdout)")
        #expect(planned.stdout.contains("Plan: 0 to add, 0 to change, 1 to remove."), "\(planned.stdout)")

        // A later step fails (/srv/taken is a file: nothing is made beneath it): /mnt comes back as it stood.
        try sandbox.live.inside(identity.pid, "--mount", ["sh", "-c", "echo file > /srv/taken"])
        let failing = try sandbox.edited(applied, folder) {
          $0 + "[[files]]\ntype = \"file\"\npath = \"/srv/taken/x\"\ncontent = \"x\"\n"
        }
        let failed = try sandbox.apply(failing, folder)
        #expect(failed.status == 1 && failed.stderr.contains("taken back"), "\(failed.stdout)\(failed.stderr)")
        let back = try run(
          [
            "exec", "live", "--", "/bin/sh", "-c",
            "cat /mnt/note; grep -c ' /mnt/inner ' "
              + "/proc/self/mountinfo",
          ], folder)
        #expect(back.stdout == "mine\n1\n", "\(back.stdout)\(back.stderr)")

        let result = try sandbox.apply(specPath, folder)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(try mountLine(identity.pid, "/mnt") == nil && mountLine(identity.pid, "/mnt/inner") == nil)
        #expect(!(try HostSnapshot.take().mountinfo.contains { $0.contains("byhand") }))
        #expect(try jsonDrift(folder).isEmpty)
        #expect(try sandbox.live.plan(specPath, folder).status == 0)
      }
    }
  }

  @Test(.enabled(if: TargetPlanEndToEndTests.nsenter != nil, "needs nsenter(1) to change the sandbox by hand"))
  func aFileDeletedByHandIsReportedAndWrittenAgain() throws {
    try withFolder { folder in
      try sandbox.withSandbox(folder) { specPath, _, identity, _ in
        try sandbox.live.inside(identity.pid, "--mount", ["rm", "/srv/motd"])
        let status = try run(["status", "live"], folder)
        #expect(status.stdout.contains("drift: file /srv/motd: applied as written, now absent"), "\(status.stdout)")
        #expect(try jsonDrift(folder).first?["name"] as? String == "file /srv/motd")
        let planned = try sandbox.live.plan(specPath, folder)
        #expect(planned.stdout.contains("! file /srv/motd: applied as written, now absent"), "\(planned.stdout)")
        #expect(try sandbox.apply(specPath, folder).status == 0)
        let inside = try run(["exec", "live", "--", "/bin/cat", "/srv/motd"], folder)
        #expect(inside.stdout == "as applied", "\(inside.stdout)\(inside.stderr)")
        #expect(try jsonDrift(folder).isEmpty)
      }
    }
  }

  /// lo's state in the sandbox's network namespace, read from the host: up when it joined the all-hosts group.
  func loopbackUp(_ pid: Int32) throws -> Bool {
    try String(contentsOfFile: "/proc/\(pid)/net/igmp", encoding: .utf8).split(separator: "\n")
      .contains { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first == "lo" }
  }

  @Test func aFileDroppedFromTheSpecIsRemovedByApply() throws {
    try withFolder { folder in
      try sandbox.withSandbox(folder) { _, applied, identity, _ in
        let spec = try sandbox.edited(applied, folder) {
          $0.replacingOccurrences(
            of: "[[files]]\ntype = \"file\"\npath = \"/srv/motd\"\ncontent = \"as applied\"\n", with: "")
        }
        let planned = try sandbox.live.plan(spec, folder)
        #expect(planned.stdout.contains("-   init     create file /srv/motd"), "\(planned.stdout)")
        // Its line is in the spec as applied (the record's), not in this file.
        #expect(planned.stdout.contains("note: was at line 12 of the spec as last applied"), "\(planned.stdout)")
        #expect(planned.stdout.contains("Plan: 0 to add, 0 to change, 1 to remove."), "\(planned.stdout)")
        let result = try sandbox.apply(spec, folder)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "/proc/\(identity.pid)/root/srv/motd"))
        let inside = try run(["exec", "live", "--", "/bin/sh", "-c", "test -e /srv/motd; echo $?"], folder)
        #expect(inside.stdout == "1\n", "\(inside.stdout)\(inside.stderr)")
        #expect(try sandbox.live.plan(spec, folder).status == 0)
      }
    }
  }

  /// A failed apply (the last file's path taken by a folder made by hand: EEXIST) takes back lo brought up and a
  /// file it created, as well as the rest: the sandbox is as it was.
  @Test(.enabled(if: TargetPlanEndToEndTests.nsenter != nil, "needs nsenter(1) to change the sandbox by hand"))
  func aFailedApplyTakesLoDownAndRemovesTheFileItCreated() throws {
    try withFolder { folder in
      let down = { (spec: String) in spec.replacingOccurrences(of: "loopback = true", with: "loopback = false") }
      try sandbox.withSandbox(folder, edit: down) { _, applied, identity, main in
        #expect(try !loopbackUp(identity.pid))
        let spec = try sandbox.edited(applied, folder) {
          $0.replacingOccurrences(of: "loopback = false", with: "loopback = true")
            + "[[files]]\ntype = \"file\"\npath = \"/srv/new\"\ncontent = \"n\"\n"
            + "[[files]]\ntype = \"file\"\npath = \"/srv/taken\"\ncontent = \"x\"\n"
        }
        try sandbox.live.inside(identity.pid, "--mount", ["mkdir", "/srv/taken"])
        let planned = try sandbox.live.plan(spec, folder)
        #expect(planned.stdout.contains("undo: bring lo down again"), "\(planned.stdout)")
        #expect(planned.stdout.contains("undo: remove /srv/new again"), "\(planned.stdout)")
        let result = try sandbox.apply(spec, folder)
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("EEXIST") && result.stderr.contains("taken back"), "\(result.stderr)")
        #expect(try !loopbackUp(identity.pid))
        #expect(!FileManager.default.fileExists(atPath: "/proc/\(identity.pid)/root/srv/new"))
        let inside = try run(["exec", "live", "--", "/bin/sh", "-c", "ls /srv"], folder)
        #expect(inside.stdout == "motd\ntaken\n", "\(inside.stdout)\(inside.stderr)")
        #expect(children(of: identity.pid) == [main])
      }
    }
  }

  /// A sandbox that joined another's network namespace, planned after that one went `down`: a clear error naming
  /// the join target, not a namespace_set replacement.
  @Test func aJoinTargetThatWentDownIsAnErrorForPlanTarget() throws {
    try withFolder { folder in
      try NSBuildProcess.placeExecutable("/bin/sleep", at: folder + "/sleep")
      try FileManager.default.createDirectory(atPath: folder + "/pod", withIntermediateDirectories: true)
      let pod = try write(
        "version = 1\n[namespaces]\nunshare = [\"mount\", \"pid\", \"net\"]\n[process]\nargs = [\"\(folder)/sleep\", \"1000\"]\n",
        to: folder + "/pod")
      let joined = try write(
        "version = 1\n[namespaces]\nunshare = [\"mount\", \"pid\"]\njoin = { net = \"pod\" }\n[process]\n"
          + "args = [\"\(folder)/sleep\", \"1000\"]\n", to: folder)
      defer {
        _ = try? run(["down", "live"], folder)
        _ = try? run(["down", "pod"], folder)
        try? waitFor("every process of the sandboxes to end") { processes(mentioning: folder).isEmpty }
      }
      #expect(try run(["up", pod, "--name", "pod"], folder).status == 0)
      #expect(try run(["up", joined, "--name", "live"], folder).status == 0)
      #expect(try sandbox.live.plan(joined, folder).status == 0)
      #expect(try run(["down", "pod"], folder).status == 0)
      let planned = try sandbox.live.plan(joined, folder)
      #expect(planned.status == 1, "\(planned.stdout)\(planned.stderr)")
      #expect(planned.stderr.contains("sandbox 'live': join target pod is not running"), "\(planned.stderr)")
      #expect(!planned.stdout.contains("namespace_set"), "\(planned.stdout)")
    }
  }
}
