import Foundation
import Testing

/// The example specs in specs/ run and do what their comments say.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct ExampleSpecTests {
  @Test func buildSandboxHasAReadOnlyHostAndAWritableProjectFolder() throws {
    let before = try HostSnapshot.take()
    let script =
      "pwd; hostname; touch /nsbuild-probe 2>/dev/null || echo host-readonly; touch probe && rm probe && echo project-writable; env | sort"
    let result = try NSBuildProcess.run(["run", specsDirectory + "/build.toml", "--", "/bin/sh", "-c", script])
    #expect(
      result.stdout == """
        \(specsDirectory)
        build
        host-readonly
        project-writable
        HOME=/tmp
        PATH=/usr/local/bin:/usr/bin:/bin
        PWD=\(specsDirectory)

        """, "\(result.stderr)")
    try HostSnapshot.expectUnchanged(since: before)
  }

  @Test func directoryRootHoldsOnlyTheSpecsMounts() throws {
    let result = try NSBuildProcess.run([
      "run", specsDirectory + "/dir-root.toml", "--", "/bin/sh", "-c",
      "ls /; cat /README; touch /x 2>/dev/null || echo readonly",
    ])
    #expect(
      result.stdout
        == "README\nbin\nlib\nlib64\nproc\ntmp\nusr\nThe root of specs/dir-root.toml: nsbuild binds /usr here and pivots into this folder.\nreadonly\n",
      "\(result.stderr)")
  }

  @Test func rootlessShellRunsAsAnUnprivilegedUser() throws {
    let text = try String(contentsOfFile: specsDirectory + "/rootless-shell.toml", encoding: .utf8)
    let folder = try NSBuildProcess.publicCopy(specs: ["shell.toml": text])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let result = try NSBuildProcess.run(
      [
        "run", "shell.toml", "--", "/bin/sh", "-c",
        "pwd; id -u; hostname; ls -A /; echo x > /dev/null && echo dev-ok; grep -c ' /dev/null rw,nosuid,noexec' /proc/self/mountinfo",
      ],
      binary: folder + "/nsbuild", asUser: 65534, directory: folder)
    #expect(
      result.stdout == "/home/dev\n0\ndevshell\nbin\ndev\netc\nhome\nlib\nlib64\nproc\nsbin\ntmp\nusr\ndev-ok\n1\n",
      "\(result.stderr)")
  }
}
