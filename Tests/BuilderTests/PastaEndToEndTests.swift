import Foundation
import Testing

/// `[net.pasta]` for real: a forwarded host port reaches a server inside, and the sandbox reaches a server on the
/// host's loopback through the gateway's address (pasta maps it to the host); no pasta is left running after. The
/// host side listens on 127.0.0.1 only; pasta binds the forwarded host port.
extension HostNetworkTests {
  @Suite(
    .enabled(if: NSBuildProcess.isRoot, "needs root to run the tests as root and as an unprivileged user"),
    .enabled(if: PastaTools.present, "needs pasta (package passt), /usr/sbin/ip and /usr/bin/python3"),
    .enabled(if: PastaTools.gateway != nil, "needs a host default route: pasta copies the host's addresses and routes"))
  struct PastaEndToEndTests {
    typealias E2E = HostNetworkTests.NetworkEndToEndTests
    static let port = 41000 + Int(getpid()) % 500 * 4

    static func spec(ports: [String], command: [String]) -> String {
      """
      version = 1
      [namespaces]
      unshare = ["user", "net"]
      [net.pasta]
      ports = [\(ports.map { "\"\($0)\"" }.joined(separator: ", "))]
      [process]
      args = [\(command.map { "\"\($0)\"" }.joined(separator: ", "))]

      """
    }

    /// The pids of the pasta processes running now.
    static func pastas() -> Set<String> {
      Set(processes(mentioning: "/usr/bin/pasta").map { String($0.prefix { $0 != ":" }) })
    }

    func exchange(asUser uid: UInt32?) throws {
      let (host, inside, back) = (Self.port + (uid == nil ? 0 : 2), Self.port + 1, Self.port + (uid == nil ? 1 : 3))
      let folder = try NSBuildProcess.publicCopy(specs: ["tcp.py": E2E.script])
      defer { try? FileManager.default.removeItem(atPath: folder) }
      let serve = Self.spec(
        ports: ["\(host):\(inside)/tcp"],
        command: [E2E.python, folder + "/tcp.py", "serve", "0.0.0.0", "\(inside)", "from-sandbox"])
      let call = Self.spec(
        ports: [],
        command: [E2E.python, folder + "/tcp.py", "call", PastaTools.gateway ?? "", "\(back)", "from-sandbox"])
      try serve.write(toFile: folder + "/serve.toml", atomically: true, encoding: .utf8)
      try call.write(toFile: folder + "/call.toml", atomically: true, encoding: .utf8)
      try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: folder + "/serve.toml")
      try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: folder + "/call.toml")
      let before = Self.pastas()
      let network = try E2E.network()
      // Host port → sandbox.
      let launch = uid.map { Self.asUser($0, folder) } ?? [NSBuildProcess.binary]
      let sandbox = try E2E.Background(launch[0], Array(launch.dropFirst()) + ["run", folder + "/serve.toml"])
      let client = try NSBuildProcess.runCommand(
        E2E.python, [folder + "/tcp.py", "call", "127.0.0.1", "\(host)", "from-host"])
      let served = sandbox.finish()
      #expect(client.stdout == "from-sandbox\n", "\(client.stderr)")
      #expect(served.status == 0 && served.stdout == "from-host\n", "\(served.stderr)")
      // Sandbox → the host's loopback, through the gateway's address.
      let server = try E2E.Background(E2E.python, [folder + "/tcp.py", "serve", "127.0.0.1", "\(back)", "from-host"])
      let caller = try E2E.Background(launch[0], Array(launch.dropFirst()) + ["run", folder + "/call.toml"]).finish()
      let answered = server.finish()
      #expect(caller.status == 0 && caller.stdout == "from-host\n", "\(caller.stderr)")
      #expect(answered.stdout == "from-sandbox\n", "\(answered.stderr)")
      // pasta is nsbuild's child, ended and reaped before nsbuild exits.
      #expect(Self.pastas() == before)
      #expect(try E2E.network() == network)
    }

    @Test func asRoot() throws {
      try exchange(asUser: nil)
    }

    @Test func rootless() throws {
      try exchange(asUser: 65534)
    }

    /// nsbuild as `uid` (setpriv(1)). pasta opens /dev/net/tun as the caller, which needs it readable and writable by
    /// all, as distributions ship it; where it is root's only (0600, as on some VMs), the run gets, in a mount
    /// namespace of its own, a node of the same device made 0666 bound over it: the host's stays as it is.
    static func asUser(_ uid: UInt32, _ folder: String) -> [String] {
      let user = ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", folder + "/nsbuild"]
      guard !PastaTools.tunOpenToAll else { return user }
      let tun = folder + "/tun"
      let setup =
        "mkdir -p \(tun) && mount -t tmpfs -o mode=0755 tmpfs \(tun) && mknod -m 0666 \(tun)/tun c 10 200 && mount --bind \(tun)/tun /dev/net/tun && exec \"$@\""
      return ["/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", setup, "sh"] + user
    }

    @Test func aKilledNSBuildLeavesNoPasta() throws {
      let folder = try NSBuildProcess.publicCopy(specs: [
        "s.toml": Self.spec(ports: [], command: ["/bin/sleep", "600"])
      ])
      defer { try? FileManager.default.removeItem(atPath: folder) }
      let before = Self.pastas()
      let sandbox = try E2E.Background(NSBuildProcess.binary, ["run", folder + "/s.toml"])
      var started = false
      for _ in 0..<600 where !started {
        started = Self.pastas().subtracting(before).contains { pid in
          (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8))?.contains(
            "PPid:\t\(sandbox.process.processIdentifier)\n") == true
        }
        if !started { usleep(100_000) }
      }
      #expect(started)
      kill(sandbox.process.processIdentifier, SIGKILL)
      _ = sandbox.finish()
      var gone = false
      for _ in 0..<600 where !gone {
        gone = Self.pastas() == before
        if !gone { usleep(100_000) }
      }
      #expect(gone, "left running: \(Self.pastas().subtracting(before))")
    }
  }

}

enum PastaTools {
  static var present: Bool { NetworkTools.present && FileManager.default.isExecutableFile(atPath: "/usr/bin/pasta") }
  /// The host's IPv4 default gateway (`ip route show default`), which pasta maps to the host inside.
  static let gateway: String? = {
    guard NetworkTools.present,
      let routes = try? NSBuildProcess.runCommand(NetworkTools.ip, ["-4", "route", "show", "default"]).stdout
    else { return nil }
    let words = routes.split(separator: " ")
    return words.firstIndex(of: "via").flatMap { words.indices.contains($0 + 1) ? String(words[$0 + 1]) : nil }
  }()
  static var tunOpenToAll: Bool {
    guard let mode = (try? FileManager.default.attributesOfItem(atPath: "/dev/net/tun"))?[.posixPermissions] as? Int
    else { return false }
    return mode & 0o006 == 0o006
  }
}
