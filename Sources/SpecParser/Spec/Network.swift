/// `[net]`: settings of a new network namespace (network_namespaces(7)).
public struct Network: Sendable, Hashable {
  /// Bring the loopback interface up, as bwrap and nsjail do (unshare(1) leaves it down). Default true.
  public var loopback: Bool
  /// `[[net.veth]]`: virtual Ethernet pairs (veth(4)) joining the sandbox to the host, in the order written.
  public var veths: [Veth]
  /// `[net.pasta]`: user-mode networking through pasta(1), for callers without root; nil when absent.
  public var pasta: Pasta?

  public init(loopback: Bool = true, veths: [Veth] = [], pasta: Pasta? = nil) {
    self.loopback = loopback
    self.veths = veths
    self.pasta = pasta
  }
}

/// One `[[net.veth]]` entry: a veth(4) pair whose one end (``name``) is made directly in the sandbox's network
/// namespace and whose other end (``hostName``) stays in the host's.
public struct Veth: Sendable, Hashable {
  /// The interface name inside the sandbox (at most 15 bytes: IFNAMSIZ less its NUL, netdevice(7)).
  public var name: String
  /// The host end's name; when the spec leaves it out, `nsb` and 8 hex digits of a hash of the entry's addresses
  /// and name (see ``defaultHostName(name:addresses:)``), so two sandboxes that can share a host (different
  /// addresses) get different names.
  public var hostName: String
  /// Addresses given to the inside end, each with its prefix length.
  public var addresses: [InterfaceAddress]
  /// Addresses given to the host end (none when it is attached to a ``bridge``).
  public var hostAddresses: [InterfaceAddress]
  /// A bridge the host end is attached to (IFLA_MASTER), made when missing and then left on the host.
  public var bridge: String?
  /// Default routes inside (at most one per address family), each through a gateway inside one of ``addresses``'
  /// subnets.
  public var gateways: [IPAddress]
  /// The MTU of both ends (IFLA_MTU), in bytes; nil keeps the kernel's (1500).
  public var mtu: Int?

  public init(
    name: String, hostName: String, addresses: [InterfaceAddress] = [], hostAddresses: [InterfaceAddress] = [],
    bridge: String? = nil, gateways: [IPAddress] = [], mtu: Int? = nil
  ) {
    self.name = name
    self.hostName = hostName
    self.addresses = addresses
    self.hostAddresses = hostAddresses
    self.bridge = bridge
    self.gateways = gateways
    self.mtu = mtu
  }

  /// `nsb` and the first 8 hex digits of the FNV-1a hash of `name` and `addresses` as written: the same for the
  /// same entry, so a plan is stable, and different for entries with other addresses.
  public static func defaultHostName(name: String, addresses: [String]) -> String {
    var hash: UInt32 = 2_166_136_261
    for byte in ([name] + addresses).joined(separator: ",").utf8 {
      hash = (hash ^ UInt32(byte)) &* 16_777_619
    }
    let hex = String(hash, radix: 16)
    return "nsb" + String(repeating: "0", count: 8 - hex.count) + hex
  }
}

/// `[net.pasta]`: pasta(1) (package passt) attached to the sandbox's network namespace, with port forwards.
public struct Pasta: Sendable, Hashable {
  /// Host ports forwarded into the sandbox, in the order written.
  public var ports: [PortForward]

  public init(ports: [PortForward] = []) { self.ports = ports }
}

/// One forwarded port: `HOST:SANDBOX/PROTOCOL` (`8080:80/tcp`; `80` alone is `80:80/tcp`).
public struct PortForward: Sendable, Hashable, CustomStringConvertible {
  public enum TransportProtocol: String, Sendable, Hashable, CaseIterable {
    case tcp, udp
  }
  public var hostPort: UInt16
  public var sandboxPort: UInt16
  public var transport: TransportProtocol

  public init(hostPort: UInt16, sandboxPort: UInt16, transport: TransportProtocol = .tcp) {
    self.hostPort = hostPort
    self.sandboxPort = sandboxPort
    self.transport = transport
  }

  public var description: String { "\(hostPort):\(sandboxPort)/\(transport.rawValue)" }
}
