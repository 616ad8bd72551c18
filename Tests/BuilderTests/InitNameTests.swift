import Foundation
import Testing

/// Init names itself: the sandbox reads no host command line (the spec's path, the options nsbuild was given) in
/// `/proc/1/cmdline`, nor nsbuild's name in `/proc/1/comm`; checked from inside, under `run` and under `up`.
extension LiveSandboxTests {
  static let procHolder = holder + "\n[[mounts]]\ntype = \"proc\"\ntarget = \"/proc\"\n"

  /// What `/proc/1/cmdline` and `/proc/1/comm` hold, read inside, NUL bytes shown as `\0`.
  static let readInit = ["/bin/sh", "-c", "tr '\\0' '@' < /proc/1/cmdline; echo; cat /proc/1/comm"]

  @Test func initShowsItsOwnNameUnderRun() throws {
    try withLive { live in
      let spec = try write(Self.procHolder, to: live.folder)
      let inside = try live.run(["run", "--verbose", spec, "--"] + Self.readInit)
      #expect(inside.status == 0, "\(inside.stderr)")
      #expect(inside.stdout == "nsbuild-init@\nnsbuild-init\n", "\(inside.stderr)")
      #expect(!inside.stdout.contains(spec) && !inside.stdout.contains("verbose"))
    }
  }

  @Test func initShowsItsOwnNameUnderUp() throws {
    try withLive { live in
      let spec = try write(Self.procHolder, to: live.folder)
      let up = try live.run(["up", "--name", "named", spec])
      #expect(up.status == 0, "\(up.stderr)")
      let inside = try live.run(["exec", "named", "--"] + Self.readInit)
      #expect(inside.status == 0, "\(inside.stderr)")
      #expect(inside.stdout == "nsbuild-init@\nnsbuild-init\n", "\(inside.stderr)")
      // From the host, the same: the sandbox's init is no copy of nsbuild's command line.
      let pid = try #require(try live.status("named")["pid"] as? Int)
      let host = try String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)
      #expect(host == "nsbuild-init\0")
    }
  }
}
