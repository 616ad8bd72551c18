/// The numbers of the rtnetlink protocol, as the kernel's uapi headers define them (linux/netlink.h,
/// linux/rtnetlink.h, linux/if_link.h, linux/if_addr.h, linux/veth.h). Written out here so the target needs no C
/// headers and the byte-for-byte tests can say which number each byte stands for.
public enum NetlinkNumbers {
  // linux/netlink.h: nlmsghdr types and flags.
  public static let NLMSG_ERROR: UInt16 = 2
  public static let NLMSG_DONE: UInt16 = 3
  public static let NLM_F_REQUEST: UInt16 = 0x1
  public static let NLM_F_ACK: UInt16 = 0x4
  /// NLM_F_ROOT | NLM_F_MATCH: every object of the type (a dump), answered by several messages and NLMSG_DONE.
  public static let NLM_F_DUMP: UInt16 = 0x300
  /// In a dump's messages: more follow.
  public static let NLM_F_MULTI: UInt16 = 0x2
  public static let NLM_F_EXCL: UInt16 = 0x200
  public static let NLM_F_CREATE: UInt16 = 0x400
  /// In an NLMSG_ERROR: the original message was cut to its header (NETLINK_CAP_ACK).
  public static let NLM_F_CAPPED: UInt16 = 0x100
  /// In an NLMSG_ERROR: extended-ack attributes follow (NETLINK_EXT_ACK).
  public static let NLM_F_ACK_TLVS: UInt16 = 0x200
  public static let NLA_F_NESTED: UInt16 = 0x8000
  /// nlmsgerr attribute: the kernel's text for an error.
  public static let NLMSGERR_ATTR_MSG: UInt16 = 1

  // linux/rtnetlink.h: message types.
  public static let RTM_NEWLINK: UInt16 = 16
  public static let RTM_DELLINK: UInt16 = 17
  public static let RTM_GETLINK: UInt16 = 18
  public static let RTM_NEWADDR: UInt16 = 20
  public static let RTM_DELADDR: UInt16 = 21
  public static let RTM_GETADDR: UInt16 = 22
  public static let RTM_NEWROUTE: UInt16 = 24
  public static let RTM_DELROUTE: UInt16 = 25
  public static let RTM_GETROUTE: UInt16 = 26

  // linux/socket.h address families.
  public static let AF_UNSPEC: UInt8 = 0
  public static let AF_INET: UInt8 = 2
  public static let AF_INET6: UInt8 = 10

  // linux/if_link.h.
  public static let IFLA_IFNAME: UInt16 = 3
  public static let IFLA_MTU: UInt16 = 4
  public static let IFLA_MASTER: UInt16 = 10
  public static let IFLA_LINKINFO: UInt16 = 18
  public static let IFLA_NET_NS_FD: UInt16 = 28
  /// The peer's network namespace id, on a link whose peer is in another namespace (a veth end).
  public static let IFLA_LINK_NETNSID: UInt16 = 37
  public static let IFLA_INFO_KIND: UInt16 = 1
  public static let IFLA_INFO_DATA: UInt16 = 2
  // linux/veth.h.
  public static let VETH_INFO_PEER: UInt16 = 1
  // linux/if.h.
  public static let IFF_UP: UInt32 = 0x1

  // linux/if_addr.h.
  public static let IFA_ADDRESS: UInt16 = 1
  public static let IFA_LOCAL: UInt16 = 2
  public static let IFA_FLAGS: UInt16 = 8
  public static let IFA_F_NODAD: UInt32 = 0x02
  public static let IFA_F_PERMANENT: UInt32 = 0x80

  // linux/rtnetlink.h: routes.
  public static let RTA_DST: UInt16 = 1
  public static let RTA_OIF: UInt16 = 4
  public static let RTA_GATEWAY: UInt16 = 5
  public static let RTA_TABLE: UInt16 = 15
  public static let RT_TABLE_MAIN: UInt8 = 254
  public static let RTPROT_BOOT: UInt8 = 3
  public static let RT_SCOPE_UNIVERSE: UInt8 = 0
  public static let RTN_UNICAST: UInt8 = 1

  /// The size of nlmsghdr: u32 length, u16 type, u16 flags, u32 sequence, u32 port id.
  public static let headerSize = 16
}
