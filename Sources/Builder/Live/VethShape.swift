import Netlink

/// One `[[net.veth]]` entry as a plan made it, read back from its two steps: the parent's (the pair made from the
/// host, the host end's addresses, up) and init's (the inside end's addresses, up, routes). What `plan --target`
/// compares between the applied plan, the spec's and the sandbox's links (``LinkState``).
struct VethShape: Sendable, Hashable {
  /// The parent's step (kind `veth`, its subject the host end's name).
  var host: Step
  /// Init's step (kind `veth`, its subject the inside end's name).
  var inside: Step?
  /// The inside end's name (VETH_INFO_PEER's IFLA_IFNAME).
  var name: String
  var hostName: String
  var mtu: UInt32?
  /// The bridge the host end is attached to (IFLA_MASTER).
  var master: String?
  /// RTM_NEWADDR requests of the host end, of the inside end, and RTM_NEWROUTE requests inside.
  var hostAddresses: [RouteRequest]
  var addresses: [RouteRequest]
  var routes: [RouteRequest]

  /// The veths of `plan`, in plan order: each parent veth step with init's step for its peer.
  static func all(in plan: Plan) -> [VethShape] {
    plan.steps.compactMap { step in
      guard step.kind == .veth, step.actor == .parent else { return nil }
      return VethShape(host: step, plan: plan)
    }
  }

  /// nil when `host` makes no veth pair (no RTM_NEWLINK with a peer).
  init?(host: Step, plan: Plan) {
    let requests = Self.requests(host)
    guard let make = requests.first(where: { $0.type == NetlinkNumbers.RTM_NEWLINK }),
      let hostName = Self.string(make.attributes, NetlinkNumbers.IFLA_IFNAME),
      let name = Self.peerName(make.attributes)
    else { return nil }
    self.host = host
    self.name = name
    self.hostName = hostName
    mtu =
      make.attributes.compactMap { attribute -> UInt32? in
        guard attribute.type == NetlinkNumbers.IFLA_MTU, case .u32(let value) = attribute.value else { return nil }
        return value
      }.first
    master =
      make.attributes.compactMap { attribute -> String? in
        guard attribute.type == NetlinkNumbers.IFLA_MASTER, case .interfaceIndex(let bridge) = attribute.value else {
          return nil
        }
        return bridge
      }.first
    hostAddresses = requests.filter { $0.type == NetlinkNumbers.RTM_NEWADDR }
    inside = plan.steps.first { step in
      step.kind == .veth && step.actor == .initProcess && step.subject == .networkInterface(name: name)
    }
    let insideRequests = inside.map(Self.requests) ?? []
    addresses = insideRequests.filter { $0.type == NetlinkNumbers.RTM_NEWADDR }
    routes = insideRequests.filter { $0.type == NetlinkNumbers.RTM_NEWROUTE }
  }

  /// Whether `other` is the same pair: the same inside name, host name and bridge. Anything else of it (the mtu,
  /// addresses, routes) changes in place.
  func isSameLink(as other: VethShape) -> Bool {
    name == other.name && hostName == other.hostName && master == other.master
  }

  /// What differs between the pair `old` and this one, which makes it anew, in a person's words.
  func remade(from old: VethShape) -> String {
    var parts: [String] = []
    if old.name != name { parts.append("inside name \(old.name) → \(name)") }
    if old.hostName != hostName { parts.append("host_name \(old.hostName) → \(hostName)") }
    if old.master != master { parts.append("bridge \(old.master ?? "none") → \(master ?? "none")") }
    return parts.joined(separator: ", ")
  }

  static func requests(_ step: Step) -> [RouteRequest] {
    step.calls.compactMap { call in
      guard case .rtnetlink(let request) = call else { return nil }
      return request
    }
  }

  private static func string(_ attributes: [RouteAttribute], _ type: UInt16) -> String? {
    for attribute in attributes where attribute.type == type {
      if case .string(let text) = attribute.value { return text }
    }
    return nil
  }

  /// IFLA_LINKINFO → IFLA_INFO_DATA → VETH_INFO_PEER → IFLA_IFNAME.
  private static func peerName(_ attributes: [RouteAttribute]) -> String? {
    for attribute in attributes {
      switch attribute.value {
      case .nested(let inner):
        if let name = peerName(inner) { return name }
      case .headed(_, let inner) where attribute.type == NetlinkNumbers.VETH_INFO_PEER:
        return string(inner, NetlinkNumbers.IFLA_IFNAME)
      case .headed, .string, .u32, .address, .interfaceIndex, .fdSlot: continue
      }
    }
    return nil
  }
}

extension RouteRequest {
  /// The address an RTM_NEWADDR or RTM_DELADDR request names, as a dump shows it (IFA_LOCAL and ifa_prefixlen).
  var linkAddress: LinkState.Address? {
    guard case .address(let header) = header else { return nil }
    for attribute in attributes where attribute.type == NetlinkNumbers.IFA_LOCAL {
      if case .address(let bytes, _) = attribute.value {
        return LinkState.Address(bytes: bytes, prefixLength: header.prefixLength)
      }
    }
    return nil
  }

  /// The route an RTM_NEWROUTE or RTM_DELROUTE request names, as a dump shows it.
  var linkRoute: LinkState.Route? {
    guard case .route(let header) = header else { return nil }
    var (destination, gateway): ([UInt8], [UInt8]?) = ([], nil)
    for attribute in attributes {
      if case .address(let bytes, _) = attribute.value, attribute.type == NetlinkNumbers.RTA_DST { destination = bytes }
      if case .address(let bytes, _) = attribute.value, attribute.type == NetlinkNumbers.RTA_GATEWAY {
        gateway = bytes
      }
    }
    guard let gateway else { return nil }
    return LinkState.Route(
      destination: destination, destinationLength: header.destinationLength, gateway: gateway)
  }

  /// The request that takes this one back: RTM_NEWADDR ↔ RTM_DELADDR, RTM_NEWROUTE ↔ RTM_DELROUTE (a new one with
  /// NLM_F_CREATE|NLM_F_EXCL), the same header and attributes; nil for another type.
  var inverse: RouteRequest? {
    typealias N = NetlinkNumbers
    var back = self
    switch type {
    case N.RTM_NEWADDR: (back.type, back.flags) = (N.RTM_DELADDR, 0)
    case N.RTM_DELADDR: (back.type, back.flags) = (N.RTM_NEWADDR, N.NLM_F_CREATE | N.NLM_F_EXCL)
    case N.RTM_NEWROUTE: (back.type, back.flags) = (N.RTM_DELROUTE, 0)
    case N.RTM_DELROUTE: (back.type, back.flags) = (N.RTM_NEWROUTE, N.NLM_F_CREATE | N.NLM_F_EXCL)
    default: return nil
    }
    return back
  }

  /// `10.0.0.2/24`, `default via 10.0.0.1`: the address or route a request names, for plan notes and drift.
  var shown: String {
    var address: String?
    var gateway: String?
    var destination: String?
    for attribute in attributes {
      guard case .address(_, let text) = attribute.value else { continue }
      if attribute.type == NetlinkNumbers.IFA_LOCAL, case .address = header { address = text }
      if attribute.type == NetlinkNumbers.RTA_GATEWAY, case .route = header { gateway = text }
      if attribute.type == NetlinkNumbers.RTA_DST, case .route = header { destination = text }
    }
    switch header {
    case .address(let header): return "\(address ?? "?")/\(header.prefixLength)"
    case .route(let header):
      let to = destination.map { "\($0)/\(header.destinationLength)" } ?? "default"
      return "\(to) via \(gateway ?? "?")"
    case .link: return typeName
    }
  }
}
