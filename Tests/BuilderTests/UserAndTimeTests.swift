import Foundation
import Testing

/// User namespaces (ID maps, root and rootless) and time namespaces (offsets), checked from inside.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct UserAndTimeTests {
  static let maps = "awk '{print $1,$2,$3}' /proc/self/uid_map; echo -; awk '{print $1,$2,$3}' /proc/self/gid_map"

  func run(_ spec: String, _ script: String, asUser uid: UInt32? = nil) throws -> NSBuildProcess.Result {
    let folder = try NSBuildProcess.publicCopy(specs: ["s.toml": spec])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    return try NSBuildProcess.run(
      ["run", "s.toml", "--", "/bin/sh", "-c", script], binary: folder + "/nsbuild", asUser: uid, directory: folder)
  }

  @Test func rootWritesExactlyTheConfiguredMaps() throws {
    let spec = """
      version = 1
      [namespaces]
      unshare = ["user", "mount", "pid"]
      [user]
      uid_map = [{ inside = 0, outside = 1000, count = 2000 }]
      gid_map = [{ inside = 0, outside = 1000, count = 3000 }]
      """
    let result = try run(spec, Self.maps)
    #expect(result.stdout == "0 1000 2000\n-\n0 1000 3000\n", "\(result.stderr)")
  }

  @Test func rootWritesSeveralRangesInOrder() throws {
    let spec = """
      version = 1
      [namespaces]
      unshare = ["user"]
      [user]
      uid_map = [{ inside = 0, outside = 0, count = 1000 }, { inside = 1000, outside = 1000, count = 1000 }]
      gid_map = [{ inside = 0, outside = 0, count = 1000 }, { inside = 1000, outside = 1000, count = 1000 }]
      """
    let result = try run(spec, Self.maps)
    #expect(result.stdout == "0 0 1000\n1000 1000 1000\n-\n0 0 1000\n1000 1000 1000\n", "\(result.stderr)")
  }

  @Test func processIDsInsideAMappedRange() throws {
    let spec = """
      version = 1
      [namespaces]
      unshare = ["user", "mount", "pid"]
      [user]
      uid_map = [{ inside = 0, outside = 100000, count = 65536 }]
      gid_map = [{ inside = 0, outside = 100000, count = 65536 }]
      [process]
      uid = 1000
      gid = 1000
      """
    let result = try run(spec, "id -u; id -g")
    #expect(result.stdout == "1000\n1000\n", "\(result.stderr)")
  }

  static var subordinateRangesForNobody: Bool {
    let subuid = (try? String(contentsOfFile: "/etc/subuid", encoding: .utf8)) ?? ""
    return FileManager.default.isExecutableFile(atPath: "/usr/bin/newuidmap") && subuid.contains("65534:")
  }

  @Test(.enabled(if: subordinateRangesForNobody, "needs newuidmap (uidmap package) and a /etc/subuid range for 65534"))
  func rootlessSeveralRangesGoThroughNewuidmap() throws {
    let line =
      (try String(contentsOfFile: "/etc/subuid", encoding: .utf8)).split(separator: "\n")
      .first { $0.hasPrefix("65534:") }?.split(separator: ":") ?? []
    let start = line.count == 3 ? String(line[1]) : "0"
    let spec = """
      version = 1
      [namespaces]
      unshare = ["user"]
      [user]
      uid_map = [{ inside = 0, outside = "caller", count = 1 }, { inside = 1, outside = \(start), count = 1000 }]
      gid_map = [{ inside = 0, outside = "caller", count = 1 }, { inside = 1, outside = \(start), count = 1000 }]
      """
    let result = try run(spec, Self.maps, asUser: 65534)
    #expect(result.stdout == "0 65534 1\n1 \(start) 1000\n-\n0 65534 1\n1 \(start) 1000\n", "\(result.stderr)")
  }

  @Test func timeOffsetsMoveMonotonicAndBoottimeOnly() throws {
    let spec = """
      version = 1
      [namespaces]
      unshare = ["time", "pid", "mount"]
      [time]
      monotonic = 7881.002718281
      boottime = 1337.003141519
      [[mounts]]
      type = "proc"
      target = "/proc"
      """
    let hostUptime =
      try Double(
        String(contentsOfFile: "/proc/uptime", encoding: .utf8).split(separator: " ").first.map(String.init) ?? "") ?? 0
    let hostNow = Date().timeIntervalSince1970
    let result = try run(spec, "cat /proc/self/timens_offsets; cut -d' ' -f1 /proc/uptime; date +%s")
    let lines = result.stdout.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
    #expect(Array(lines.prefix(2)) == ["monotonic 7881 2718281", "boottime 1337 3141519"], "\(result.stderr)")
    #expect((lines.count > 2 ? Double(lines[2]) : nil).map { $0 >= hostUptime + 1337 } == true)
    #expect((lines.count > 3 ? Double(lines[3]) : nil).map { abs($0 - hostNow) < 60 } == true)
  }

  @Test func rootlessClockInTheFuture() throws {
    let text = try String(contentsOfFile: specsDirectory + "/future-clock.toml", encoding: .utf8)
    let hostUptime =
      try Double(
        String(contentsOfFile: "/proc/uptime", encoding: .utf8).split(separator: " ").first.map(String.init) ?? "") ?? 0
    let result = try run(text, "cut -d' ' -f1 /proc/uptime", asUser: 65534)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      Double(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).map { $0 >= hostUptime + 7 * 86400 } == true
    )
  }
}
