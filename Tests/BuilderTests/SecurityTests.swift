import Foundation
import Testing

/// Attacks a security review tried, kept as tests: each must be refused or contained.
@Suite(.enabled(if: NSBuildProcess.isRoot, "needs root to create namespaces; CI runs as root"))
struct SecurityTests: ScratchFolderTests {
  @Test func aRootFolderReachedThroughASymlinkIsRefused() throws {
    try withFolder { folder in
      // Someone who owns the root's parent folder points it at the host's /: files must not land there.
      try FileManager.default.createSymbolicLink(atPath: folder + "/rootfs", withDestinationPath: "/")
      let marker = "/nsbuild-security-marker-\(UUID().uuidString)"
      let spec = try write(
        """
        version = 1
        [namespaces]
        unshare = ["mount", "pid"]
        [root]
        path = "\(folder)/rootfs"
        [[files]]
        type = "file"
        path = "\(marker)"
        content = "x"
        """, to: folder)
      let result = try NSBuildProcess.run(["run", spec, "--", "true"])
      #expect(result.status == 125)
      #expect(result.stderr.contains("openat2(2): ELOOP"), "\(result.stderr)")
      // Named at the spec line of the root folder, with why.
      #expect(result.stderr.contains("s.toml:5:8: error: step 5/"), "\(result.stderr)")
      #expect(result.stderr.contains("help: the root folder must be a real folder"), "\(result.stderr)")
      #expect(!FileManager.default.fileExists(atPath: marker))
    }
  }

  @Test func initHoldsNoHostFolderTheCommandCouldReach() throws {
    try withFolder { folder in
      try FileManager.default.createDirectory(atPath: folder + "/data", withIntermediateDirectories: true)
      let spec = try write(
        """
        version = 1
        [namespaces]
        unshare = ["mount", "pid"]
        [root]
        type = "tmpfs"
        \(usrFromHost)
        [[mounts]]
        type = "bind"
        source = "\(folder)/data"
        target = "/data"
        options = ["ro"]
        [[mounts]]
        type = "proc"
        target = "/proc"
        [process]
        capabilities = ["CAP_SYS_PTRACE"]
        """, to: folder)
      // nsbuild's caller also leaves an fd open (9): init closes that too.
      let script = "for f in /proc/1/fd/*; do echo ${f##*/} $(readlink $f); done; echo end"
      let result = try NSBuildProcess.runCommand(
        "/bin/sh",
        ["-c", "exec 9<\"$2\"; \"$0\" run \"$1\" -- /bin/sh -c \"$3\"", NSBuildProcess.binary, spec, folder, script])
      #expect(result.stdout.hasSuffix("end\n"), "\(result.stderr)")
      #expect(!result.stdout.contains("/data") && !result.stdout.contains("/usr") && !result.stdout.contains(folder))
      let numbers = result.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").first }.filter {
        $0 != "end"
      }
      // Only 0, 1 and 2: the report pipe is closed once the command is forked.
      #expect(numbers == ["0", "1", "2"], "\(result.stdout)")
    }
  }

  @Test func anExistingFIFOIsNeitherReadNorWaitedOn() throws {
    try withFolder { folder in
      #expect(mkfifo(folder + "/fifo", 0o644) == 0)
      let spec = try write(
        "version = 1\n[namespaces]\nunshare = [\"mount\"]\n[[files]]\ntype = \"file\"\npath = \"\(folder)/fifo\"\ncontent = \"x\"\n",
        to: folder)
      let result = try NSBuildProcess.runCommand(
        "/usr/bin/timeout", ["20", NSBuildProcess.binary, "run", spec, "--", "true"])
      #expect(result.status == 125, "\(result.stderr)")
      #expect(result.stderr.contains("exists with other contents"))
    }
  }

  @Test func aFIFOAsTheSpecIsRefusedWithoutWaitingForAWriter() throws {
    try withFolder { folder in
      #expect(mkfifo(folder + "/spec.toml", 0o644) == 0)
      for command in ["check", "plan", "run"] {
        let result = try NSBuildProcess.runCommand(
          "/usr/bin/timeout", ["20", NSBuildProcess.binary, command, folder + "/spec.toml"])
        #expect(result.status == (command == "run" ? 125 : 1), "\(command): \(result.stderr)")
        #expect(result.stderr.contains("not a regular file"), "\(command): \(result.stderr)")
      }
    }
  }

  @Test func whatLandsInABoundHostFolderIsInThePlansSummary() throws {
    try withFolder { folder in
      try FileManager.default.createDirectory(atPath: folder + "/hostdir", withIntermediateDirectories: true)
      let spec = try write(
        """
        version = 1
        [namespaces]
        unshare = ["mount"]
        [root]
        type = "tmpfs"
        [[mounts]]
        type = "bind"
        source = "\(folder)/hostdir"
        target = "/h"
        [[mounts]]
        type = "tmpfs"
        target = "/h/newmp"
        [[files]]
        type = "file"
        path = "/h/newfile"
        content = "x"
        """, to: folder)
      let plan = try NSBuildProcess.run(["plan", "--detailed-exitcode", spec, "--", "true"])
      #expect(plan.status == 2)
      #expect(plan.stdout.contains("\(folder)/hostdir/newfile"))
      #expect(plan.stdout.contains("mount point \(folder)/hostdir/newmp"))
    }
  }
}
