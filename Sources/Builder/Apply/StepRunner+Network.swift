import Netlink

extension StepRunner {
  /// Sends `request` on a NETLINK_ROUTE socket of this process's network namespace and reads its answer (see
  /// ``Syscall/rtnetlink(request:)``): an interface it names by index is looked up first, and an fd slot it names
  /// is closed once it is sent, so nsbuild holds no fd of the sandbox's namespace after it.
  ///
  /// - Throws: ``SyscallError`` `sendmsg` with the kernel's errno, its path the message type and the link, with the
  ///   kernel's extended-ack text when it gave one.
  func send(_ request: RouteRequest) throws(SyscallError) {
    // A link named by the index it had when made here: when none was recorded, nothing of this name was made by
    // this process, and none is deleted by its name.
    if case .link(let header) = request.header, let made = header.madeLink, links.indexes[made] == nil { return }
    let place = Self.place(of: request)
    var slots: [Int] = []
    defer {
      for slot in slots {
        if let held = fds[slot] { kernel.close(held) }
        fds[slot] = nil
      }
    }
    let bytes = try request.encoded(sequence: 1) { (value) throws(SyscallError) -> UInt32 in
      switch value {
      case .interfaceIndex(let name): return try interfaceIndex(name)
      case .fdSlot(let slot):
        slots.append(slot)
        return UInt32(bitPattern: try fd(slot))
      case .madeLinkIndex(let name): return UInt32(bitPattern: links.indexes[name] ?? 0)
      }
    }
    switch NetlinkReply.parse(try kernel.rtnetlink(bytes), sequence: 1) {
    case .ack: break
    // A link to delete that is gone already (with its network namespace) is what the request asked for.
    case .error(ErrnoNames.ENODEV, _) where request.type == NetlinkNumbers.RTM_DELLINK: break
    case .error(let errno, let message):
      throw SyscallError(call: "sendmsg", errno: errno, path: place + (message.map { " (\($0))" } ?? ""))
    case .message, .malformed:
      throw SyscallError(call: "recvmsg", errno: ErrnoNames.EPROTO, path: place + ": no acknowledgement")
    }
    if request.type == NetlinkNumbers.RTM_NEWLINK, request.flags & NetlinkNumbers.NLM_F_CREATE != 0,
      let name = Self.linkName(of: request)
    {
      links.made.append(name)
      links.indexes[name] = madeIndex(name, kind: Self.linkKind(of: request))
    }
  }

  /// The index of the link `name` just made (RTM_GETLINK), when it is of `kind` (`veth`, `bridge`): what deletes it
  /// later names (``RouteRequest/deleteMadeLink(name:)``). Nil when it cannot be read or is of another kind.
  private func madeIndex(_ name: String, kind: String?) -> Int32? {
    guard
      let bytes = try? RouteRequest.getLink(name: name).encoded(
        sequence: 4, resolve: { (_) throws(SyscallError) in 0 }),
      let answer = try? kernel.rtnetlink(bytes), case .message(let message) = NetlinkReply.parse(answer, sequence: 4),
      let link = LinkReply(message), link.index > 0, link.kind == kind,
      kind != "veth" || link.isVethWithPeerElsewhere
    else { return nil }
    return link.index
  }

  /// The IFLA_INFO_KIND a link request makes.
  static func linkKind(of request: RouteRequest) -> String? {
    for attribute in request.attributes where attribute.type == NetlinkNumbers.IFLA_LINKINFO {
      guard case .nested(let inner) = attribute.value else { continue }
      for each in inner where each.type == NetlinkNumbers.IFLA_INFO_KIND {
        if case .string(let kind) = each.value { return kind }
      }
    }
    return nil
  }

  /// The index of the link named `name` (RTM_GETLINK; rtnetlink(7)).
  private func interfaceIndex(_ name: String) throws(SyscallError) -> UInt32 {
    let bytes = try RouteRequest.getLink(name: name).encoded(sequence: 2) { (_) throws(SyscallError) in 0 }
    switch NetlinkReply.parse(try kernel.rtnetlink(bytes), sequence: 2) {
    case .message(let message):
      if let link = LinkReply(message), link.index > 0 { return UInt32(link.index) }
    case .error(let errno, _): throw SyscallError(call: "sendmsg", errno: errno, path: "RTM_GETLINK " + name)
    case .ack, .malformed: break
    }
    throw SyscallError(call: "recvmsg", errno: ErrnoNames.EPROTO, path: "RTM_GETLINK \(name): no link in the answer")
  }

  /// `RTM_NEWLINK nsb0`: the message type and the link it is about, for errors.
  static func place(of request: RouteRequest) -> String {
    var name = linkName(of: request)
    if case .address(let header) = request.header { name = header.interface }
    for attribute in request.attributes {
      if case .interfaceIndex(let interface) = attribute.value, attribute.name == "RTA_OIF" { name = interface }
    }
    return request.typeName + (name.map { " " + $0 } ?? "")
  }

  /// The IFLA_IFNAME a link request names, or the link made here it names by index.
  static func linkName(of request: RouteRequest) -> String? {
    if case .link(let header) = request.header, let made = header.madeLink { return made }
    for attribute in request.attributes where attribute.type == NetlinkNumbers.IFLA_IFNAME {
      if case .string(let name) = attribute.value { return name }
    }
    return nil
  }
}

/// What nsbuild set up on the host for the sandbox's network, newest last: links it made (a veth's host end, a
/// bridge), deleted when setup fails, and helper processes (pasta), ended when the sandbox ends.
final class MadeLinks {
  var made: [String] = []
  /// The index each link of ``made`` had when it was made (read back at once, and of the kind made): deleted by it.
  var indexes: [String: Int32] = [:]
  /// The pids of helper processes nsbuild started (pasta), its children.
  var helpers: [Int32] = []
  /// `up`: the keepers of pasta (nsbuild's children, see ``Syscall/startLivePasta(program:arguments:output:)``),
  /// killed when setup fails: pasta dies with its keeper.
  var keepers: [Int32] = []
  /// `up`: pasta as it was once ready (its pid and start time, for the sandbox's record), and a pidfd of it opened
  /// while its keeper had not reaped it, to wait for its end when setup fails.
  var livePasta: (identity: ProcessIdentity, pidfd: Int32)?

  /// RTM_DELLINK of each link, newest first (what fails to go, already gone with its namespace, is left), and the
  /// helpers ended.
  func delete<Kernel: LinuxKernel>(_ kernel: Kernel) {
    for name in made.reversed() {
      guard let index = indexes[name] else { continue }
      let request = RouteRequest.deleteMadeLink(name: name)
      if let bytes = try? request.encoded(
        sequence: 3, resolve: { (_) throws(SyscallError) in UInt32(bitPattern: index) })
      {
        _ = try? kernel.rtnetlink(bytes)
      }
    }
    made = []
    indexes = [:]
    endHelpers(kernel)
  }

  /// SIGTERM to each helper, then wait(2) for it; SIGKILL to each keeper, wait(2) for it, and poll(2) of pasta's
  /// pidfd until pasta, killed by its parent-death signal, ended too (5 s at most).
  func endHelpers<Kernel: LinuxKernel>(_ kernel: Kernel) {
    for pid in helpers {
      kernel.kill(pid, 15)
      _ = try? kernel.wait(pid)
    }
    helpers = []
    for pid in keepers {
      kernel.kill(pid, 9)
      _ = try? kernel.wait(pid)
    }
    keepers = []
    if let pasta = livePasta {
      _ = try? kernel.waitForEnd(pasta.pidfd, milliseconds: 5_000)
      kernel.close(pasta.pidfd)
    }
    livePasta = nil
  }

  /// `up`, once the sandbox is ready: pasta as it started, its pidfd closed (its keeper ends it from here on).
  func releaseLivePasta<Kernel: LinuxKernel>(_ kernel: Kernel) -> ProcessIdentity? {
    guard let pasta = livePasta else { return nil }
    kernel.close(pasta.pidfd)
    livePasta = nil
    keepers = []
    return pasta.identity
  }
}
