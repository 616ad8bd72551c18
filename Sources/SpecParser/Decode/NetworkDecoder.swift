/// `[net]`: loopback, `[[net.veth]]` pairs and `[net.pasta]`.
extension SpecSections {
  static let vethKeys = ["name", "host_name", "addresses", "host_addresses", "bridge", "gateway", "mtu"]

  func decodeNetwork(_ table: TableReader) -> Network {
    table.rejectUnknownKeys(["loopback", "veth", "pasta"])
    var network = Network(loopback: table.bool("loopback") ?? true)
    network.veths = table.decodedEntries("veth", decodeVeth) ?? []
    network.pasta = table.table("pasta").map(decodePasta)
    return network
  }

  /// One `[[net.veth]]` entry; nil (after saying why) when its name is missing or invalid.
  private func decodeVeth(_ table: TableReader) -> Veth? {
    table.rejectUnknownKeys(Self.vethKeys)
    let name = interfaceName("name", in: table)
    if name == nil, table.table["name"] == nil {
      sink.error(
        "missing-key", "this [[net.veth]] entry has no `name`", at: table.range,
        hint: "name the interface inside the sandbox, such as name = \"eth0\"")
    }
    let written = table.strings("addresses") ?? []
    let addresses = cidrs(written, key: "addresses")
    let hostAddresses = cidrs(table.strings("host_addresses") ?? [], key: "host_addresses")
    let bridge = interfaceName("bridge", in: table)
    if bridge != nil, let first = table.table["host_addresses"] {
      sink.error(
        "conflicting-keys", "`host_addresses` and `bridge` cannot both be given: a bridged host end has no address",
        at: first.node.range, hint: "give the addresses to the bridge on the host, or leave `bridge` out")
    }
    var veth = Veth(
      name: name ?? "", hostName: "", addresses: addresses, hostAddresses: hostAddresses, bridge: bridge,
      gateways: gateways(in: table, addresses: addresses))
    if let (mtu, range) = table.integer("mtu") {
      // 68 is IPv4's least (RFC 791), 1280 IPv6's (RFC 8200); 65535 the most a veth takes.
      let least = addresses.contains { $0.address.family == .ipv6 } ? 1280 : 68
      if mtu < least || mtu > 65535 {
        sink.error(
          "invalid-mtu", "mtu \(mtu) is out of range: this interface takes \(least) to 65535", at: range,
          hint: least == 1280 ? "an interface with IPv6 addresses needs an MTU of at least 1280" : nil)
      } else {
        veth.mtu = Int(mtu)
      }
    }
    if let hostName = interfaceName("host_name", in: table) {
      veth.hostName = hostName
    } else if table.table["host_name"] == nil {
      veth.hostName = Veth.defaultHostName(name: veth.name, addresses: written.map(\.0))
    }
    guard let name, !veth.hostName.isEmpty else { return nil }
    if name == veth.hostName, let range = table.entry("host_name")?.node.range {
      sink.warning(
        "same-interface-names", "the host end is named '\(name)' as the inside end is",
        at: range, hint: "the two live in different namespaces, so this works, but `ip link` output is ambiguous")
    }
    return veth
  }

  /// An interface name at `key`: nil (after saying why) when absent or invalid.
  private func interfaceName(_ key: String, in table: TableReader) -> String? {
    guard let (name, range) = table.string(key) else { return nil }
    if let problem = InterfaceNames.problem(name) {
      sink.error(
        "invalid-interface-name", "interface name '\(name)' \(problem)", at: range,
        hint: "at most \(InterfaceNames.maximumBytes) bytes, without '/', ':' or spaces (netdevice(7))")
      return nil
    }
    return name
  }

  private func cidrs(_ written: [(String, SourceRange)], key: String) -> [InterfaceAddress] {
    var result: [InterfaceAddress] = []
    for (text, range) in written {
      switch InterfaceAddress.parse(text) {
      case .success(let address):
        if let earlier = result.first(where: { $0.address == address.address }) {
          sink.error("duplicate-value", "address \(address.address) is listed twice (as \(earlier))", at: range)
        } else {
          result.append(address)
        }
      case .failure(let problem):
        sink.error("invalid-address", "`\(key)` entry '\(text)' \(problem)", at: range)
      }
    }
    return result
  }

  /// `gateway`: one address or an array of them, at most one per family, each inside a subnet of `addresses`.
  private func gateways(in table: TableReader, addresses: [InterfaceAddress]) -> [IPAddress] {
    let written: [(String, SourceRange)]
    if case .string? = table.table["gateway"]?.node.value {
      written = table.string("gateway").map { [$0] } ?? []
    } else {
      written = table.strings("gateway") ?? []
    }
    var result: [IPAddress] = []
    for (text, range) in written {
      guard let gateway = IPAddress(text) else {
        sink.error(
          "invalid-address", "gateway '\(text)' is not an IPv4 or IPv6 address", at: range,
          hint: "write the router's address alone, without a prefix length")
        continue
      }
      if result.contains(where: { $0.family == gateway.family }) {
        sink.error(
          "duplicate-value",
          "a second \(gateway.family == .ipv4 ? "IPv4" : "IPv6") gateway: only one default route per family",
          at: range)
        continue
      }
      let sameFamily = addresses.filter { $0.address.family == gateway.family }
      if !sameFamily.contains(where: { $0.contains(gateway) }) {
        let subnets = sameFamily.map { "\($0.network)/\($0.prefixLength)" }
        sink.error(
          "gateway-outside-subnets",
          "gateway \(gateway) lies outside every subnet of this interface's addresses"
            + (subnets.isEmpty ? " (it has none of that family)" : " (\(subnets.joined(separator: ", ")))"),
          at: range, hint: "a default route needs a gateway the interface reaches directly (on-link)")
        continue
      }
      if sameFamily.contains(where: { $0.address == gateway }) {
        sink.error("gateway-is-own-address", "gateway \(gateway) is this interface's own address", at: range)
        continue
      }
      result.append(gateway)
    }
    return result
  }

  func decodePasta(_ table: TableReader) -> Pasta {
    table.rejectUnknownKeys(["ports"])
    var pasta = Pasta()
    var seen: [String: SourceRange] = [:]
    for (text, range) in table.strings("ports") ?? [] {
      guard let port = PortForwards.parse(text) else {
        sink.error(
          "invalid-port", "port forward '\(text)' is not HOST:SANDBOX/PROTOCOL", at: range,
          hint: "such as \"8080:80/tcp\" or \"53:53/udp\"; ports are 1 to 65535, protocols tcp or udp")
        continue
      }
      let key = "\(port.hostPort)/\(port.transport.rawValue)"
      if let first = seen[key] {
        sink.error(
          "duplicate-port", "host port \(key) is forwarded twice (first at line \(first.start.line))", at: range)
        continue
      }
      seen[key] = range
      pasta.ports.append(port)
    }
    return pasta
  }
}

/// Rules for network interface names (netdevice(7); the kernel's dev_valid_name()).
enum InterfaceNames {
  /// IFNAMSIZ (16) less the terminating NUL.
  static let maximumBytes = 15

  static func problem(_ name: String) -> String? {
    if name.isEmpty { return "is empty" }
    if name.utf8.count > maximumBytes {
      return "is \(name.utf8.count) bytes long; the kernel takes at most \(maximumBytes)"
    }
    if name == "." || name == ".." { return "is '.' or '..'" }
    if let bad = name.unicodeScalars.first(where: { $0 == "/" || $0 == ":" || $0.value <= 0x20 || $0.value == 0x7F }) {
      return "contains \(bad.value <= 0x20 || bad.value == 0x7F ? "a space or control character" : "'\(bad)'")"
    }
    return nil
  }
}

/// `HOST:SANDBOX/PROTOCOL` port forwards.
enum PortForwards {
  static func parse(_ text: String) -> PortForward? {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count <= 2 else { return nil }
    let transport =
      parts.count == 2 ? PortForward.TransportProtocol(rawValue: String(parts[1])) : PortForward.TransportProtocol.tcp
    let ports = parts[0].split(separator: ":", omittingEmptySubsequences: false)
    guard let transport, (1...2).contains(ports.count), let host = port(ports[0]),
      let sandbox = ports.count == 2 ? port(ports[1]) : host
    else { return nil }
    return PortForward(hostPort: host, sandboxPort: sandbox, transport: transport)
  }

  private static func port(_ text: Substring) -> UInt16? {
    guard !text.isEmpty, text.count <= 5, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
      let value = UInt16(text), value > 0
    else { return nil }
    return value
  }
}
