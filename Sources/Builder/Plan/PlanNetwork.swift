import Netlink
import SpecParser

/// `[[net.veth]]`: the host side made by nsbuild once the sandbox process has unshared its network namespace (as it
/// writes the ID maps, "from the parent side"), the inside by init. A veth is made from the host's namespace, its
/// peer put in the sandbox's by fd (IFLA_NET_NS_FD): nothing inside can make or move an interface to the host.
extension Planner {
  /// The fd slot the sandbox's network namespace is opened in; each veth's request closes it again.
  static let networkNamespaceSlot = 0

  /// nsbuild's steps: each missing bridge, then each veth with its host end's addresses, up.
  ///
  /// - Throws: ``PlanError/needsRoot(_:)`` without root: CAP_NET_ADMIN in the host's network namespace is root's.
  func hostNetworkSteps() throws(PlanError) -> [Step] {
    guard spec.unshares(.net), !spec.net.veths.isEmpty else { return [] }
    guard state.isPrivileged else {
      throw PlanError.needsRoot(
        "[[net.veth]] needs root: a veth's host end is made in the host's network namespace, which takes CAP_NET_ADMIN there (rtnetlink(7)); without root use [net.pasta]"
      )
    }
    var steps: [Step] = []
    var bridges: Set<String> = []
    for (index, veth) in spec.net.veths.enumerated() {
      let path = SpecKeyPath("net.veth").index(index)
      if let bridge = veth.bridge, bridges.insert(bridge).inserted {
        steps.append(bridgeStep(bridge, origin: origin(path.appending("bridge"))))
      }
      steps.append(hostEndStep(veth, origin: origin(path)))
    }
    return steps
  }

  /// `bridge NAME` for each bridge run makes: it stays on the host after the sandbox, for others to join.
  func bridgesLeft() -> [String] {
    guard spec.unshares(.net), state.isPrivileged else { return [] }
    var seen: Set<String> = []
    return spec.net.veths.compactMap(\.bridge).filter { state.hostInterfaces[$0] == nil && seen.insert($0).inserted }
      .map { "bridge " + $0 }
  }

  private func bridgeStep(_ name: String, origin: SourceRange?) -> Step {
    let change: Change
    switch state.hostInterfaces[name].map(\.isBridge) {
    case true?: change = .unchanged(value: "bridge \(name) exists")
    case false?: change = .conflict(before: "host interface \(name), not a bridge,", after: "bridge")
    case nil: change = .create
    }
    return Step(
      kind: .bridge, actor: .parent, subject: .networkInterface(name: name),
      calls: [.rtnetlink(request: .newBridge(name: name))], change: change,
      reason: "made up, and left on the host for other sandboxes to join", origin: origin)
  }

  private func hostEndStep(_ veth: Veth, origin: SourceRange?) -> Step {
    let slot = Self.networkNamespaceSlot
    let calls: [Syscall] =
      [
        .openSandboxNamespace(namespace: .net, slot: slot),
        .rtnetlink(
          request: .newVeth(
            name: veth.hostName, peer: veth.name, peerNamespace: slot, mtu: veth.mtu.map(UInt32.init),
            master: veth.bridge)),
      ] + veth.hostAddresses.map { .rtnetlink(request: Self.addressRequest($0, on: veth.hostName)) }
      + [.rtnetlink(request: .setUp(name: veth.hostName))]
    let change: Change =
      state.hostInterfaces[veth.hostName] == nil
      ? .create : .conflict(before: "host interface \(veth.hostName)", after: "veth")
    return Step(
      kind: .veth, actor: .parent, subject: .networkInterface(name: veth.hostName), calls: calls, change: change,
      reason: "from the host's network namespace, the peer made in the sandbox's; the host end goes with it",
      origin: origin, label: "make veth \(veth.hostName) (host) ↔ \(veth.name) (sandbox)")
  }

  /// Init's steps: each veth's inside addresses, link up, then its default routes (a gateway must be reachable:
  /// the link up and its subnet's address there).
  func insideNetworkSteps() -> [Step] {
    guard spec.unshares(.net) else { return [] }
    return spec.net.veths.enumerated().map { index, veth in
      let calls: [Syscall] =
        veth.addresses.map { .rtnetlink(request: Self.addressRequest($0, on: veth.name)) }
        + [.rtnetlink(request: .setUp(name: veth.name))]
        + veth.gateways.map {
          .rtnetlink(request: .newRoute(interface: veth.name, gateway: $0.bytes, text: $0.description))
        }
      return Step(
        kind: .veth, actor: .initProcess, subject: .networkInterface(name: veth.name), calls: calls,
        change: .create, origin: origin(SpecKeyPath("net.veth").index(index)),
        label: "set up \(veth.name) inside")
    }
  }

  static func addressRequest(_ address: InterfaceAddress, on interface: String) -> RouteRequest {
    .newAddress(
      interface: interface, address: address.address.bytes, text: address.address.description,
      prefixLength: UInt8(address.prefixLength))
  }
}

extension Step {
  /// The title of a veth or bridge step without a label.
  var networkTitle: String {
    if case .networkInterface(let name) = subject { return "\(kind.rawValue) \(name)" }
    return kind.rawValue
  }
}
