import Foundation
import Testing

/// `[[net.veth]]` for real: TCP between the host and a sandbox both ways, two sandboxes on one bridge, IPv6, and what
/// a failed or killed nsbuild leaves (`ip -o link`, `ip -o addr`, `ip route` before and after). Traffic stays on
/// this machine, on addresses of the veths these tests make (10.2xx.N.0/24, fd42:N::/64, N from the test's pid).
/// The tests that change the host's network, one at a time: each compares the host's interfaces, addresses and
/// routes before and after, which another one running beside it would change.
@Suite(.serialized) struct HostNetworkTests {}

extension HostNetworkTests {
  @Suite(
    .enabled(if: NSBuildProcess.isRoot, "needs root: a veth's host end takes CAP_NET_ADMIN in the host's namespace"),
    .enabled(if: NetworkTools.present, "needs /usr/sbin/ip (iproute2) and /usr/bin/python3"))
  struct NetworkEndToEndTests {
    static let ip = NetworkTools.ip
    static let python = NetworkTools.python
    /// Distinct per test process, so parallel runs on one machine pick different names and subnets.
    static let tag = Int(getpid()) % 200 + 20

    /// A server (`serve ADDRESS PORT REPLY`: accepts one connection, prints what it got, answers REPLY) and a client
    /// (`call ADDRESS PORT MESSAGE`: connects, retrying until the other end listens, prints the answer). The server
    /// binds with IP_FREEBIND, so it can listen before its address exists (the host end is made by nsbuild).
    static let script = """
      import socket, sys, time
      mode, address, port, text = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
      family = socket.AF_INET6 if ":" in address else socket.AF_INET
      s = socket.socket(family, socket.SOCK_STREAM)
      if mode == "serve":
          s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
          s.setsockopt(socket.IPPROTO_IP, 15, 1)
          s.bind((address, port)); s.listen(1); s.settimeout(60)
          c, _ = s.accept(); print(c.recv(100).decode(), flush=True); c.sendall(text.encode()); c.close()
      else:
          # Until the other end answers: a forwarder (pasta) may accept, then reset, before the server listens.
          deadline = time.time() + 60
          while True:
              try:
                  s.connect((address, port)); s.sendall(text.encode()); answer = s.recv(100).decode()
                  if answer: break
              except OSError:
                  pass
              if time.time() > deadline: raise SystemExit("no answer")
              s.close(); s = socket.socket(family, socket.SOCK_STREAM); time.sleep(0.1)
          print(answer, flush=True)

      """

    /// A folder with the helper script and `specs` written in it.
    func folder(_ specs: (String) -> [String: String]) throws -> String {
      let path = FileManager.default.temporaryDirectory.appendingPathComponent("nsbuild-net-\(UUID().uuidString)").path
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
      try Self.script.write(toFile: path + "/tcp.py", atomically: true, encoding: .utf8)
      for (name, text) in specs(path) { try text.write(toFile: path + "/" + name, atomically: true, encoding: .utf8) }
      return path
    }

    static func spec(_ veth: String, command: [String], extra: String = "", unshare: String = "\"net\", \"uts\"")
      -> String
    {
      let args = command.map { "\"\($0)\"" }.joined(separator: ", ")
      return """
        version = 1
        [namespaces]
        unshare = [\(unshare)]
        [process]
        \(command.isEmpty ? "" : "args = [\(args)]")
        \(extra)
        [[net.veth]]
        \(veth)

        """
    }

    /// A process running in the background, its output in files.
    final class Background {
      let process = Process()
      let out: String
      init(_ executable: String, _ arguments: [String]) throws {
        out = FileManager.default.temporaryDirectory.appendingPathComponent("nsbuild-net-\(UUID().uuidString)").path
        FileManager.default.createFile(atPath: out, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: out + ".err") ?? FileHandle.nullDevice
        FileManager.default.createFile(atPath: out + ".err", contents: nil)
        process.standardError = FileHandle(forWritingAtPath: out + ".err")
        process.standardInput = FileHandle.nullDevice
        try process.run()
      }
      /// Waits for the end; the status and what it printed.
      func finish() -> (status: Int32, stdout: String, stderr: String) {
        process.waitUntilExit()
        defer {
          try? FileManager.default.removeItem(atPath: out)
          try? FileManager.default.removeItem(atPath: out + ".err")
        }
        return (
          process.terminationStatus, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
          (try? String(contentsOfFile: out + ".err", encoding: .utf8)) ?? ""
        )
      }
    }

    /// The host's interfaces, addresses and routes as `ip` prints them, with counters and the link state dropped, that
    /// these tests could have made.
    static func network() throws -> [String] {
      let links = try NSBuildProcess.runCommand(ip, ["-o", "link"]).stdout
      let addresses = try NSBuildProcess.runCommand(ip, ["-o", "addr"]).stdout
      let routes =
        try NSBuildProcess.runCommand(ip, ["route"]).stdout + NSBuildProcess.runCommand(ip, ["-6", "route"]).stdout
      let names = links.split(separator: "\n").compactMap {
        $0.split(separator: ":").dropFirst().first.map { "link" + $0 }
      }
      let addressLines = addresses.split(separator: "\n").map {
        $0.split(separator: " ").prefix(4).joined(separator: " ")
      }
      // Only what these tests could leave: their interfaces (nsbt…), subnets (10.20x, fd42:) and what routes through
      // them; the rest of the suite (OCI runtimes, live sandboxes) runs beside them.
      let all = names + addressLines + routes.split(separator: "\n").map(String.init)
      return all.filter { $0.contains("nsbt") || $0.contains("10.20") || $0.contains("fd42:") }
    }

    /// Whether the host has a link named `name` now (`run` and `down` delete the host ends they made before they
    /// return: no waiting for the kernel to free the sandbox's network namespace).
    static func linkExists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: "/sys/class/net/" + name) }

    /// Waits until `ip link show NAME` says it is `present` (a namespace is freed by the kernel after its last
    /// process ends, so its veth goes a moment later); false if it never does within a minute.
    static func waitForLink(_ name: String, present: Bool) -> Bool {
      for _ in 0..<600 {
        if FileManager.default.fileExists(atPath: "/sys/class/net/" + name) == present { return true }
        usleep(100_000)
      }
      return false
    }

    func talk(insideAddress: String, hostAddress: String, prefix: Int, port: Int, hostName: String) throws {
      let veth = """
        name = "eth0"
        host_name = "\(hostName)"
        addresses = ["\(insideAddress)/\(prefix)"]
        host_addresses = ["\(hostAddress)/\(prefix)"]
        """
      let dir = try folder { dir in
        [
          "server.toml": Self.spec(
            veth, command: [Self.python, dir + "/tcp.py", "serve", insideAddress, "\(port)", "from-sandbox"]),
          "client.toml": Self.spec(
            veth, command: [Self.python, dir + "/tcp.py", "call", hostAddress, "\(port + 1)", "from-sandbox"]),
        ]
      }
      defer { try? FileManager.default.removeItem(atPath: dir) }
      let before = try Self.network()
      // Host → sandbox: the server inside, the client on the host.
      let sandbox = try Background(NSBuildProcess.binary, ["run", dir + "/server.toml"])
      let client = try NSBuildProcess.runCommand(
        Self.python, [dir + "/tcp.py", "call", insideAddress, "\(port)", "from-host"])
      let served = sandbox.finish()
      #expect(client.stdout == "from-sandbox\n", "\(client.stderr)")
      #expect(served.status == 0 && served.stdout == "from-host\n", "\(served.stderr)")
      #expect(!Self.linkExists(hostName), "nsbuild returned with its host end still there")
      // Sandbox → host: the server on the host (listening on the host end's address before it exists).
      let server = try Background(Self.python, [dir + "/tcp.py", "serve", hostAddress, "\(port + 1)", "from-host"])
      let caller = try NSBuildProcess.run(["run", dir + "/client.toml"], directory: dir)
      let answered = server.finish()
      #expect(caller.status == 0 && caller.stdout == "from-host\n", "\(caller.stderr)")
      #expect(answered.stdout == "from-sandbox\n", "\(answered.stderr)")
      #expect(!Self.linkExists(hostName), "nsbuild returned with its host end still there")
      #expect(try Self.network() == before)
    }

    @Test func tcpBothWaysOverIPv4() throws {
      try talk(
        insideAddress: "10.201.\(Self.tag).2", hostAddress: "10.201.\(Self.tag).1", prefix: 24, port: 40100,
        hostName: "nsbt\(Self.tag)v4")
    }

    @Test func tcpBothWaysOverIPv6() throws {
      try talk(
        insideAddress: "fd42:\(Self.tag)::2", hostAddress: "fd42:\(Self.tag)::1", prefix: 64, port: 40200,
        hostName: "nsbt\(Self.tag)v6")
    }

    @Test func twoSandboxesOnOneBridge() throws {
      let bridge = "nsbt\(Self.tag)br"
      let server = "10.202.\(Self.tag).2"
      func veth(_ name: String, _ address: String) -> String {
        "name = \"eth0\"\nhost_name = \"\(name)\"\nbridge = \"\(bridge)\"\naddresses = [\"\(address)/24\"]"
      }
      let dir = try folder { dir in
        [
          "a.toml": Self.spec(
            veth("nsbt\(Self.tag)a", server),
            command: [Self.python, dir + "/tcp.py", "serve", server, "40300", "from-a"]),
          "b.toml": Self.spec(
            veth("nsbt\(Self.tag)b", "10.202.\(Self.tag).3"),
            command: [Self.python, dir + "/tcp.py", "call", server, "40300", "from-b"]),
        ]
      }
      defer {
        try? FileManager.default.removeItem(atPath: dir)
        _ = try? NSBuildProcess.runCommand(Self.ip, ["link", "del", bridge])
      }
      let before = try Self.network()
      let plan = try NSBuildProcess.run(["plan", dir + "/a.toml"])
      #expect(plan.stdout.contains("left on the host: bridge \(bridge)"), "\(plan.stdout)")
      let a = try Background(NSBuildProcess.binary, ["run", dir + "/a.toml"])
      // The first run makes the bridge; wait for it so the second finds it (rather than both racing to make it).
      #expect(Self.waitForLink(bridge, present: true))
      let b = try NSBuildProcess.run(["run", dir + "/b.toml"], directory: dir)
      let served = a.finish()
      #expect(b.status == 0 && b.stdout == "from-a\n", "\(b.stderr)")
      #expect(served.stdout == "from-b\n", "\(served.stderr)")
      // The bridge stays, as plan said; the veths went with their sandboxes.
      #expect(FileManager.default.fileExists(atPath: "/sys/class/net/\(bridge)/bridge"))
      #expect(
        Self.waitForLink("nsbt\(Self.tag)a", present: false) && Self.waitForLink("nsbt\(Self.tag)b", present: false))
      let planAgain = try NSBuildProcess.run(["plan", dir + "/a.toml"])
      #expect(planAgain.stdout.contains("(already bridge \(bridge) exists)"), "\(planAgain.stdout)")
      _ = try NSBuildProcess.runCommand(Self.ip, ["link", "del", bridge])
      #expect(try Self.network() == before)
    }

    @Test func aTakenHostNameFailsAndLeavesNothing() throws {
      let taken = "nsbt\(Self.tag)tk"
      // A veth pair: this kernel may lack the dummy driver.
      _ = try NSBuildProcess.runCommand(Self.ip, ["link", "add", taken, "type", "veth", "peer", "name", taken + "p"])
      defer { _ = try? NSBuildProcess.runCommand(Self.ip, ["link", "del", taken]) }
      let veth = "name = \"eth0\"\nhost_name = \"\(taken)\"\naddresses = [\"10.204.\(Self.tag).2/24\"]"
      let dir = try folder { _ in ["s.toml": Self.spec(veth, command: ["/bin/true"])] }
      defer { try? FileManager.default.removeItem(atPath: dir) }
      let plan = try NSBuildProcess.run(["plan", dir + "/s.toml"])
      #expect(
        plan.stdout.contains("(host interface \(taken) is in the way of a veth: run refuses to replace it)"),
        "\(plan.stdout)")
      let before = try Self.network()
      let result = try NSBuildProcess.run(["run", dir + "/s.toml"])
      #expect(result.status != 0)
      #expect(result.stderr.contains("RTM_NEWLINK \(taken): sendmsg(2): EEXIST"), "\(result.stderr)")
      #expect(try Self.network() == before)
    }

    /// The kernel deletes a veth with its network namespace in a workqueue, after the last process left it: `run`
    /// deletes the host end itself once the sandbox ended, so it is gone when `run` returns and the next run can
    /// make it again (no EEXIST), checked at once, without waiting.
    @Test func backToBackRunsEachFindTheHostEndGone() throws {
      let name = "nsbt\(Self.tag)bb"
      let veth = """
        name = "eth0"
        host_name = "\(name)"
        addresses = ["10.207.\(Self.tag).2/24"]
        host_addresses = ["10.207.\(Self.tag).1/24"]
        """
      let dir = try folder { _ in ["s.toml": Self.spec(veth, command: ["/bin/true"], unshare: "\"net\", \"pid\"")] }
      defer { try? FileManager.default.removeItem(atPath: dir) }
      defer { _ = try? NSBuildProcess.runCommand(Self.ip, ["link", "del", name]) }
      let plan = try NSBuildProcess.run(["plan", dir + "/s.toml"])
      #expect(plan.stdout.contains("delete veth \(name) (host)"), "\(plan.stdout)")
      for round in 1...10 {
        let result = try NSBuildProcess.run(["run", dir + "/s.toml"])
        #expect(result.status == 0, "run \(round): \(result.stderr)")
        let links = try NSBuildProcess.runCommand(Self.ip, ["-o", "-d", "link"]).stdout
        #expect(!links.contains(name + "@") && !links.contains(name + ":"), "run \(round) left \(name): \(links)")
        if result.status != 0 { break }
      }
    }

    @Test func aLaterFailureTakesBackTheVethAndTheBridge() throws {
      let bridge = "nsbt\(Self.tag)fb"
      let veth =
        "name = \"eth0\"\nhost_name = \"nsbt\(Self.tag)f\"\nbridge = \"\(bridge)\"\naddresses = [\"10.205.\(Self.tag).2/24\"]"
      // The command's working folder is missing: init fails after the network is set up.
      let dir = try folder { _ in
        ["s.toml": Self.spec(veth, command: ["/bin/true"], extra: "cwd = \"/nonexistent-nsbuild\"")]
      }
      defer {
        try? FileManager.default.removeItem(atPath: dir)
        _ = try? NSBuildProcess.runCommand(Self.ip, ["link", "del", bridge])
      }
      let before = try Self.network()
      let result = try NSBuildProcess.run(["run", dir + "/s.toml"])
      #expect(result.status != 0)
      #expect(result.stderr.contains("nonexistent-nsbuild"), "\(result.stderr)")
      // Deleted by nsbuild before it exits: no waiting for the namespace to go.
      #expect(!FileManager.default.fileExists(atPath: "/sys/class/net/" + bridge))
      #expect(!FileManager.default.fileExists(atPath: "/sys/class/net/nsbt\(Self.tag)f"))
      #expect(try Self.network() == before)
    }

    @Test func aLiveSandboxKeepsItsVethAndPlanTargetChangesItsAddressInPlace() throws {
      let name = "nsbt\(Self.tag)u"
      func veth(_ address: String) -> String {
        "name = \"eth0\"\nhost_name = \"\(name)\"\naddresses = [\"\(address)/24\"]\nhost_addresses = [\"10.209.\(Self.tag).1/24\"]"
      }
      let dir = try folder { _ in
        [
          // `up` needs a pid namespace: `down` ends the sandbox by ending its init.
          "live.toml": Self.spec(veth("10.209.\(Self.tag).2"), command: [], unshare: "\"net\", \"pid\""),
          "moved.toml": Self.spec(veth("10.209.\(Self.tag).3"), command: [], unshare: "\"net\", \"pid\""),
        ]
      }
      let state = ["NSBUILD_STATE_DIR": dir + "/state"]
      let sandbox = "nett\(Self.tag)"
      defer {
        _ = try? NSBuildProcess.run(["down", sandbox], environment: state)
        try? FileManager.default.removeItem(atPath: dir)
      }
      let before = try Self.network()
      let up = try NSBuildProcess.run(["up", "--name", sandbox, dir + "/live.toml"], environment: state)
      #expect(up.status == 0, "\(up.stderr)")
      // nsbuild has exited; the sandbox, and so its veth, stays.
      #expect(FileManager.default.fileExists(atPath: "/sys/class/net/" + name))
      let same = try NSBuildProcess.run(["plan", "--target", sandbox, dir + "/live.toml"], environment: state)
      #expect(
        same.status == 0 && same.stdout.contains("=   init     set up eth0 inside"), "\(same.stdout)\(same.stderr)")
      #expect(same.stdout.contains("=   parent   make veth \(name) (host)"), "\(same.stdout)")
      let moved = try NSBuildProcess.run(["plan", "--target", sandbox, dir + "/moved.toml"], environment: state)
      #expect(moved.status == 0, "\(moved.stderr)")
      // Another address is changed in place (LiveNetworkEndToEndTests applies such changes).
      #expect(moved.stdout.contains("~   init     set up eth0 inside"), "\(moved.stdout)")
      #expect(moved.stdout.contains("remove 10.209.\(Self.tag).2/24 from eth0"), "\(moved.stdout)")
      #expect(!moved.stdout.contains("\n-/+ "), "\(moved.stdout)")
      let down = try NSBuildProcess.run(["down", sandbox], environment: state)
      #expect(down.status == 0, "\(down.stderr)")
      #expect(!Self.linkExists(name), "nsbuild returned with its host end still there")
      #expect(try Self.network() == before)
    }

    @Test func aKilledNSBuildLeavesNoInterface() throws {
      let name = "nsbt\(Self.tag)k"
      let veth =
        "name = \"eth0\"\nhost_name = \"\(name)\"\naddresses = [\"10.206.\(Self.tag).2/24\"]\nhost_addresses = [\"10.206.\(Self.tag).1/24\"]"
      let dir = try folder { _ in ["s.toml": Self.spec(veth, command: ["/bin/sleep", "600"])] }
      defer { try? FileManager.default.removeItem(atPath: dir) }
      let before = try Self.network()
      let sandbox = try Background(NSBuildProcess.binary, ["run", dir + "/s.toml"])
      #expect(Self.waitForLink(name, present: true))
      #expect(try Self.network() != before)
      kill(sandbox.process.processIdentifier, SIGKILL)
      _ = sandbox.finish()
      #expect(Self.waitForLink(name, present: false))
      #expect(try Self.network() == before)
      #expect(processes(mentioning: dir).isEmpty)
    }
  }
}

/// The programs the network tests run on the host: iproute2's ip, and Python for a TCP server and client.
enum NetworkTools {
  static let ip = "/usr/sbin/ip"
  static let python = "/usr/bin/python3"
  static var present: Bool {
    FileManager.default.isExecutableFile(atPath: ip) && FileManager.default.isExecutableFile(atPath: python)
  }
}
