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

  /// RTM_DELLINK of the link named `name` that the sender made, by the index the kernel gave it then
  /// (``LinkHeader/madeLink``): a link someone else made under that name since is never the one deleted.
  public static func deleteMadeLink(name: String) -> RouteRequest {
    RouteRequest(type: N.RTM_DELLINK, header: .link(LinkHeader(madeLink: name)), attributes: [])
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

/// The requests that change a live sandbox's veth in place (`apply --target`), each the inverse or the update of one
/// above, and the dumps that read what stands.
extension RouteRequest {
  /// RTM_DELADDR of the address ``newAddress(interface:address:text:prefixLength:)`` adds: the same header and
  /// attributes, without NLM_F_CREATE|NLM_F_EXCL (the kernel matches IFA_LOCAL and the prefix length).
  public static func deleteAddress(interface: String, address: [UInt8], text: String, prefixLength: UInt8)
    -> RouteRequest
  {
    var request = newAddress(interface: interface, address: address, text: text, prefixLength: prefixLength)
    (request.type, request.flags) = (N.RTM_DELADDR, 0)
    return request
  }

  /// RTM_DELROUTE of the route ``newRoute(interface:gateway:text:destination:)`` adds: the same rtmsg (main table,
  /// RTPROT_BOOT, universe scope) and attributes, which the kernel matches against the routes it holds.
  public static func deleteRoute(
    interface: String, gateway: [UInt8], text: String, destination: (bytes: [UInt8], text: String, length: UInt8)? = nil
  ) -> RouteRequest {
    var request = newRoute(interface: interface, gateway: gateway, text: text, destination: destination)
    (request.type, request.flags) = (N.RTM_DELROUTE, 0)
    return request
  }

  /// RTM_NEWLINK setting IFLA_MTU (bytes) on the link named `name`, as `ip link set NAME mtu MTU`; its flags stay.
  public static func setMTU(name: String, mtu: UInt32) -> RouteRequest {
    RouteRequest(
      type: N.RTM_NEWLINK, header: .link(LinkHeader()),
      attributes: [
        RouteAttribute("IFLA_IFNAME", N.IFLA_IFNAME, .string(name)), RouteAttribute("IFLA_MTU", N.IFLA_MTU, .u32(mtu)),
      ])
  }

  /// The bytes of a dump request (NLM_F_REQUEST|NLM_F_DUMP) of every link (RTM_GETLINK), address (RTM_GETADDR) or
  /// route (RTM_GETROUTE) of the socket's network namespace: nlmsghdr, then the message type's fixed header all
  /// zeros (ifinfomsg 16 bytes, ifaddrmsg 8, rtmsg 12: AF_UNSPEC, every family). The kernel answers with one
  /// message per object and NLMSG_DONE (rtnetlink(7)); `type` other than those three is sent with no header.
  public static func dump(_ type: UInt16, sequence: UInt32) -> [UInt8] {
    let size =
      switch type {
      case N.RTM_GETLINK: 16
      case N.RTM_GETADDR: 8
      case N.RTM_GETROUTE: 12
      default: 0
      }
    var writer = NetlinkWriter()
    writer.u32(UInt32(N.headerSize + size))
    writer.u16(type)
    writer.u16(N.NLM_F_REQUEST | N.NLM_F_DUMP)
    writer.u32(sequence)
    writer.u32(0)
    writer.append([UInt8](repeating: 0, count: size))
    return writer.bytes
  }
}
