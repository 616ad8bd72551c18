import Foundation
import SpecParser
import Testing

@testable import Builder

/// The plan's summary of what `run` leaves on the host names every folder it makes, and it is exactly what a real
/// run leaves.
@Suite struct HostChangesTests: ScratchFolderTests {
  static let root = ObservedState(uid: 0, gid: 0, euid: 0, hostname: "host", domainname: "(none)")

  @Test func missingParentsAreListedBeforeWhatIsMadeInThem() throws {
    let spec = try decodeSpec(
      """
      version = 1
      [namespaces]
      unshare = ["mount"]
      [[mounts]]
      type = "bind"
      source = "/srv"
      target = "/data"
      [[files]]
      type = "symlink"
      path = "/data/a/b/link"
      link = "x"
      [[mounts]]
      type = "tmpfs"
      target = "/opt/m/n"
      [[mounts]]
      type = "overlay"
      lower = ["/l"]
      upper = "/u"
      work = "/w"
      target = "/ov"
      [[files]]
      type = "dir"
      path = "/ov/c/d"
      [process]
      args = ["true"]
      """)
    var state = Self.root
    state.hostEntries["/data"] = .directory
    state.hostEntries["/ov"] = .directory
    // What the reader found: /srv/a and /opt/m missing, /opt there; nothing known of /u/c.
    state.hostPathExists = [
      "/srv/a/b/link": false, "/srv/a/b": false, "/srv/a": false, "/opt/m/n": false, "/opt/m": false, "/opt": true,
      "/u/c/d": false, "/u/c": false, "/w/work": true,
    ]
    let plan = try Planner(spec: spec, state: state).plan()
    #expect(
      plan.hostChanges == [
        "folder /srv/a", "folder /srv/a/b", "/srv/a/b/link", "folder /u/c", "/u/c/d", "folder /opt/m",
        "mount point /opt/m/n",
      ])
    // The symlink's step says it makes the folders above it; it is made beneath the bind's own root (fd[6]), through
    // no symlink.
    let link = try #require(plan.steps.first { $0.title == "create symlink /data/a/b/link" })
    #expect(
      link.calls.map(\.description) == [
        "symlinkat(\"x\", fd[6], \"/a/b/link\") (RESOLVE_NO_SYMLINKS) (and missing parents, 0755)"
      ])
    #expect(link.reason == "makes the missing folders /srv/a, /srv/a/b on the host first")
  }

  @Test func overlayWorkFoldersTheKernelMakesAreListed() throws {
    let spec = try decodeSpec(
      """
      version = 1
      [namespaces]
      unshare = ["mount"]
      [[mounts]]
      type = "overlay"
      lower = ["/l"]
      upper = "/u"
      work = "/w"
      target = "/ov"
      [process]
      args = ["true"]
      """)
    var state = Self.root
    state.hostEntries["/ov"] = .directory
    state.hostPathExists = ["/w/work": false, "/w/index": false]
    #expect(try Planner(spec: spec, state: state).plan().hostChanges == ["overlay work folder /w/work"])
    state.overlayMakesIndex = true
    #expect(
      try Planner(spec: spec, state: state).plan().hostChanges == [
        "overlay work folder /w/work", "overlay work folder /w/index",
      ])
    state.hostPathExists = ["/w/work": true, "/w/index": true]
    #expect(try Planner(spec: spec, state: state).plan().hostChanges.isEmpty)
  }

  /// Plans `spec`, runs it, and expects the plan's host changes to be exactly the paths the run added beneath
  /// `folder`; returns those.
  func expectPlanListsWhatRunLeaves(
    _ spec: String, in folder: String, sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) throws -> Set<String> {
    let plan = try NSBuildProcess.run(["plan", "--format", "json", spec])
    let object = try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any]
    let summary = (object?["summary"] as? [String: Any])?["host_changes"] as? [String] ?? []
    let labels = ["folder ", "mount point ", "overlay work folder "]
    let planned = Set(
      summary.map { change in
        let path = labels.first { change.hasPrefix($0) }.map { String(change.dropFirst($0.count)) } ?? change
        return String(path.dropFirst(folder.count + 1))
      })
    let before = listing(folder)
    let run = try NSBuildProcess.run(["run", spec])
    #expect(run.status == 0, "\(run.stderr)", sourceLocation: sourceLocation)
    let left = listing(folder).subtracting(before)
    #expect(planned == left, sourceLocation: sourceLocation)
    #expect(summary.count == planned.count, "no path listed twice: \(summary)", sourceLocation: sourceLocation)
    return left
  }

  @Test(.enabled(if: NSBuildProcess.isRoot, "runs a sandbox, which needs root"))
  func planListsExactlyWhatARealRunLeavesInARootFolder() throws {
    try withFolder { folder in
      try FileManager.default.createDirectory(atPath: folder + "/rootfs", withIntermediateDirectories: false)
      let spec = try write(
        """
        version = 1
        [namespaces]
        unshare = ["mount", "pid"]
        [root]
        path = "rootfs"
        \(usrFromHost)
        [[files]]
        type = "dir"
        path = "/opt/a/b"
        [[mounts]]
        type = "tmpfs"
        target = "/data/x/y"
        [process]
        args = ["/bin/true"]

        """, to: folder)
      let left = try expectPlanListsWhatRunLeaves(spec, in: folder)
      #expect(left.contains("rootfs/opt/a") && left.contains("rootfs/data/x") && left.contains("rootfs/data/x/y"))
    }
  }

  /// Every path beneath `folder`, relative to it.
  func listing(_ folder: String) -> Set<String> {
    Set(FileManager.default.enumerator(atPath: folder)?.compactMap { $0 as? String } ?? [])
  }

  @Test(.enabled(if: NSBuildProcess.isRoot, "runs a sandbox, which needs root"))
  func planListsExactlyWhatARealRunLeaves() throws {
    try withFolder { folder in
      for name in ["src", "lower", "upper", "work"] {
        try FileManager.default.createDirectory(atPath: folder + "/" + name, withIntermediateDirectories: false)
      }
      let spec = try write(
        """
        version = 1
        [namespaces]
        unshare = ["mount"]
        [[mounts]]
        type = "bind"
        source = "src"
        target = "\(folder)/mnt"
        [[files]]
        type = "symlink"
        path = "\(folder)/mnt/x/y/link"
        link = "target"
        [[files]]
        type = "file"
        path = "\(folder)/deep/p/q/file"
        content = "hi"
        [[mounts]]
        type = "tmpfs"
        target = "\(folder)/mp/m1/m2"
        [[mounts]]
        type = "overlay"
        lower = ["lower"]
        upper = "upper"
        work = "work"
        target = "\(folder)/ov"
        [[files]]
        type = "dir"
        path = "\(folder)/ov/n/o"
        [[mounts]]
        type = "tmpfs"
        target = "\(folder)/mnt/t/u"
        [process]
        args = ["/bin/true"]

        """, to: folder)
      let left = try expectPlanListsWhatRunLeaves(spec, in: folder)
      #expect(left.contains("src/x/y") && left.contains("mp/m1") && left.contains("work/work"))
      // Run again: everything is there, so nothing more is left.
      let again = try NSBuildProcess.run(["plan", "--detailed-exitcode", spec])
      #expect(again.status == 0, "\(again.stdout)")
    }
  }
}

/// Plan warnings are bounded as check's diagnostics are.
@Suite struct PlanWarningLimitTests {
  @Test func manyWarningsEndInOneSayingHowManyMore() throws {
    let mounts = (0..<250).map { "[[mounts]]\ntype = \"bind\"\nsource = \"/missing/s\($0)\"\ntarget = \"/t\($0)\"\n" }
    let spec = try decodeSpec(
      "version = 1\n[namespaces]\nunshare = [\"mount\"]\n[process]\nargs = [\"true\"]\n" + mounts.joined())
    var state = HostChangesTests.root
    state.host.missingPaths = (0..<250).map { "/missing/s\($0)" }
    let warnings = try Planner(spec: spec, state: state).plan().warnings
    #expect(warnings.count == PlanWarning.limit + 1)
    #expect(warnings.first?.message == "the mount source /missing/s0 does not exist")
    #expect(warnings.last?.message == "150 more warnings not shown (only the first 100 are)")
    #expect(warnings.last?.origin != nil)
  }
}
