import Netlink
import SpecParser

/// The steps that change a live sandbox's veths in place, the same rtnetlink(7) requests `run` and `up` make, now
/// from outside: the pair is made by nsbuild in the host's network namespace with its peer put straight into the
/// sandbox's, whose namespace file is opened from its init (``Syscall/openNamespace(namespace:file:slot:)``, its
/// start time checked once open); the inside end is changed by a joiner that enters the sandbox's network namespace
/// (its user namespace first), so its NETLINK_ROUTE socket is the sandbox's, as init's was at `up`.
extension InPlaceSteps {
  /// The pair made as `run` makes it (``Planner/hostNetworkSteps()``): the sandbox process's namespace file replaced
  /// by its init's, opened and checked by nsbuild, then RTM_NEWLINK with IFLA_NET_NS_FD, the host end's addresses,
  /// IFF_UP.
  func makeLink(_ veth: VethShape) -> Step {
    let file = NamespaceFile.process(pid: target.pid, startTime: target.startTime)
    let operations = veth.host.operations.map { operation -> Step.Operation in
      guard case .openSandboxNamespace(let namespace, let slot) = operation.call else { return operation }
      return Step.Operation(.openNamespace(namespace: namespace, file: file, slot: slot), origin: operation.origin)
    }
    return Step(
      kind: .veth, actor: .parent, subject: veth.host.subject, operations: operations, change: .create,
      reason: veth.host.reason, origin: veth.host.origin,
      label: "make veth \(veth.hostName) (host) ↔ \(veth.name) (sandbox)")
  }

  /// The inside end's addresses, IFF_UP and routes, as init set them at `up`, by a joiner in the sandbox's network
  /// namespace.
  func setUpInside(_ inside: Step) -> Step {
    joined(inside, kind: .veth, joining: [.net], calls: inside.calls)
  }

  /// RTM_DELLINK of the inside end `name` in the sandbox's network namespace: the host end goes with it (veth(4)).
  /// Deleted from inside, so a host link that took the host end's name since is never the one deleted.
  func deleteLink(_ name: String, subject: Step.Subject, origin: SourceRange?) -> Step {
    let delete = Step.Operation(.rtnetlink(request: .deleteLink(name: name)), origin: origin)
    return Step(
      kind: .veth, actor: .joiner, subject: subject, operations: join([.net], besides: [delete.call]) + [delete],
      change: .create, origin: origin, label: "delete veth \(name) inside (its host end goes with it)")
  }

  /// RTM_DELLINK of the host end `hostName` a failed apply made: nsbuild's own link, in the host's namespace.
  func deleteHostEnd(_ veth: VethShape) -> Step {
    Step(
      kind: .veth, actor: .parent, subject: veth.host.subject,
      calls: [.rtnetlink(request: .deleteLink(name: veth.hostName))], change: .create, origin: veth.host.origin,
      label: "delete veth \(veth.hostName) again (its peer \(veth.name) goes with it)")
  }

  /// One request on the host end, by nsbuild in the host's namespace.
  func hostRequest(_ request: RouteRequest, _ veth: VethShape, label: String) -> Step {
    Step(
      kind: .veth, actor: .parent, subject: veth.host.subject, calls: [.rtnetlink(request: request)],
      change: .create, origin: veth.host.origin, label: label)
  }

  /// One request on the inside end, by a joiner in the sandbox's network namespace.
  func insideRequest(_ request: RouteRequest, subject: Step.Subject, origin: SourceRange?, label: String) -> Step {
    let call = Step.Operation(.rtnetlink(request: request), origin: origin)
    return Step(
      kind: .veth, actor: .joiner, subject: subject, operations: join([.net], besides: [call.call]) + [call],
      change: .create, origin: origin, label: label)
  }
}
