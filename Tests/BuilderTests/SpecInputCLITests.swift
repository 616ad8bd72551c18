import Foundation
import Testing

/// How the subcommands take a spec: from a pipe or a process substitution, through `..`, with the StrictModes
/// flags, and with resource-limit errors shown at their spec line.
@Suite(.serialized) struct SpecInputCLITests: ScratchFolderTests {
  static let spec = """
    version = 1
    [namespaces]
    unshare = ["uts"]
    [uts]
    hostname = "piped"
    [process]
    args = ["/bin/true"]

    """

  static var hasBash: Bool { FileManager.default.isExecutableFile(atPath: "/bin/bash") }

  func chmod(_ path: String, _ mode: Int) throws {
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
  }

  /// Runs `script` with bash in `folder`, `$NSBUILD` naming the binary there.
  func bash(_ script: String, in folder: String) throws -> NSBuildProcess.Result {
    try NSBuildProcess.runCommand("/bin/bash", ["-c", "cd '\(folder)' && NSBUILD='\(folder)/nsbuild' && " + script])
  }

  @Test(.enabled(if: hasBash, "process substitution needs bash"))
  func checkAndDiffReadASpecFromAPipeOrAProcessSubstitution() throws {
    try withFolder { folder in
      _ = try write(Self.spec, to: folder)
      let piped = try bash(#"cat s.toml | "$NSBUILD" check /dev/stdin"#, in: folder)
      #expect(piped.status == 0, "\(piped.stderr)")
      #expect(piped.stderr.contains("/dev/stdin: ok"))
      let substituted = try bash(#""$NSBUILD" diff <(cat s.toml) s.toml"#, in: folder)
      #expect(substituted.status == 0, "\(substituted.stderr)")
      #expect(substituted.stdout.contains("No changes"))
      let changed = try bash(#""$NSBUILD" diff <(sed s/piped/other/ s.toml) s.toml"#, in: folder)
      #expect(changed.status == 2, "\(changed.stderr)")
      #expect(changed.stdout.contains("+ sethostname(\"piped\""), "\(changed.stdout)")
      let byProc = try bash(#"cat s.toml | "$NSBUILD" check /proc/self/fd/0"#, in: folder)
      #expect(byProc.status == 0, "\(byProc.stderr)")
      // A here document (a pipe, or a deleted file, depending on bash's version and its size).
      let here = try bash("\"$NSBUILD\" check /dev/stdin <<'EOF'\n\(Self.spec)EOF\n", in: folder)
      #expect(here.status == 0, "\(here.stderr)")
      // An error in a piped spec is shown at its line, with the name given.
      let broken = try bash(#"sed 's/"uts"]/"utz"]/' s.toml | "$NSBUILD" check /dev/stdin"#, in: folder)
      #expect(broken.status == 1)
      #expect(broken.stderr.contains("/dev/stdin:3:"), "\(broken.stderr)")
    }
  }

  /// Some spawners (sshd without a terminal, on some systems; socket activation) give a socket as stdin, which
  /// cannot be opened through /proc/self/fd/0 (ENXIO): nsbuild reads its own fd as it is.
  @Test func checkReadsASpecFromASocketOnStdin() throws {
    try withFolder { folder in
      var ends: [Int32] = [0, 0]
      #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends) == 0)
      let bytes = Array(Self.spec.utf8)
      #expect(Glibc.write(ends[1], bytes, bytes.count) == bytes.count)
      close(ends[1])
      let input = FileHandle(fileDescriptor: ends[0], closeOnDealloc: true)
      let result = try NSBuildProcess.run(["check", "/dev/stdin"], directory: folder, input: input)
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stderr.contains("/dev/stdin: ok"))
      // A socket's mode is 0777, meaningless without a path: only its owner (root, here) counts.
      #expect(!result.stderr.contains("(owner uid"), "\(result.stderr)")
    }
  }

  @Test(.enabled(if: hasBash && NSBuildProcess.isRoot, "runs a sandbox, which needs root and bash"))
  func aPipedSpecResolvesInTheCurrentDirectoryWhichStrictModesChecks() throws {
    try withFolder { folder in
      try FileManager.default.createDirectory(atPath: folder + "/data", withIntermediateDirectories: false)
      let spec =
        Self.spec.replacingOccurrences(of: "[\"uts\"]", with: "[\"uts\", \"mount\"]") + """
          [[mounts]]
          type = "bind"
          source = "data"
          target = "/mnt"
          options = ["ro"]

          """
      _ = try write(spec, to: folder)
      let plan = try bash(#""$NSBUILD" plan <(cat s.toml)"#, in: folder)
      #expect(plan.status == 0, "\(plan.stderr)")
      #expect(plan.stdout.contains("bind \(folder)/data on /mnt"), "\(plan.stdout)")
      let run = try bash(
        #"cat s.toml | "$NSBUILD" run /dev/stdin -- /bin/sh -c 'test -d /mnt && hostname'"#, in: folder)
      #expect(run.status == 0, "\(run.stderr)")
      #expect(run.stdout == "piped\n")
      // Relative paths resolve in the current directory: a group-writable one is refused as a spec's folder is.
      try chmod(folder, 0o775)
      let refused = try bash(#"cat s.toml | "$NSBUILD" run /dev/stdin"#, in: folder)
      #expect(refused.status == 125)
      #expect(refused.stderr.contains("refusing spec '/dev/stdin': folder \(folder) (owner uid 0 (root), mode 0775)"))
      #expect(refused.stderr.contains("is writable by its group (gid 0 root)"), "\(refused.stderr)")
    }
  }

  @Test(.enabled(if: NSBuildProcess.isRoot, "runs a sandbox, which needs root"))
  func aFolderPassedThroughOnlyByDotDotDoesNotCount() throws {
    try withFolder { folder in
      for name in ["gw", "proj"] {
        try FileManager.default.createDirectory(atPath: folder + "/" + name, withIntermediateDirectories: false)
      }
      _ = try write(Self.spec, to: folder + "/proj")
      try chmod(folder + "/gw", 0o775)
      let fromInside = try NSBuildProcess.run(["run", "../proj/s.toml"], directory: folder + "/gw")
      #expect(fromInside.status == 0, "\(fromInside.stderr)")
      #expect(!fromInside.stderr.contains("(owner uid"), "\(fromInside.stderr)")
      let through = try NSBuildProcess.run(["run", folder + "/gw/../proj/s.toml"])
      #expect(through.status == 0, "\(through.stderr)")
      // Going down from the folder still counts: a spec inside it, or a folder reached from it.
      _ = try write(Self.spec, to: folder + "/gw")
      let inside = try NSBuildProcess.run(["run", "s.toml"], directory: folder + "/gw")
      #expect(inside.status == 125)
      #expect(inside.stderr.contains("folder \(folder)/gw (owner uid 0 (root), mode 0775) is writable by its group"))
      let down = try NSBuildProcess.run(["run", folder + "/gw/../gw/s.toml"])
      #expect(down.status == 125)
    }
  }

  @Test func resourceLimitErrorsNameTheirSpecPositionInPlanRunAndDiff() throws {
    try withFolder { folder in
      // Above any fs.nr_open the kernel accepts (at most 2^30), so every host refuses it, root or not.
      let path = try write(
        Self.spec + "rlimits = { nofile = { soft = 512, hard = 2147483647 } }\n", to: folder)
      for (command, status) in [("plan", Int32(1)), ("run", Int32(125))] {
        let result = try NSBuildProcess.run([command, "--no-strict-modes", path])
        #expect(result.status == status, "\(result.stderr)")
        #expect(result.stderr.contains("\(path):8:22: error: rlimits: the hard nofile limit 2147483647"))
        #expect(result.stderr.contains(" 8 | rlimits = { nofile"), "\(result.stderr)")
        #expect(result.stderr.contains("^~~~"))
        #expect(!result.stderr.contains("nsbuild: error: rlimits"))
      }
      let diff = try NSBuildProcess.run(["diff", "--no-strict-modes", path, path])
      #expect(diff.status == 1)
      #expect(diff.stderr.contains("\(path):8:22: error: rlimits: the hard nofile limit 2147483647"), "\(diff.stderr)")
      let json = try NSBuildProcess.run(["plan", "--format", "json", "--no-strict-modes", path])
      #expect(json.stdout.contains("\"code\" : \"rlimit-too-high\""))
      #expect(json.stdout.contains("\"line\" : 8"))
    }
  }

  @Test(.enabled(if: NSBuildProcess.isRoot, "chmod of a root-owned folder needs root"))
  func strictModesFindingsReachJSONAndTheFlagsOfEverySubcommand() throws {
    try withFolder { folder in
      let path = try write(Self.spec, to: folder)
      try chmod(folder, 0o775)
      let refused = try NSBuildProcess.run(["plan", "--format", "json", path])
      #expect(refused.status == 1)
      #expect(refused.stdout.contains("\"hint\" : \"make root or yourself the owner"), "\(refused.stdout)")
      let warned = try NSBuildProcess.run(["plan", "--format", "json", "--no-strict-modes", path])
      #expect(warned.status == 0, "\(warned.stderr)")
      let document = try JSONSerialization.jsonObject(with: Data(warned.stdout.utf8)) as? [String: Any]
      let warnings = try #require(document?["warnings"] as? [[String: Any]])
      let messages = warnings.compactMap { $0["message"] as? String }
      #expect(messages.contains { $0.hasPrefix("folder \(folder) (owner uid 0 (root), mode 0775) is writable") })
      // check and diff: a warning by default, nothing with --no-strict-modes, an error with --strict-modes.
      for arguments in [["check", path], ["diff", path, path]] {
        let plain = try NSBuildProcess.run(arguments)
        #expect(plain.stderr.contains("writable by its group (gid 0 root)"), "\(plain.stderr)")
        let silent = try NSBuildProcess.run([arguments[0], "--no-strict-modes"] + arguments.dropFirst())
        #expect(silent.status == 0, "\(silent.stderr)")
        #expect(!silent.stderr.contains("(owner uid"), "\(silent.stderr)")
        let strict = try NSBuildProcess.run([arguments[0], "--strict-modes"] + arguments.dropFirst())
        #expect(strict.status == 1)
        #expect(strict.stderr.contains("refusing spec '\(path)'"))
      }
    }
  }

  @Test func maxDiagnosticsIsCheckedAndPlanTakesIt() throws {
    try withFolder { folder in
      let path = try write(
        "version = 1\n[namespaces]\nunshare = [\"a\", \"b\", \"c\"]\n[process]\nargs = [\"/bin/true\"]\n", to: folder)
      for command in ["check", "plan"] {
        let negative = try NSBuildProcess.run([command, "--max-diagnostics", "-1", path])
        #expect(negative.status == 64)
        #expect(negative.stderr.contains("--max-diagnostics must be 0 (all) or more, not -1"), "\(negative.stderr)")
      }
      let all = try NSBuildProcess.run(["plan", "--no-strict-modes", path])
      #expect(all.status == 1)
      let one = try NSBuildProcess.run(["plan", "--no-strict-modes", "--max-diagnostics", "1", path])
      #expect(one.status == 1)
      // One error shown (errors come before the StrictModes warning), then the summary of the rest.
      #expect(one.stderr.components(separatedBy: ": error: ").count == 3, "\(one.stderr)")
      #expect(one.stderr.contains("error: 2 more errors and"), "\(one.stderr)")
      #expect(all.stderr.components(separatedBy: ": error: ").count > 2, "\(all.stderr)")
    }
  }
}
