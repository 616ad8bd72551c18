import Foundation
import Testing

/// A fresh /proc and /sys are protected as the OCI runtimes' defaults protect them, checked from inside real
/// sandboxes. No test changes a host sysctl: a write puts back the value just read, and must fail anyway.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct ProcProtectionTests: ScratchFolderTests {
  /// Writes the value `core_pattern` holds back into it (never another one) and says how that went.
  static let rewriteCorePattern = """
    v=$(cat /proc/sys/kernel/core_pattern)
    if (printf '%s\\n' "$v" > /proc/sys/kernel/core_pattern) 2>/tmp/err; then echo written; else cat /tmp/err; fi
    """

  /// The mount points beneath /proc, as mountinfo lists them.
  static let submounts = "cut -d' ' -f5 /proc/self/mountinfo | grep '^/proc/' | sort"

  static func hostFile(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

  @Test func theBuildSpecCannotRewriteAHostSysctl() throws {
    let before = Self.hostFile("/proc/sys/kernel/core_pattern")
    let result = try NSBuildProcess.run([
      "run", specsDirectory + "/build.toml", "--", "/bin/sh", "-c", Self.rewriteCorePattern,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.hasSuffix("Read-only file system\n"), "\(result.stdout)")
    #expect(Self.hostFile("/proc/sys/kernel/core_pattern") == before)
  }

  /// The host's /dev would give a host root command the host's disks, and its /run the sockets of root's daemons;
  /// a read-only mount protects neither.
  @Test func theBuildSpecShowsNoHostDiskOrSocket() throws {
    // A root-only socket of the host's, as a daemon leaves one in /run.
    let socketPath = "/run/nsbuild-test-\(UUID().uuidString.prefix(8)).sock"
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    #expect(fd >= 0)
    defer {
      close(fd)
      unlink(socketPath)
    }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { buffer in
      for (index, byte) in socketPath.utf8.enumerated() { buffer[index] = byte }
    }
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    #expect(bound == 0, "bind \(socketPath): errno \(errno)")
    #expect(FileManager.default.fileExists(atPath: socketPath))
    let result = try NSBuildProcess.run([
      "run", specsDirectory + "/build.toml", "--", "/bin/sh", "-c", "find /dev /run -type b -o -type s | wc -l",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == "0\n", "\(result.stdout)")
  }

  @Test func maskedFilesReadEmptyAndMissingOnesAreSkipped() throws {
    // What this kernel has decides what is masked: a path it lacks (kcore without CONFIG_PROC_KCORE) is skipped.
    let files = ["kcore", "keys", "timer_list", "sched_debug"]
    let script =
      files.map { "if [ -e /proc/\($0) ]; then echo \($0) $(head -c 64 /proc/\($0) | wc -c); fi" }
      .joined(separator: "\n") + "\nls -A /proc/acpi | wc -l"
    let result = try NSBuildProcess.run(["run", specsDirectory + "/build.toml", "--", "/bin/sh", "-c", script])
    #expect(result.status == 0, "\(result.stderr)")
    let present = files.filter { FileManager.default.fileExists(atPath: "/proc/" + $0) }
    #expect(!present.isEmpty, "no masked file exists on this kernel to check")
    #expect(result.stdout == present.map { "\($0) 0\n" }.joined() + "0\n", "\(result.stderr)")
    // The host's own timer_list is not empty: the sandbox's reads empty because it is masked.
    if present.contains("timer_list") { #expect(Self.hostFile("/proc/timer_list")?.isEmpty == false) }
  }

  @Test func unmaskLeavesTheMountAsTheKernelMakesIt() throws {
    try withFolder { folder in
      let base = """
        version = 1
        [namespaces]
        unshare = ["mount", "pid", "net"]
        [[mounts]]
        type = "proc"
        target = "/proc"

        """
      let protected = try NSBuildProcess.run([
        "run", try write(base, to: folder), "--", "/bin/sh", "-c", Self.submounts,
      ])
      let expected = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", "/proc/acpi"]
        .filter { FileManager.default.fileExists(atPath: $0) }
      #expect(protected.status == 0, "\(protected.stderr)")
      for path in expected { #expect(protected.stdout.contains(path + "\n"), "\(path): \(protected.stdout)") }
      let unmasked = try NSBuildProcess.run([
        "run", try write(base + "unmask = true\n", to: folder), "--", "/bin/sh", "-c", Self.submounts,
      ])
      #expect(unmasked.status == 0, "\(unmasked.stderr)")
      #expect(unmasked.stdout == "", "\(unmasked.stdout)")
      // check says what that leaves writable.
      let check = try NSBuildProcess.run(["check", folder + "/s.toml"])
      #expect(check.stderr.contains("s.toml:7:10: warning: without a user namespace, `unmask = true` leaves /proc/sys"))
    }
  }

  /// Without a user namespace a fresh sysfs is read-only, its firmware folder masked; with one that keeps host uid 0
  /// out, it stays writable (its network devices belong to the sandbox), masked all the same.
  @Test func sysfsIsReadOnlyWhenTheCommandCouldBeHostRoot() throws {
    let sysfs = "[[mounts]]\ntype = \"sysfs\"\ntarget = \"/sys\"\n"
    let script = FilesystemTests.topmost(["/sys", "/sys/firmware"])
    try withFolder { folder in
      let hostRoot = "version = 1\n[namespaces]\nunshare = [\"mount\", \"net\"]\n" + sysfs
      let result = try NSBuildProcess.run(["run", try write(hostRoot, to: folder), "--", "/bin/sh", "-c", script])
      #expect(
        result.stdout
          == "/sys sysfs ro,nosuid,nodev,noexec,relatime\n/sys/firmware tmpfs ro,nosuid,nodev,noexec,relatime\n",
        "\(result.stderr)")
      let mapped =
        "version = 1\n[namespaces]\nunshare = [\"user\", \"mount\", \"net\"]\n[user]\n"
        + "uid_map = [{ inside = 0, outside = 100000, count = 65536 }]\n"
        + "gid_map = [{ inside = 0, outside = 100000, count = 65536 }]\n" + sysfs
      let inUserNamespace = try NSBuildProcess.run([
        "run", try write(mapped, to: folder), "--", "/bin/sh", "-c", script,
      ])
      #expect(
        inUserNamespace.stdout
          == "/sys sysfs rw,nosuid,nodev,noexec,relatime\n/sys/firmware tmpfs ro,nosuid,nodev,noexec,relatime\n",
        "\(inUserNamespace.stderr)")
    }
  }

  /// As root, a user namespace with the default map keeps host uid 0 inside: proc(5) still lets it write /proc/sys,
  /// so the protection applies there too.
  @Test func aRootCallersDefaultMapIsProtectedToo() throws {
    try withFolder { folder in
      let spec = """
        version = 1
        [namespaces]
        unshare = ["user", "mount", "pid"]
        [[mounts]]
        type = "proc"
        target = "/proc"
        [[mounts]]
        type = "tmpfs"
        target = "/tmp"

        """
      let before = Self.hostFile("/proc/sys/kernel/core_pattern")
      let result = try NSBuildProcess.run([
        "run", try write(spec, to: folder), "--", "/bin/sh", "-c", "cat /proc/self/uid_map\n" + Self.rewriteCorePattern,
      ])
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stdout.split(separator: "\n").first?.split(separator: " ") == ["0", "0", "1"])
      #expect(result.stdout.hasSuffix("Read-only file system\n"), "\(result.stdout)")
      #expect(Self.hostFile("/proc/sys/kernel/core_pattern") == before)
    }
  }
}
