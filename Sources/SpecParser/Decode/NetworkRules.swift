/// Rules tying `[net]` entries to each other and to `[namespaces]`, checked after decoding.
struct NetworkRules {
  let spec: Spec
  let sink: DiagnosticSink

  func check() {
    requireNetNamespace()
    checkNames()
    checkAddresses()
    if spec.net.pasta != nil {
      for (index, veth) in spec.net.veths.enumerated() where !veth.gateways.isEmpty {
        sink.error(
          "pasta-and-gateway",
          "a veth gateway and [net.pasta] both set the default route inside the sandbox",
          at: range(index, "gateway"), hint: "leave `gateway` out: pasta routes through the host")
      }
    }
  }

  private func range(_ index: Int, _ key: String? = nil) -> SourceRange {
    let entry = SpecKeyPath("net.veth").index(index)
    return key.flatMap { spec.origins[entry.appending($0)] } ?? spec.origins[entry]
      ?? SourceRange(at: SourceLocation(line: 1, column: 1, offset: 0))
  }

  /// A veth or pasta needs a network namespace this sandbox makes: the host's (or a joined one) is not its own.
  private func requireNetNamespace() {
    guard !spec.unshares(.net) else { return }
    let places =
      spec.net.veths.indices.map { ("a [[net.veth]] entry", range($0)) }
      + (spec.origins["net.pasta"].map { [("[net.pasta]", $0)] } ?? [])
    for (what, at) in places {
      if let join = spec.join(of: .net) {
        sink.error(
          "namespace-required",
          "\(what) needs a new net namespace: the joined one is \(join.target)'s, which this sandbox does not set up",
          at: at, hint: "leave this out, or unshare \"net\" instead of joining it")
      } else {
        sink.error(
          "namespace-required", "\(what) needs the net namespace", at: at,
          hint: "add \"net\" to [namespaces] unshare")
      }
    }
  }

  /// Inside names are unique in the sandbox (where `lo` already is); host names and bridges unique on the host.
  private func checkNames() {
    var inside: [String: Int] = ["lo": -1]
    var host: [String: (index: Int, what: String)] = [:]
    for (index, veth) in spec.net.veths.enumerated() {
      if let first = inside[veth.name] {
        sink.error(
          "interface-name-clash",
          first < 0
            ? "interface name 'lo' is the loopback interface's, which every network namespace has"
            : "interface name '\(veth.name)' is already used inside by [[net.veth]] entry \(first + 1)",
          at: range(index, "name"))
      } else {
        inside[veth.name] = index
      }
      if let first = host[veth.hostName] {
        sink.error(
          "interface-name-clash",
          "host name '\(veth.hostName)' is already the \(first.what) of [[net.veth]] entry \(first.index + 1)",
          at: range(
            index, spec.origins[SpecKeyPath("net.veth").index(index).appending("host_name")] == nil ? nil : "host_name"),
          hint: "give each entry its own host_name")
      } else {
        host[veth.hostName] = (index, "host name")
      }
      if let bridge = veth.bridge {
        if let first = host[bridge], first.what != "bridge" {
          sink.error(
            "interface-name-clash",
            "bridge '\(bridge)' has the name of the host end of [[net.veth]] entry \(first.index + 1)",
            at: range(index, "bridge"))
        } else if host[bridge] == nil {
          host[bridge] = (index, "bridge")
        }
      }
    }
  }

  /// An address is given to one interface only; a subnet is shared by the inside and host ends, not by two pairs
  /// (each pair's host end would route it).
  private func checkAddresses() {
    var seen: [IPAddress: (index: Int, key: String)] = [:]
    for (index, veth) in spec.net.veths.enumerated() {
      for (key, list) in [("addresses", veth.addresses), ("host_addresses", veth.hostAddresses)] {
        for address in list {
          if let first = seen[address.address], first.index != index || first.key != key {
            sink.error(
              "duplicate-address",
              "address \(address.address) is also in `\(first.key)` of [[net.veth]] entry \(first.index + 1)",
              at: range(index, key))
          } else {
            seen[address.address] = (index, key)
          }
        }
      }
    }
  }
}
