import Netlink

/// `down` of a live sandbox with `[[net.veth]]`: the host ends its plan made, deleted once its processes ended, so
/// they are gone when `down` returns rather than when the kernel's workqueue frees the sandbox's network namespace
/// (network_namespaces(7)).
///
/// Each is named by its interface index, read while the sandbox still holds it (a veth of that name is then the
/// sandbox's: the kernel keeps names unique), never by its name afterwards: once the sandbox's pair is gone, a link
/// someone else makes under that name is not deleted (the kernel gives a new link a new index).
public struct VethHostEnds {
  let links: MadeLinks

  /// RTM_GETLINK (rtnetlink(7)) of each veth host end nsbuild made for `plan` (its parent's veth steps): its index,
  /// when it is there and is a veth whose peer lies in another network namespace (IFLA_LINK_NETNSID), as the
  /// sandbox's host end does; not someone else's link of that name, nor a pair on the host. Call while the
  /// sandbox's processes still run.
  public static func read<Kernel: LinuxKernel>(madeBy plan: Plan, kernel: Kernel) -> VethHostEnds {
    let links = MadeLinks()
    for name in names(madeBy: plan) {
      guard
        let bytes = try? RouteRequest.getLink(name: name).encoded(
          sequence: 5, resolve: { (_) throws(SyscallError) in 0 }),
        let answer = try? kernel.rtnetlink(bytes), case .message(let message) = NetlinkReply.parse(answer, sequence: 5),
        let link = LinkReply(message), link.index > 0, link.isVethWithPeerElsewhere
      else { continue }
      links.made.append(name)
      links.indexes[name] = link.index
    }
    return VethHostEnds(links: links)
  }

  /// RTM_DELLINK of each host end ``read(madeBy:kernel:)`` found, by its index, newest first, through the step `run`
  /// takes (``Step/Kind/deleteLink``): ENODEV, gone already, counts as done. Call once the sandbox's processes ended.
  ///
  /// - Throws: ``StepFailure`` with the kernel's errno of a request that failed otherwise (EPERM without
  ///   CAP_NET_ADMIN in the host's network namespace).
  public func delete<Kernel: LinuxKernel>(kernel: Kernel) throws(StepFailure) {
    var runner = StepRunner(kernel: kernel)
    runner.links = links
    for name in links.made.reversed() { try runner.run(Planner.hostEndDeleteStep(name, origin: nil)) }
  }

  /// The host end names of `plan`'s veth steps, in plan order.
  static func names(madeBy plan: Plan) -> [String] {
    plan.steps.compactMap { step in
      guard step.actor == .parent, step.kind == .veth, case .networkInterface(let name) = step.subject else {
        return nil
      }
      return name
    }
  }
}
