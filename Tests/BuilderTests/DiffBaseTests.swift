import Foundation
import Testing

/// `diff` of a copy of a spec: `--base` resolves the copy's relative paths as the spec it is a version of, and
/// `--git REV` reads that version itself.
@Suite struct DiffBaseTests {
  static let spec = """
    version = 1
    [namespaces]
    unshare = ["mount", "uts"]
    [uts]
    hostname = "one"
    [[mounts]]
    type = "bind"
    source = "data"
    target = "/mnt"
    [process]
    args = ["/bin/true"]

    """

  static var hasGit: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/git") }

  /// A project folder (`proj`, with `data` and the spec committed to a new git repository) inside a scratch folder;
  /// the spec is then changed to hostname "two", and the committed version copied to the scratch folder as old.toml.
  func project() throws -> (folder: String, project: String) {
    let folder = try NSBuildProcess.publicCopy(specs: [:])
    let project = folder + "/proj"
    try FileManager.default.createDirectory(atPath: project + "/data", withIntermediateDirectories: true)
    try Data(Self.spec.utf8).write(to: URL(fileURLWithPath: project + "/sandbox.toml"))
    try Data(Self.spec.utf8).write(to: URL(fileURLWithPath: folder + "/old.toml"))
    let git = "git -C '\(project)' -c user.email=t@example.com -c user.name=t"
    let made = try NSBuildProcess.runCommand(
      "/bin/sh", ["-c", "\(git) init -q && \(git) add sandbox.toml && \(git) commit -qm one"])
    #expect(made.status == 0, "\(made.stderr)")
    let changed = Self.spec.replacing("\"one\"", with: "\"two\"")
    try Data(changed.utf8).write(to: URL(fileURLWithPath: project + "/sandbox.toml"))
    return (folder, project)
  }

  @Test(.enabled(if: hasGit, "makes a git repository"))
  func aCopyElsewhereDiffersOnlyInWhatChangedWithBaseOrGit() throws {
    let (folder, project) = try project()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let spec = project + "/sandbox.toml"
    // Without --base the copy's `data` is another folder: the bind shows as changed.
    let plain = try NSBuildProcess.run(["diff", folder + "/old.toml", spec])
    #expect(plain.status == 2)
    #expect(plain.stdout.contains("\(folder)/data"), "\(plain.stdout)")
    for arguments in [["diff", "--base", project, folder + "/old.toml", spec], ["diff", "--git", "HEAD", spec]] {
      let result = try NSBuildProcess.run(arguments)
      #expect(result.status == 2, "\(arguments): \(result.stderr)")
      #expect(result.stdout.contains("- sethostname(\"one\", 3)"), "\(arguments)")
      #expect(result.stdout.hasSuffix("Diff: 0 added, 0 removed, 1 changed\n"), "\(arguments): \(result.stdout)")
    }
    // --git names the old version by revision, and with no spec given reads ./sandbox.toml.
    let here = try NSBuildProcess.run(["diff", "--git", "HEAD"], directory: project)
    #expect(here.stdout.contains("HEAD:sandbox.toml:5:12 → sandbox.toml:5:12"), "\(here.stdout)")
    // The committed version against itself: no changes.
    let git = "git -C '\(project)' -c user.email=t@example.com -c user.name=t"
    #expect(try NSBuildProcess.runCommand("/bin/sh", ["-c", "\(git) commit -qam two"]).status == 0)
    #expect(try NSBuildProcess.run(["diff", "--git", "HEAD", spec]).status == 0)
  }

  @Test(.enabled(if: hasGit, "makes a git repository"))
  func aRevisionGitCannotReadIsASpecError() throws {
    let (folder, project) = try project()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let result = try NSBuildProcess.run(["diff", "--git", "no-such-rev", project + "/sandbox.toml"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("cannot read spec 'no-such-rev:\(project)/sandbox.toml'"), "\(result.stderr)")
    #expect(result.stderr.contains("exited with status 128"), "\(result.stderr)")
    let two = try NSBuildProcess.run(["diff", "--git", "HEAD", "a.toml", "b.toml"])
    #expect(two.status == 64)
    let missing = try NSBuildProcess.run([
      "diff", "--base", folder + "/nowhere", folder + "/old.toml", project + "/sandbox.toml",
    ])
    #expect(missing.status == 1)
    #expect(missing.stderr.contains("--base: no such folder"))
  }
}
