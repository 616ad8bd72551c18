import Foundation
import Testing

/// `[net.pasta]` under `up` for real: a forwarded host port reaches a server inside the live sandbox after `up` has
/// exited; `status` and `ls` show pasta; `down` ends it; a killed or failed `up` leaves no pasta it did not record;
/// `apply --replace` ends the old pasta and records the new one. Each test has its own state folder.
extension HostNetworkTests {
  @Suite(
    .enabled(if: NSBuildProcess.isRoot, "needs root to run the tests as root and as an unprivileged user"),
    .enabled(if: PastaTools.present, "needs pasta (package passt), /usr/sbin/ip and /usr/bin/python3"),
    .enabled(if: PastaTools.gateway != nil, "needs a host default route: pasta copies the host's addresses and routes"))
  struct PastaLiveEndToEndTests {
    typealias E2E = HostNetworkTests.NetworkEndToEndTests
    /// Distinct per test process, and from ``PastaEndToEndTests/port``'s range.
    static let port = 43000 + Int(getpid()) % 400 * 5

    /// A live sandbox serving `folder` over HTTP on port 8000 inside, `ports` forwarded by pasta.
    static func spec(_ folder: String, ports: [String], extra: String = "") -> String {
      """
      version = 1
      [namespaces]
      unshare = ["user", "net", "pid", "mount"]
      [net.pasta]
      ports = [\(ports.map { "\"\($0)\"" }.joined(separator: ", "))]
      [process]
      args = ["\(E2E.python)", "-m", "http.server", "--bind", "0.0.0.0", "--directory", "\(folder)", "8000"]

      """ + extra
    }

    /// A scratch folder readable by all with the binary, the specs, `hello.txt` (what the server inside serves) and a
    /// state folder owned by `uid`.
    struct Scratch {
      var folder: String
      var uid: UInt32?
      var state: String { folder + "/state" }
      var environment: [String: String] { ["NSBUILD_STATE_DIR": state] }

      init(uid: UInt32?, specs: (String) -> [String: String]) throws {
        folder = try NSBuildProcess.publicCopy(specs: ["hello.txt": "from-sandbox\n"])
        self.uid = uid
        for (name, text) in specs(folder) {
          try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/" + name))
          try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: folder + "/" + name)
        }
        try FileManager.default.createDirectory(
          atPath: state, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        if let uid { _ = chown(state, uid, uid) }
      }

      /// `nsbuild ARGS` as the scratch's user; `up` and `apply` go through ``PastaEndToEndTests/asUser(_:_:)``,
      /// which gives pasta a /dev/net/tun it may open.
      func run(_ arguments: [String]) throws -> NSBuildProcess.Result {
        guard let uid else {
          return try NSBuildProcess.run(
            arguments, binary: folder + "/nsbuild", directory: folder, environment: environment)
        }
        guard ["up", "apply"].contains(arguments.first) else {
          return try NSBuildProcess.run(
            arguments, binary: folder + "/nsbuild", asUser: uid, directory: folder, environment: environment)
        }
        let launch = PastaEndToEndTests.asUser(uid, folder)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: launch[0])
        process.arguments = Array(launch.dropFirst()) + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        return try NSBuildProcess.capture(process)
      }

      func status(_ name: String) throws -> [String: Any] {
        let result = try run(["status", "--format", "json", name])
        // Empty for a folder without a record (an `up` killed before it saved one).
        return (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
      }

      /// pasta's pid and whether it runs, as `status` says; nil without pasta.
      func pasta(_ name: String) throws -> (pid: Int, running: Bool)? {
        guard let pasta = try status(name)["pasta"] as? [String: Any], let pid = pasta["pid"] as? Int else {
          return nil
        }
        return (pid, pasta["running"] as? Bool ?? false)
      }

      func cleanUp() {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: state)) ?? [] {
          _ = try? run(["down", "--timeout", "1", name])
        }
        try? FileManager.default.removeItem(atPath: folder)
      }
    }

    /// The pids of running pasta processes (not zombies: their cmdline is empty) that are `pid`, or hold an fd of the
    /// network namespace `net` (`net:[ID]`, as pasta holds its sandbox's), or have the scratch folder open (their log).
    static func pastas(pid: Int? = nil, net: String? = nil, folder: String? = nil) -> [Int] {
      let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
      return entries.compactMap(Int.init).filter { candidate in
        // pasta's program, not its keeper (`nsbuild-pasta`).
        guard let cmdline = FileManager.default.contents(atPath: "/proc/\(candidate)/cmdline"),
          ["pasta", "pasta.avx2"].contains(
            String(decoding: cmdline.prefix { $0 != 0 }, as: UTF8.self).split(separator: "/").last ?? "")
        else { return false }
        if candidate == pid { return true }
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(candidate)/fd")) ?? []
        return fds.contains { fd in
          let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(candidate)/fd/\(fd)")) ?? ""
          return (net != nil && link == net) || (folder.map { link.hasPrefix($0 + "/") } ?? false)
        }
      }
    }

    /// Polls (bounded: a process killed ends soon, not at once) until `done` holds.
    static func eventually(_ done: () throws -> Bool) rethrows -> Bool {
      for _ in 0..<100 {
        if try done() { return true }
        usleep(50_000)
      }
      return try done()
    }

    /// GET `/hello.txt` on 127.0.0.1:`port` from the host, retried while the server inside starts (pasta answers a
    /// connection to a forwarded port nothing listens on inside by closing it).
    static func fetch(_ port: Int) throws -> NSBuildProcess.Result {
      let client = """
        import sys, time, urllib.request
        for attempt in range(100):
            try:
                print(urllib.request.urlopen("http://127.0.0.1:%s/hello.txt" % sys.argv[1], timeout=5).read().decode(), end="")
                sys.exit(0)
            except Exception as error:
                last = error
                time.sleep(0.1)
        sys.exit("no answer: %s" % last)
        """
      return try NSBuildProcess.runCommand(E2E.python, ["-c", client, String(port)])
    }

    func forwardsUntilDown(asUser uid: UInt32?) throws {
      let host = Self.port + (uid == nil ? 0 : 1)
      let scratch = try Scratch(uid: uid) { ["live.toml": Self.spec($0, ports: ["\(host):8000/tcp"])] }
      defer { scratch.cleanUp() }
      let up = try scratch.run(["up", "--name", "web", scratch.folder + "/live.toml"])
      try #require(up.status == 0, "\(up.stderr)")
      // `up` has exited: the forward is pasta's, which outlived it.
      let fetched = try Self.fetch(host)
      #expect(fetched.stdout == "from-sandbox\n", "\(fetched.stderr)")
      let pasta = try #require(try scratch.pasta("web"))
      #expect(pasta.running)
      let net = try #require((try scratch.status("web")["namespaces"] as? [String: String])?["net"])
      #expect(Self.pastas(net: net) == [pasta.pid])
      let listed = try scratch.run(["ls"]).stdout
      #expect(
        listed.contains(" running ") && listed.split(separator: "\n").first?.contains("PASTA") == true, "\(listed)")
      let down = try scratch.run(["down", "web"])
      #expect(down.status == 0, "\(down.stderr)")
      #expect(Self.eventually { Self.pastas(pid: pasta.pid, net: net).isEmpty })
      #expect(!FileManager.default.fileExists(atPath: scratch.state + "/web"))
    }

    @Test func upForwardsAPortUntilDownAsRoot() throws {
      try forwardsUntilDown(asUser: nil)
    }

    @Test func upForwardsAPortUntilDownRootless() throws {
      try forwardsUntilDown(asUser: 65534)
    }

    /// pasta killed by hand is drift `plan --target` and `status` show; `down` still ends the sandbox. Then a sandbox
    /// whose init was killed: `down` ends its pasta too (its keeper had, with the sandbox process).
    @Test func pastaEndedByHandIsDriftAndDownEndsPastaOfADeadSandbox() throws {
      let scratch = try Scratch(uid: nil) { ["live.toml": Self.spec($0, ports: [])] }
      defer { scratch.cleanUp() }
      try #require(try scratch.run(["up", "--name", "a", scratch.folder + "/live.toml"]).status == 0)
      let pasta = try #require(try scratch.pasta("a"))
      kill(pid_t(pasta.pid), SIGKILL)
      #expect(try Self.eventually { try scratch.pasta("a")?.running == false })
      let drift = try #require(try scratch.status("a")["drift"] as? [[String: Any]])
      #expect(drift.contains { $0["name"] as? String == "pasta" && $0["live"] as? String == "ended" }, "\(drift)")
      let plan = try scratch.run(["plan", "--target", "a", scratch.folder + "/live.toml"])
      #expect(plan.stdout.contains("pasta: applied running, now ended"), "\(plan.stdout)")
      #expect(try scratch.run(["down", "a"]).status == 0)

      try #require(try scratch.run(["up", "--name", "b", scratch.folder + "/live.toml"]).status == 0)
      let second = try #require(try scratch.pasta("b"))
      let pid = try #require(try scratch.status("b")["pid"] as? Int)
      kill(pid_t(pid), SIGKILL)
      #expect(try Self.eventually { try scratch.status("b")["status"] as? String == "dead" })
      let down = try scratch.run(["down", "b"])
      #expect(down.status == 0, "\(down.stderr)")
      #expect(Self.eventually { Self.pastas(pid: second.pid, folder: scratch.folder).isEmpty })
    }

    /// pasta killed by hand, the spec unchanged: `plan --target` marks the pasta step `-/+` (forced by `network`,
    /// the whole sandbox replaced) and `--detailed-exitcode` exits 2; `apply` refuses without --replace and leaves
    /// pasta ended; `apply --replace` makes the sandbox anew, its new pasta forwarding the port again; `down` leaves
    /// no pasta.
    @Test func pastaEndedByHandIsReplacedByApplyReplace() throws {
      let host = Self.port + 4
      let scratch = try Scratch(uid: nil) { ["live.toml": Self.spec($0, ports: ["\(host):8000/tcp"])] }
      defer { scratch.cleanUp() }
      let spec = scratch.folder + "/live.toml"
      try #require(try scratch.run(["up", "--name", "d", spec]).status == 0)
      #expect(try Self.fetch(host).stdout == "from-sandbox\n")
      let old = try #require(try scratch.pasta("d"))
      let oldInit = try #require(try scratch.status("d")["pid"] as? Int)
      kill(pid_t(old.pid), SIGKILL)
      try #require(try Self.eventually { try scratch.pasta("d")?.running == false })

      let plan = try scratch.run(["plan", "--target", "d", "--detailed-exitcode", spec])
      #expect(plan.status == 2, "\(plan.stderr)")
      let marked = plan.stdout.split(separator: "\n").filter { $0.hasPrefix("-/+") }
      #expect(marked.count == 1 && marked.first?.contains("pasta") == true, "\(plan.stdout)")
      #expect(plan.stdout.contains("forced by network:"), "\(plan.stdout)")
      #expect(plan.stdout.contains("restores drift: pasta: applied running, now ended"), "\(plan.stdout)")
      #expect(plan.stdout.contains("the sandbox must be replaced because"), "\(plan.stdout)")

      let refused = try scratch.run(["apply", "--target", "d", spec])
      #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
      #expect(refused.stderr.contains("--replace") && refused.stderr.contains("pasta"), "\(refused.stderr)")
      #expect(try scratch.status("d")["pid"] as? Int == oldInit)
      #expect(try scratch.pasta("d")?.running == false)

      let replaced = try scratch.run(["apply", "--target", "d", "--replace", "--detailed-exitcode", spec])
      #expect(replaced.status == 2, "\(replaced.stderr)")
      let new = try #require(try scratch.pasta("d"))
      #expect(new.running && new.pid != old.pid)
      #expect(try scratch.status("d")["pid"] as? Int != oldInit)
      let fetched = try Self.fetch(host)
      #expect(fetched.stdout == "from-sandbox\n", "\(fetched.stderr)")
      let again = try scratch.run(["plan", "--target", "d", "--detailed-exitcode", spec])
      #expect(again.status == 0, "\(again.stdout)\(again.stderr)")

      #expect(try scratch.run(["down", "d"]).status == 0)
      #expect(Self.eventually { Self.pastas(pid: new.pid, folder: scratch.folder).isEmpty })
    }

    /// `up` killed at random moments: every pasta left is one a running sandbox recorded, and `down` ends each.
    @Test func aKilledUpLeavesNoUnrecordedPasta() throws {
      let scratch = try Scratch(uid: nil) { ["live.toml": Self.spec($0, ports: [])] }
      defer { scratch.cleanUp() }
      for round in 0..<12 {
        let up = try NSBuildProcess.start(
          ["up", "--name", "k\(round)", scratch.folder + "/live.toml"], environment: scratch.environment)
        usleep(UInt32.random(in: 0...200_000))
        kill(up.processIdentifier, SIGKILL)
        up.waitUntilExit()
      }
      func recorded() throws -> Set<Int> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: scratch.state)) ?? []
        return Set(
          try names.compactMap { name in
            guard try scratch.status(name)["status"] as? String == "running" else { return nil }
            return try scratch.pasta(name).map(\.pid)
          })
      }
      // A pasta whose `up` died before its record ends with the sandbox process: wait (bounded) until none is left.
      var unrecorded: Set<Int> = []
      let settled = try Self.eventually {
        unrecorded = Set(Self.pastas(folder: scratch.folder)).subtracting(try recorded())
        return unrecorded.isEmpty
      }
      let listed = try scratch.run(["ls"]).stdout
      #expect(settled, "pasta running but not recorded: \(unrecorded.sorted()); ls:\n\(listed)")
      for name in (try? FileManager.default.contentsOfDirectory(atPath: scratch.state)) ?? [] {
        let down = try scratch.run(["down", "--timeout", "1", name])
        #expect(down.status == 0, "\(name): \(down.stderr)")
      }
      #expect(Self.eventually { Self.pastas(folder: scratch.folder).isEmpty })
    }

    /// A step after pasta's fails (a file beneath the host's /proc/sys: EACCES): pasta is ended before `up` exits.
    @Test func aFailedUpLeavesNoPasta() throws {
      let file = "[[files]]\npath = \"/proc/sys/nsbt-none\"\ntype = \"file\"\ncontent = \"x\"\n"
      let scratch = try Scratch(uid: nil) { ["failing.toml": Self.spec($0, ports: [], extra: file)] }
      defer { scratch.cleanUp() }
      let up = try scratch.run(["up", "--name", "f", scratch.folder + "/failing.toml"])
      #expect(up.status == 125, "\(up.stderr)")
      #expect(up.stderr.contains("EACCES"), "\(up.stderr)")
      #expect(Self.pastas(folder: scratch.folder).isEmpty)
      #expect(!FileManager.default.fileExists(atPath: scratch.state + "/f"))
    }

    /// `[net.pasta]` changed: `apply` without --replace refuses and leaves the old pasta; with it, the old pasta ends
    /// and the new one, recorded, forwards the new port.
    @Test func applyReplacingTheSandboxReplacesPasta() throws {
      let (first, second) = (Self.port + 2, Self.port + 3)
      let scratch = try Scratch(uid: nil) {
        [
          "live.toml": Self.spec($0, ports: ["\(first):8000/tcp"]),
          "moved.toml": Self.spec($0, ports: ["\(second):8000/tcp"]),
        ]
      }
      defer { scratch.cleanUp() }
      try #require(try scratch.run(["up", "--name", "r", scratch.folder + "/live.toml"]).status == 0)
      let old = try #require(try scratch.pasta("r"))
      let refused = try scratch.run(["apply", "--target", "r", scratch.folder + "/moved.toml"])
      #expect(refused.status == 1 && refused.stderr.contains("pasta"), "\(refused.stderr)")
      #expect(try scratch.pasta("r")?.pid == old.pid && Self.pastas(pid: old.pid) == [old.pid])
      let replaced = try scratch.run(["apply", "--target", "r", "--replace", scratch.folder + "/moved.toml"])
      #expect(replaced.status == 0, "\(replaced.stderr)")
      let new = try #require(try scratch.pasta("r"))
      #expect(new.pid != old.pid && new.running)
      #expect(Self.eventually { Self.pastas(pid: old.pid).isEmpty })
      #expect(try Self.fetch(second).stdout == "from-sandbox\n")
    }
  }
}
