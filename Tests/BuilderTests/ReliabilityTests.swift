import Foundation
import Testing

/// Many sandboxes, failing at every kind of step or killed mid-setup, on a shared host tree: afterwards the mount
/// table, the hostname and the process table are exactly as before.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct ReliabilityTests {
  static let failing: [String: String] = [
    "badsource.toml": """
    version = 1
    [namespaces]
    unshare = ["mount", "pid"]
    [[mounts]]
    type = "tmpfs"
    target = "/tmp"
    [[mounts]]
    type = "bind"
    source = "/nsbuild-no-such-source"
    target = "/mnt"
    """,
    "badoffset.toml": """
    version = 1
    [namespaces]
    unshare = ["time", "pid"]
    [time]
    boottime = "-20000d"
    """,
    "badmap.toml": """
    version = 1
    [namespaces]
    unshare = ["user", "mount"]
    [user]
    uid_map = [{ inside = 0, outside = "caller", count = 1 }, { inside = 1, outside = 500000, count = 10 }]
    gid_map = [{ inside = 0, outside = "caller", count = 1 }, { inside = 1, outside = 500000, count = 10 }]
    """,
    "badmount.toml": """
    version = 1
    [namespaces]
    unshare = ["mount", "pid"]
    [[mounts]]
    type = "tmpfs"
    target = "/tmp"
    [[mounts]]
    type = "overlay"
    target = "/tmp/o"
    lower = ["/nsbuild-no-such-lower", "/usr"]
    """,
  ]

  @Test func twoHundredSandboxesLeaveNoTrace() throws {
    var specs = Self.failing
    specs["dev.toml"] = try String(contentsOfFile: specsDirectory + "/dev.toml", encoding: .utf8)
    specs["minimal.toml"] = try String(contentsOfFile: specsDirectory + "/minimal.toml", encoding: .utf8)
    let folder = try NSBuildProcess.publicCopy(specs: specs)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let script = """
      D=$1; B=$D/nsbuild
      mount --make-rshared / || exit 90
      cat /proc/self/mountinfo > $D/before; hostname > $D/host-before
      i=0
      while [ $i -lt 200 ]; do
        c=$((i % 8))
        case $c in
          0) $B run $D/dev.toml -- true ;;
          1) $B run $D/badsource.toml -- true ;;
          2) $B run $D/badoffset.toml -- true ;;
          3) $B run $D/dev.toml -- /nonexistent/command ;;
          4) timeout -s KILL 0.02 $B run $D/dev.toml -- sleep 5 ;;
          5) $B run $D/minimal.toml ;;
          6) $B run $D/badmount.toml -- true ;;
          7) setpriv --reuid=65533 --regid=65533 --clear-groups $B run $D/badmap.toml -- true ;;
        esac >/dev/null 2>&1
        echo "$c $?" >> $D/codes
        i=$((i + 1))
      done
      cat /proc/self/mountinfo > $D/after; hostname > $D/host-after
      """
    let result = try NSBuildProcess.runCommand(
      "/usr/bin/unshare", ["-m", "--propagation", "unchanged", "sh", "-c", script, "sh", folder])
    #expect(result.status == 0, "\(result.stderr)")
    let read = { (name: String) in (try? String(contentsOfFile: folder + "/" + name, encoding: .utf8)) ?? "?" }
    #expect(read("before").contains("shared:"))
    #expect(read("before") == read("after"))
    #expect(read("host-before") == read("host-after"))
    // Every exit status is the documented one for its kind of run.
    var seen: [String: Set<String>] = [:]
    for line in read("codes").split(separator: "\n") {
      let parts = line.split(separator: " ").map(String.init)
      if parts.count == 2 { seen[parts[0], default: []].insert(parts[1]) }
    }
    #expect(seen["0"] == ["0"])
    #expect(seen["1"] == ["125"])
    #expect(seen["2"] == ["125"])
    #expect(seen["3"] == ["127"])
    #expect(seen["4"] == ["137"])
    #expect(seen["5"] == ["0"])
    #expect(seen["6"] == ["125"])
    #expect(seen["7"] == ["125"])
    try waitFor("killed sandboxes to end") { processes(mentioning: folder).isEmpty }
    #expect(processes(mentioning: folder).isEmpty)
  }
}

/// Broken and hostile specs: each gets a clear error and exit 1 (check) or 125 (run), never a crash, hang or trap.
@Suite struct HostileSpecTests {
  static func corpus(in folder: String) throws -> [String] {
    var files: [String: [UInt8]] = [:]
    let dev = Array(try Data(contentsOf: URL(fileURLWithPath: specsDirectory + "/dev.toml")))
    for length in stride(from: 1, to: dev.count, by: 37) {
      files["truncated-\(length).toml"] = Array(dev.prefix(length))
    }
    files["huge-number.toml"] = Array("version = 99999999999999999999999999\n".utf8)
    files["huge-float.toml"] = Array("version = 1e999\n".utf8)
    files["deep-arrays.toml"] = Array(("version = 1\nx = " + String(repeating: "[", count: 100_000)).utf8)
    files["deep-tables.toml"] = Array(("version = 1\nx = " + String(repeating: "{a=", count: 50_000)).utf8)
    files["long-string.toml"] = Array(
      ("version = 1\n[uts]\nhostname = \"" + String(repeating: "a", count: 10_000_000) + "\"\n").utf8)
    files["nul.toml"] = Array("version = 1\n[process]\nargs = [\"a\u{0}b\"]\n".utf8) + [0, 0, 0]
    files["invalid-utf8.toml"] = Array("version = 1\n# ".utf8) + [0xC3, 0x28, 0xFF, 0xFE] + Array("\n".utf8)
    files["utf16.toml"] = [0xFF, 0xFE] + Array("version = 1".utf8).flatMap { [$0, 0] }
    files["many-errors.toml"] = Array(("version = 1\n" + (0..<5000).map { "k\($0) = 1\n" }.joined()).utf8)
    files["empty.toml"] = []
    for (name, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: folder + "/" + name)) }
    try FileManager.default.createSymbolicLink(atPath: folder + "/loop", withDestinationPath: folder + "/loop")
    try Data(
      "version = 1\n[namespaces]\nunshare = [\"mount\"]\n[[mounts]]\ntype = \"bind\"\nsource = \"loop\"\ntarget = \"/mnt\"\n"
        .utf8
    )
    .write(to: URL(fileURLWithPath: folder + "/symlink-loop.toml"))
    try FileManager.default.createDirectory(atPath: folder + "/a-directory.toml", withIntermediateDirectories: true)
    return files.keys.sorted() + ["symlink-loop.toml", "a-directory.toml", "/dev/zero", "missing.toml"]
  }

  @Test func everyHostileSpecGetsAnErrorNotACrash() throws {
    let folder = try NSBuildProcess.publicCopy(specs: [:])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    for name in try Self.corpus(in: folder) {
      let path = name.hasPrefix("/") ? name : folder + "/" + name
      // timeout(1) bounds a hang (exit 124) so the suite itself cannot hang.
      let check = try NSBuildProcess.runCommand("/usr/bin/timeout", ["30", NSBuildProcess.binary, "check", path])
      #expect(check.status == 0 || check.status == 1, "\(name): check exited \(check.status)")
      #expect(!check.stderr.contains("Fatal error") && !check.stderr.contains("Crash"), "\(name)")
      if check.status == 1 { #expect(check.stderr.contains("error"), "\(name): \(check.stderr.prefix(300))") }
    }
  }

  @Test(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces"))
  func runRefusesHostileSpecsWith125() throws {
    let folder = try NSBuildProcess.publicCopy(specs: [:])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    for name in try Self.corpus(in: folder) where name != "empty.toml" && !name.hasPrefix("truncated") {
      let path = name.hasPrefix("/") ? name : folder + "/" + name
      let run = try NSBuildProcess.runCommand(
        "/usr/bin/timeout", ["30", NSBuildProcess.binary, "run", path, "--", "true"])
      #expect(run.status == 125, "\(name): run exited \(run.status): \(run.stderr.prefix(300))")
    }
  }
}
