import Foundation
import Testing

/// `[[net.veth]]` changed on a live sandbox for real: `plan --target` marks a new veth `+`, an address `~`, a renamed
/// veth `-/+` of that link, and `apply` makes them in the running sandbox (its init's pid stays), read back with
/// `ip` from the host and from inside the init's network namespace (nsenter(1)), with TCP over a link apply made.
extension HostNetworkTests {
  @Suite(
    .enabled(if: NSBuildProcess.isRoot, "needs root: a veth's host end takes CAP_NET_ADMIN in the host's namespace"),
    .enabled(if: NetworkTools.present && NetworkTools.nsenterPresent, "needs ip, python3 and nsenter"))
  struct LiveNetworkEndToEndTests {
    typealias Net = NetworkEndToEndTests
    static let nsenter = NetworkTools.nsenter
    /// Distinct per test process, and from the other network tests' subnets (10.21x).
    static let tag = Net.tag

    /// A veth entry: `name` inside, `host` on the host, addresses in 10.`net`.TAG.0/24.
    static func veth(
      _ name: String, host: String, net: Int, inside: [Int], hostAddress: Int? = nil, extra: String = ""
    ) -> String {
      let addresses = inside.map { "\"10.\(net).\(tag).\($0)/24\"" }.joined(separator: ", ")
      let hostLine = hostAddress.map { "host_addresses = [\"10.\(net).\(tag).\($0)/24\"]\n" } ?? ""
      return "[[net.veth]]\nname = \"\(name)\"\nhost_name = \"\(host)\"\naddresses = [\(addresses)]\n" + hostLine
        + extra
    }

    static func spec(_ veths: [String]) -> String {
      // `up` needs a pid namespace: `down` ends the sandbox by ending its init; a mount namespace for `[[files]]`.
      "version = 1\n[namespaces]\nunshare = [\"net\", \"pid\", \"mount\"]\n" + veths.joined(separator: "\n")
    }

    /// `ip ARGS` in the network namespace of process `pid`, entered by nsenter(1).
    static func inside(_ pid: Int, _ arguments: [String]) throws -> String {
      try NSBuildProcess.runCommand(nsenter, ["-t", String(pid), "-n", NetworkTools.ip] + arguments).stdout
    }

    /// The names of the links in the namespace of `pid`, sorted.
    static func links(_ pid: Int) throws -> [String] {
      try inside(pid, ["-o", "link"]).split(separator: "\n").compactMap { line in
        line.split(separator: ":").dropFirst().first.map {
          String($0.trimmingCharacters(in: .whitespaces).split(separator: "@")[0])
        }
      }.sorted()
    }

    /// The IPv4 addresses of the namespace of `pid`, as `eth0 10.0.0.2/24`, sorted.
    static func addresses(_ pid: Int) throws -> [String] {
      try inside(pid, ["-o", "-4", "addr"]).split(separator: "\n").map { line in
        let fields = line.split(separator: " ")
        return fields.count > 3 ? "\(fields[1]) \(fields[3])" : String(line)
      }.sorted()
    }

    /// The host's links of these tests (`nsbtTAGl…`) with their IPv4 addresses, as `name address`, sorted: without
    /// interface indexes, which a link made anew changes.
    static func hostLinks() throws -> [String] {
      let prefix = "nsbt\(tag)l"
      let names = try FileManager.default.contentsOfDirectory(atPath: "/sys/class/net").filter { $0.hasPrefix(prefix) }
      let addresses = try NSBuildProcess.runCommand(NetworkTools.ip, ["-o", "-4", "addr"]).stdout.split(separator: "\n")
        .map { $0.split(separator: " ") }.filter { $0.count > 3 && $0[1].hasPrefix(prefix) }.map { "\($0[1]) \($0[3])" }
      return (names + addresses).sorted()
    }

    static func initPID(_ sandbox: String, _ state: [String: String]) throws -> Int {
      let status = try NSBuildProcess.run(["status", sandbox, "--format", "json"], environment: state)
      let object = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
      return try #require(object?["pid"] as? Int, "\(status.stdout)\(status.stderr)")
    }

    @Test func vethsAddedChangedRenamedAndRemovedInPlace() throws {
      let (a, b, taken) = ("nsbt\(Self.tag)la", "nsbt\(Self.tag)lb", "nsbt\(Self.tag)lt")
      let first = Self.veth("eth0", host: a, net: 212, inside: [2], hostAddress: 1)
      let second = Self.veth("eth1", host: b, net: 213, inside: [2], hostAddress: 1)
      let dir = try Net().folder { _ in
        [
          "live.toml": Self.spec([first]),
          "added.toml": Self.spec([
            Self.veth("eth0", host: a, net: 212, inside: [2, 3], hostAddress: 1, extra: "mtu = 1400\n"), second,
          ]),
          "renamed.toml": Self.spec([
            Self.veth("eth0", host: a, net: 212, inside: [2, 3], hostAddress: 1, extra: "mtu = 1400\n"),
            Self.veth("eth2", host: b, net: 213, inside: [2], hostAddress: 1),
          ]),
          // A file beneath the host's /proc/sys (the sandbox sees the host's /proc): its step, after the veth's,
          // fails with EACCES.
          "failing.toml": Self.spec([
            first, Self.veth("eth3", host: "nsbt\(Self.tag)lc", net: 214, inside: [2]),
            "[[files]]\npath = \"/proc/sys/nsbt-none\"\ntype = \"file\"\ncontent = \"x\"\n",
          ]),
          "taken.toml": Self.spec([first, Self.veth("eth4", host: taken, net: 215, inside: [2])]),
        ]
      }
      let state = ["NSBUILD_STATE_DIR": dir + "/state"]
      let sandbox = "netl\(Self.tag)"
      defer {
        _ = try? NSBuildProcess.run(["down", sandbox], environment: state)
        _ = try? NSBuildProcess.runCommand(NetworkTools.ip, ["link", "del", taken])
        try? FileManager.default.removeItem(atPath: dir)
      }
      let before = try Net.network()
      let up = try NSBuildProcess.run(["up", "--name", sandbox, dir + "/live.toml"], environment: state)
      try #require(up.status == 0, "\(up.stderr)")
      let pid = try Self.initPID(sandbox, state)
      func target(_ command: String, _ file: String) throws -> NSBuildProcess.Result {
        try NSBuildProcess.run(
          [command, "--target", sandbox, "--detailed-exitcode", dir + "/" + file], environment: state)
      }

      // A second veth and an address: added in place, not the sandbox replaced.
      let plan = try target("plan", "added.toml")
      #expect(plan.status == 2, "\(plan.stderr)")
      #expect(plan.stdout.contains("+   parent   make veth \(b) (host) ↔ eth1 (sandbox)"), "\(plan.stdout)")
      #expect(plan.stdout.contains("~   init     set up eth0 inside"), "\(plan.stdout)")
      #expect(plan.stdout.contains("~   parent   make veth \(a) (host)"), "\(plan.stdout)")
      #expect(plan.stdout.contains("+   init     set up eth1 inside"), "\(plan.stdout)")
      #expect(!plan.stdout.contains("\n-/+ "), "\(plan.stdout)")
      let apply = try target("apply", "added.toml")
      #expect(apply.status == 2, "\(apply.stdout)\(apply.stderr)")
      #expect(try Self.initPID(sandbox, state) == pid)
      #expect(try Self.links(pid) == ["eth0", "eth1", "lo"])
      let added = try Self.addresses(pid)
      #expect(
        added.contains("eth0 10.212.\(Self.tag).3/24") && added.contains("eth1 10.213.\(Self.tag).2/24"), "\(added)")
      #expect(FileManager.default.fileExists(atPath: "/sys/class/net/" + b))
      // The mtu set on both ends of the pair that stays.
      #expect(try Self.inside(pid, ["-o", "link", "show", "eth0"]).contains(" mtu 1400 "))
      #expect(try String(contentsOfFile: "/sys/class/net/\(a)/mtu", encoding: .utf8) == "1400\n")
      #expect(try target("plan", "added.toml").status == 0)

      // TCP from the host to a server in the sandbox, over the link apply made.
      let server = try Net.Background(
        "/usr/bin/env",
        [
          "NSBUILD_STATE_DIR=" + dir + "/state", NSBuildProcess.binary, "exec", sandbox, "--", Net.python,
          dir + "/tcp.py", "serve", "10.213.\(Self.tag).2", "40400", "from-sandbox",
        ]
      )
      let client = try NSBuildProcess.runCommand(
        Net.python, [dir + "/tcp.py", "call", "10.213.\(Self.tag).2", "40400", "from-host"])
      let served = server.finish()
      #expect(client.stdout == "from-sandbox\n", "\(client.stderr)")
      #expect(served.stdout == "from-host\n", "\(served.stderr)")

      // An address removed by hand is drift, and apply puts it back.
      _ = try Self.inside(pid, ["addr", "del", "10.212.\(Self.tag).3/24", "dev", "eth0"])
      let drifted = try target("plan", "added.toml")
      #expect(drifted.status == 2)
      #expect(
        drifted.stdout.contains("interface eth0: applied 10.212.\(Self.tag).3/24, now absent"), "\(drifted.stdout)")
      let status = try NSBuildProcess.run(["status", sandbox, "--format", "json"], environment: state)
      let object = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
      let drift = object?["drift"] as? [[String: Any]]
      #expect(drift?.first?["applied"] as? String == "10.212.\(Self.tag).3/24", "\(status.stdout)")
      #expect(drift?.first?["live"] as? String == "absent")
      #expect(try target("apply", "added.toml").status == 2)
      #expect(try Self.addresses(pid).contains("eth0 10.212.\(Self.tag).3/24"))

      // A renamed veth: that link only is deleted and made anew.
      let renamed = try target("plan", "renamed.toml")
      #expect(renamed.status == 2)
      #expect(renamed.stdout.contains("-/+ parent   make veth \(b) (host) ↔ eth2 (sandbox)"), "\(renamed.stdout)")
      #expect(renamed.stdout.contains("inside name eth1 → eth2"), "\(renamed.stdout)")
      #expect(renamed.stdout.contains("=   parent   make veth \(a) (host)"), "\(renamed.stdout)")
      #expect(try target("apply", "renamed.toml").status == 2)
      #expect(try Self.links(pid) == ["eth0", "eth2", "lo"])
      #expect(try Self.addresses(pid).contains("eth2 10.213.\(Self.tag).2/24"))

      // A failed apply (a file it cannot create) takes back what it did before: the veth it made, the veth it
      // deleted, the address it removed.
      let (linksBefore, addressesBefore, hostBefore) = (
        try Self.links(pid), try Self.addresses(pid), try Self.hostLinks()
      )
      let failed = try target("apply", "failing.toml")
      #expect(failed.status == 1)
      #expect(failed.stderr.contains("/proc/sys/nsbt-none: openat(2): EACCES"), "\(failed.stderr)")
      #expect(failed.stderr.contains("were taken back"), "\(failed.stderr)")
      #expect(try Self.links(pid) == linksBefore)
      #expect(try Self.addresses(pid) == addressesBefore)
      #expect(try Self.hostLinks() == hostBefore)
      #expect(try String(contentsOfFile: "/sys/class/net/\(a)/mtu", encoding: .utf8) == "1400\n")

      // A host name another host link holds: `!` as plain `plan` marks it, and apply refuses before any step.
      _ = try NSBuildProcess.runCommand(
        NetworkTools.ip, ["link", "add", taken, "type", "veth", "peer", "name", taken + "p"])
      let hostTaken = try Self.hostLinks()
      let blocked = try target("plan", "taken.toml")
      #expect(blocked.status == 1, "\(blocked.stderr)")
      #expect(blocked.stdout.contains("!   parent   make veth \(taken) (host) ↔ eth4 (sandbox)"), "\(blocked.stdout)")
      #expect(blocked.stdout.contains("blocked: host interface \(taken) is in the way of a veth"), "\(blocked.stdout)")
      let plain = try NSBuildProcess.run(["plan", dir + "/taken.toml", "--", "/bin/true"], environment: state)
      #expect(plain.stdout.contains("host interface \(taken) is in the way"), "\(plain.stdout)")
      let refused = try target("apply", "taken.toml")
      #expect(refused.status == 1)
      #expect(
        refused.stderr.contains("host interface \(taken) is in the way of a veth: apply refuses"), "\(refused.stderr)")
      #expect(!refused.stderr.contains("EEXIST"), "\(refused.stderr)")
      #expect(try Self.links(pid) == linksBefore)
      #expect(try Self.hostLinks() == hostTaken)
      #expect(try target("plan", "renamed.toml").status == 0)
      _ = try NSBuildProcess.runCommand(NetworkTools.ip, ["link", "del", taken])

      // Back to one veth: the other goes from the host and from the sandbox.
      #expect(try target("apply", "live.toml").status == 2)
      #expect(Net.waitForLink(b, present: false))
      #expect(try Self.links(pid) == ["eth0", "lo"])
      #expect(try Self.addresses(pid) == ["eth0 10.212.\(Self.tag).2/24", "lo 127.0.0.1/8"])
      #expect(try String(contentsOfFile: "/sys/class/net/\(a)/mtu", encoding: .utf8) == "1500\n")
      #expect(try target("plan", "live.toml").status == 0)
      #expect(try Self.initPID(sandbox, state) == pid)

      let down = try NSBuildProcess.run(["down", sandbox], environment: state)
      #expect(down.status == 0, "\(down.stderr)")
      #expect(!Net.linkExists(a), "down returned with the host end still there")
      #expect(try Net.network() == before)
    }
  }
}

extension HostNetworkTests.LiveNetworkEndToEndTests {
  /// `down` deletes a host end by the index it read while the sandbox held it, never by its name: a link of that
  /// name that is not the sandbox's veth end (its pair deleted by hand, then a bridge, or a veth pair with both ends
  /// on the host, made under the name) stays.
  @Test(arguments: [["type", "bridge"], ["type", "veth", "peer", "name"]])
  func downLeavesAnotherLinkOfTheHostEndsName(other: [String]) throws {
    let host = "nsbt\(Self.tag)ld"
    let dir = try Net().folder { _ in
      ["live.toml": Self.spec([Self.veth("eth0", host: host, net: 216, inside: [2], hostAddress: 1)])]
    }
    let state = ["NSBUILD_STATE_DIR": dir + "/state"]
    let sandbox = "netd\(Self.tag)"
    defer {
      _ = try? NSBuildProcess.run(["down", sandbox], environment: state)
      _ = try? NSBuildProcess.runCommand(NetworkTools.ip, ["link", "del", host])
      try? FileManager.default.removeItem(atPath: dir)
    }
    let up = try NSBuildProcess.run(["up", dir + "/live.toml", "--name", sandbox], environment: state)
    try #require(up.status == 0, "\(up.stderr)")
    #expect(Net.linkExists(host))
    // The sandbox's pair goes; someone else's link takes the name while the sandbox still runs.
    _ = try NSBuildProcess.runCommand(NetworkTools.ip, ["link", "del", host])
    try #require(Net.waitForLink(host, present: false))
    let peer = other.last == "name" ? ["nsbt\(Self.tag)lp"] : []
    let made = try NSBuildProcess.runCommand(NetworkTools.ip, ["link", "add", host] + other + peer)
    try #require(made.status == 0, "\(made.stderr)")
    let down = try NSBuildProcess.run(["down", sandbox], environment: state)
    #expect(down.status == 0, "\(down.stderr)")
    #expect(Net.linkExists(host), "down deleted a link it did not make")
  }
}

extension NetworkTools {
  /// nsenter(1), to look into a sandbox's network namespace.
  static let nsenter = "/usr/bin/nsenter"
  static var nsenterPresent: Bool { FileManager.default.isExecutableFile(atPath: nsenter) }
}
