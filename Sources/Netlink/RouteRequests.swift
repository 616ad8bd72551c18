/// The requests nsbuild makes, built as `ip link add`, `ip addr add` and `ip route add` build theirs
/// (rtnetlink(7)); each is one RouteRequest value, so `plan` prints and `run` sends the same thing.
extension RouteRequest {
  typealias N = NetlinkNumbers

  /// RTM_NEWLINK NLM_F_CREATE|NLM_F_EXCL of a veth(4) pair: `name` here, its peer `peer` made directly in the
  /// network namespace open in fd slot `peerNamespace` (IFLA_NET_NS_FD inside VETH_INFO_PEER), both with `mtu`
  /// when given; with `master`, this end is attached to that bridge (IFLA_MASTER) as it is made.
  public static func newVeth(name: String, peer: String, peerNamespace: Int, mtu: UInt32?, master: String?)
    -> RouteRequest
  {
    let mtuAttribute = mtu.map { [RouteAttribute("IFLA_MTU", N.IFLA_MTU, .u32($0))] } ?? []
    let peerAttributes =
      [
        RouteAttribute("IFLA_IFNAME", N.IFLA_IFNAME, .string(peer)),
        RouteAttribute("IFLA_NET_NS_FD", N.IFLA_NET_NS_FD, .fdSlot(peerNamespace)),
      ] + mtuAttribute
    let info = RouteAttribute(
      "IFLA_LINKINFO", N.IFLA_LINKINFO,
      .nested([
        RouteAttribute("IFLA_INFO_KIND", N.IFLA_INFO_KIND, .string("veth")),
        RouteAttribute(
          "IFLA_INFO_DATA", N.IFLA_INFO_DATA,
          .nested([RouteAttribute("VETH_INFO_PEER", N.VETH_INFO_PEER, .headed(LinkHeader(), peerAttributes))])),
      ]))
    let masterAttribute = master.map { [RouteAttribute("IFLA_MASTER", N.IFLA_MASTER, .interfaceIndex(name: $0))] }
    return RouteRequest(
      type: N.RTM_NEWLINK, flags: N.NLM_F_CREATE | N.NLM_F_EXCL, header: .link(LinkHeader()),
      attributes: [RouteAttribute("IFLA_IFNAME", N.IFLA_IFNAME, .string(name))] + mtuAttribute
        + (masterAttribute ?? []) + [info])
  }

  /// RTM_NEWLINK NLM_F_CREATE|NLM_F_EXCL of a bridge named `name` (IFLA_INFO_KIND "bridge"), up at once.
  public static func newBridge(name: String) -> RouteRequest {
    RouteRequest(
      type: N.RTM_NEWLINK, flags: N.NLM_F_CREATE | N.NLM_F_EXCL,
      header: .link(LinkHeader(flags: N.IFF_UP, change: N.IFF_UP)),
      attributes: [
        RouteAttribute("IFLA_IFNAME", N.IFLA_IFNAME, .string(name)),
        RouteAttribute(
          "IFLA_LINKINFO", N.IFLA_LINKINFO,
          .nested([RouteAttribute("IFLA_INFO_KIND", N.IFLA_INFO_KIND, .string("bridge"))])),
      ])
  }

  /// RTM_NEWLINK setting IFF_UP on the link named `name` (ifi_index 0: the kernel finds it by IFLA_IFNAME).
  public static func setUp(name: String) -> RouteRequest {
    RouteRequest(
      type: N.RTM_NEWLINK, header: .link(LinkHeader(flags: N.IFF_UP, change: N.IFF_UP)),
      attributes: [RouteAttribute("IFLA_IFNAME", N.IFLA_IFNAME, .string(name))])
  }

  /// RTM_DELLINK of the link named `name`: deleting one end of a veth pair deletes both.
  public static func deleteLink(name: String) -> RouteRequest {
    RouteRequest(
      type: N.RTM_DELLINK, header: .link(LinkHeader()),
      attributes: [RouteAttribute("IFLA_IFNAME", N.IFLA_IFNAME, .string(name))])
  }

  /// RTM_GETLINK of the link named `name`: the reply is an RTM_NEWLINK message with its index (``LinkReply``).
  public static func getLink(name: String) -> RouteRequest {
    RouteRequest(
      type: N.RTM_GETLINK, header: .link(LinkHeader()),
      attributes: [RouteAttribute("IFLA_IFNAME", N.IFLA_IFNAME, .string(name))])
  }

  /// RTM_NEWADDR NLM_F_CREATE|NLM_F_EXCL of `address` (4 or 16 bytes, network order) with `prefixLength` on
  /// `interface`: IFA_LOCAL and IFA_ADDRESS both the address, as for any link that is not point-to-point. An IPv6
  /// address is IFA_F_NODAD, usable at once: the pair's two ends are the only hosts on the link.
  public static func newAddress(interface: String, address: [UInt8], text: String, prefixLength: UInt8)
    -> RouteRequest
  {
    let six = address.count == 16
    let flags = six ? N.IFA_F_NODAD : 0
    return RouteRequest(
      type: N.RTM_NEWADDR, flags: N.NLM_F_CREATE | N.NLM_F_EXCL,
      header: .address(
        AddressHeader(
          family: six ? N.AF_INET6 : N.AF_INET, prefixLength: prefixLength, flags: UInt8(flags), interface: interface)),
      attributes: [
        RouteAttribute("IFA_LOCAL", N.IFA_LOCAL, .address(bytes: address, text: text)),
        RouteAttribute("IFA_ADDRESS", N.IFA_ADDRESS, .address(bytes: address, text: text)),
      ] + (six ? [RouteAttribute("IFA_FLAGS", N.IFA_FLAGS, .u32(flags))] : []))
  }

  /// RTM_NEWROUTE NLM_F_CREATE|NLM_F_EXCL in the main table through `gateway` out of `interface`: to
  /// `destination`/`destinationLength`, or the default route when `destination` is nil.
  public static func newRoute(
    interface: String, gateway: [UInt8], text: String, destination: (bytes: [UInt8], text: String, length: UInt8)? = nil
  ) -> RouteRequest {
    let family = gateway.count == 16 ? N.AF_INET6 : N.AF_INET
    let dst = destination.map { [RouteAttribute("RTA_DST", N.RTA_DST, .address(bytes: $0.bytes, text: $0.text))] }
    return RouteRequest(
      type: N.RTM_NEWROUTE, flags: N.NLM_F_CREATE | N.NLM_F_EXCL,
      header: .route(RouteHeader(family: family, destinationLength: destination?.length ?? 0)),
      attributes: (dst ?? []) + [
        RouteAttribute("RTA_GATEWAY", N.RTA_GATEWAY, .address(bytes: gateway, text: text)),
        RouteAttribute("RTA_OIF", N.RTA_OIF, .interfaceIndex(name: interface)),
      ])
  }
}
