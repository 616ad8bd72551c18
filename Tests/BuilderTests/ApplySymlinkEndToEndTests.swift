import Foundation
import Testing

/// `apply` and `plan --target` on a live sandbox whose processes (uid 1000, no capabilities) swap a folder on the way
/// to a spec path for a symlink to a host folder they cannot write: `up` refuses such a link (ELOOP), and so must
/// every in-place step, rather than write, remove or read a host file as root through it. Checked on the host: the
/// victim file keeps its contents and mode.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces and to own the victim file"))
struct ApplySymlinkEndToEndTests: ScratchFolderTests {
  static let user: UInt32 = 1000

  func nsbuild(_ arguments: [String], _ folder: String) throws -> NSBuildProcess.Result {
    try NSBuildProcess.run(arguments, environment: ["NSBUILD_STATE_DIR": folder + "/state"])
  }

  /// A root-only folder holding a root-only file `f` ("VICTIM"), which no sandbox process may reach.
  func victim(_ folder: String) throws -> String {
    let victim = folder + "/victim"
    try FileManager.default.createDirectory(atPath: victim, withIntermediateDirectories: false)
    try Data("VICTIM\n".utf8).write(to: URL(fileURLWithPath: victim + "/f"))
    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: victim + "/f")
    return victim
  }

  func expectUntouched(_ victim: String) throws {
    #expect(FileManager.default.contents(atPath: victim + "/f") == Data("VICTIM\n".utf8))
    let mode = try FileManager.default.attributesOfItem(atPath: victim + "/f")[.posixPermissions] as? Int
    #expect(mode == 0o600)
  }

  /// `spec` brought up as "live" (main command a sleep copy, run as ``user``); `body` runs, then `down`.
  func withSandbox(_ folder: String, _ spec: String, _ body: () throws -> Void) throws {
    try NSBuildProcess.placeExecutable("/bin/sleep", at: folder + "/sleep")
    let path = try write(
      spec + "[process]\nuid = \(Self.user)\ngid = \(Self.user)\nargs = [\"\(folder)/sleep\", \"1000\"]\n", to: folder)
    let up = try nsbuild(["up", path, "--name", "live"], folder)
    defer { _ = try? nsbuild(["down", "live"], folder) }
    try #require(up.status == 0, "\(up.stdout)\(up.stderr)")
    try body()
  }

  /// Inside the sandbox, as its uid 1000 with no capabilities.
  func inside(_ script: String, _ folder: String) throws {
    let result = try nsbuild(["exec", "live", "--", "/bin/sh", "-c", script], folder)
    try #require(result.status == 0, "\(result.stdout)\(result.stderr)")
  }

  /// `plan --target` marks the step `!` (exit 1 with --detailed-exitcode) and `apply` refuses it before any step.
  func expectRefused(_ spec: String, _ folder: String, link: String) throws {
    let planned = try nsbuild(["plan", spec, "--target", "live", "--detailed-exitcode"], folder)
    #expect(planned.status == 1, "\(planned.stdout)\(planned.stderr)")
    #expect(planned.stdout.contains("\(link) -> "), "\(planned.stdout)")
    #expect(planned.stdout.contains("another user could change"), "\(planned.stdout)")
    let applied = try nsbuild(["apply", spec, "--target", "live"], folder)
    #expect(applied.status != 0, "\(applied.stdout)")
    #expect(applied.stderr.contains("apply refuses, and takes no step"), "\(applied.stderr)")
  }

  @Test func aFileOnTheHostTreeIsNeitherWrittenNorRemovedThroughALinkTheSandboxPlanted() throws {
    try withFolder { folder in
      let victim = try victim(folder)
      try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: false)
      try FileManager.default.setAttributes(
        [.ownerAccountID: Self.user, .groupOwnerAccountID: Self.user], ofItemAtPath: folder + "/sub")
      let base = "version = 1\n[namespaces]\nunshare = [\"mount\", \"pid\"]\n"
      let file = "[[files]]\ntype = \"file\"\npath = \"\(folder)/sub/deeper/f\"\ncontent = \"hello\\n\"\n"
      try withSandbox(folder, base + file) {
        try inside("cd \(folder)/sub && mv deeper deeper.old && ln -s \(victim) deeper", folder)
        let applied = folder + "/s.toml"
        try expectRefused(applied, folder, link: folder + "/sub/deeper")
        try expectUntouched(victim)
        // The spec without the entry: its removal is refused too, not made through the link.
        let dropped = folder + "/dropped.toml"
        let text = try String(contentsOfFile: applied, encoding: .utf8).replacingOccurrences(of: file, with: "")
        try Data(text.utf8).write(to: URL(fileURLWithPath: dropped))
        try expectRefused(dropped, folder, link: folder + "/sub/deeper")
        try expectUntouched(victim)
        #expect(FileManager.default.contents(atPath: folder + "/sub/deeper.old/f") == Data("hello\n".utf8))
      }
    }
  }

  @Test func aFileBeneathANestedMountIsNotWrittenThroughALinkTheSandboxPutAboveIt() throws {
    try withFolder { folder in
      let victim = try victim(folder)
      try FileManager.default.createDirectory(atPath: folder + "/top", withIntermediateDirectories: false)
      let spec = """
        version = 1
        [namespaces]
        unshare = ["mount", "pid"]
        [[mounts]]
        type = "tmpfs"
        target = "\(folder)/top"
        mode = "0777"
        [[mounts]]
        type = "tmpfs"
        target = "\(folder)/top/dir/etc"
        [[files]]
        type = "file"
        path = "\(folder)/top/dir/etc/f"
        content = "hello\\n"

        """
      try withSandbox(folder, spec) {
        // The folder above the nested mount is renamed (allowed: it is no mount point) and a link to a host folder
        // put in its place: its `etc` folder holds the victim. The folder the mount step would resolve inside the
        // tmpfs is made too.
        try FileManager.default.moveItem(atPath: victim, toPath: folder + "/etc")
        try FileManager.default.createDirectory(atPath: victim, withIntermediateDirectories: false)
        try FileManager.default.moveItem(atPath: folder + "/etc", toPath: victim + "/etc")
        try inside("cd \(folder)/top && mv dir dir.old && ln -s \(victim) dir && mkdir -p .\(victim)/etc", folder)
        try expectRefused(folder + "/s.toml", folder, link: folder + "/top/dir")
        try expectUntouched(victim + "/etc")
      }
    }
  }

  @Test func aBindAddedInPlaceWhoseSourceIsALinkAnotherUserOwnsIsMarkedAsPlainPlanWarns() throws {
    try withFolder { folder in
      let base = "version = 1\n[namespaces]\nunshare = [\"mount\", \"pid\"]\n"
      try withSandbox(folder, base) {
        // uid 1000's folder: the source named in the spec is its link to /etc.
        try FileManager.default.createDirectory(atPath: folder + "/proj", withIntermediateDirectories: false)
        try FileManager.default.createDirectory(atPath: folder + "/s", withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: folder + "/proj/sub", withDestinationPath: "/etc")
        #expect(lchown(folder + "/proj/sub", Self.user, Self.user) == 0)
        #expect(chown(folder + "/proj", Self.user, Self.user) == 0)
        let spec = folder + "/bind.toml"
        let bind = "[[mounts]]\ntype = \"bind\"\nsource = \"\(folder)/proj/sub\"\ntarget = \"\(folder)/s\"\n"
        let applied = try String(contentsOfFile: folder + "/s.toml", encoding: .utf8)
        try Data(applied.replacingOccurrences(of: "[process]", with: bind + "[process]").utf8).write(
          to: URL(fileURLWithPath: spec))
        try expectRefused(spec, folder, link: folder + "/proj/sub")
      }
    }
  }
}
