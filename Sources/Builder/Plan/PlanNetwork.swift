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
  /// - Throws: ``PlanError/networkUnavailable(_:)`` without root: CAP_NET_ADMIN in the host's network namespace is root's.
  func hostNetworkSteps() throws(PlanError) -> [Step] {
    guard spec.unshares(.net), !spec.net.veths.isEmpty else { return [] }
    guard state.isPrivileged else {
      throw PlanError.networkUnavailable(
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

  /// `run`: RTM_DELLINK of each veth's host end once the sandbox process ended, newest first, so the host end is
  /// gone when `run` returns rather than when the kernel's workqueue gets to the sandbox's network namespace
  /// (network_namespaces(7)). ENODEV, the pair already gone with the namespace, counts as done.
  func hostEndDeleteSteps() -> [Step] {
    guard spec.unshares(.net), state.isPrivileged else { return [] }
    return spec.net.veths.enumerated().reversed().map { index, veth in
      Self.hostEndDeleteStep(veth.hostName, origin: origin(SpecKeyPath("net.veth").index(index)))
    }
  }

  /// RTM_DELLINK of the host end `name`, once the sandbox process ended (`run`, `down`), by the index it had when
  /// nsbuild made it (`down`: read while the sandbox still held it), never by its name.
  static func hostEndDeleteStep(_ name: String, origin: SourceRange?) -> Step {
    Step(
      kind: .deleteLink, actor: .parent, subject: .networkInterface(name: name),
      calls: [.rtnetlink(request: .deleteMadeLink(name: name))],
      change: .modify(before: "veth \(name)", after: "absent"),
      reason:
        "once the sandbox process ended: the kernel deletes the pair with the sandbox's network namespace, but later, in a workqueue; by the index the veth had when made, since a link someone makes under its name afterwards is not ours; ENODEV (gone already) is fine",
      origin: origin, label: "delete veth \(name) (host)")
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

/// `[net.pasta]`: pasta(1) started by nsbuild on the sandbox's network namespace once the sandbox process has
/// unshared it, for callers without root (or with it) who want the host's network without a veth.
extension Planner {
  /// Under `up` (`live`), pasta outlives nsbuild once the sandbox does, through a keeper that ends it with the
  /// sandbox process (``Syscall/startLivePasta(program:arguments:output:)``); under `run` it dies with nsbuild.
  ///
  /// - Throws: ``PlanError/networkUnavailable(_:)`` when pasta is not installed.
  func pastaSteps(live: LiveLaunch?) throws(PlanError) -> [Step] {
    guard spec.unshares(.net), let pasta = spec.net.pasta else { return [] }
    guard let program = state.pasta else {
      throw PlanError.networkUnavailable(
        "[net.pasta] needs pasta(1), which is not installed (Debian and Ubuntu: apt-get install passt)")
    }
    let arguments = Self.pastaArguments(pasta, euid: state.euid)
    let joins =
      "pasta joins the sandbox's user and network namespaces and configures its tap interface as the host's (addresses, routes, the gateway mapped to the host)"
    guard let live else {
      return [
        Step(
          kind: .pasta, actor: .parent, subject: .networkInterface(name: "pasta"),
          calls: [.startPasta(program: program, arguments: arguments)], change: .create,
          reason: joins + "; it dies with nsbuild and is ended with the sandbox", origin: origin("net.pasta"))
      ]
    }
    return [
      Step(
        kind: .pasta, actor: .parent, subject: .networkInterface(name: "pasta"),
        calls: [.startLivePasta(program: program, arguments: arguments, output: live.output)], change: .create,
        reason: joins
          + "; its keeper ends it when the sandbox process ends, which dies with nsbuild until the sandbox is recorded: pasta outlives nsbuild only once its pid and start time are in the record, and `nsbuild down` ends it",
        origin: origin("net.pasta"))
    ]
  }

  /// `--foreground --quiet --config-net --runas UID`, then the forwards: `-t`/`-u` for host → sandbox ports (none
  /// when the spec lists none: pasta's default, `auto`, would forward whatever the sandbox binds), `-T none -U none`
  /// (no sandbox → host port forwards; the sandbox reaches the host through the gateway's address).
  static func pastaArguments(_ pasta: Pasta, euid: UInt32) -> [String] {
    func forwards(_ transport: PortForward.TransportProtocol) -> String {
      let ports = pasta.ports.filter { $0.transport == transport }.map { "\($0.hostPort):\($0.sandboxPort)" }
      return ports.isEmpty ? "none" : ports.joined(separator: ",")
    }
    // --runas: as root pasta otherwise drops to nobody, who may not open the sandbox's /proc/PID/ns files.
    return [
      "--foreground", "--quiet", "--config-net", "--runas", String(euid), "-t", forwards(.tcp), "-u", forwards(.udp),
      "-T", "none", "-U", "none",
    ]
  }
}
