import Netlink

/// A veth whose pair stays, changed in place where the spec and what stands differ: the mtu and host addresses
/// (``changed(_:_:_:)``), the inside end's addresses, IFF_UP and routes (``insideChanges(_:_:_:_:)``), one request
/// per step so a failure takes back exactly what was done.
extension TargetPlanner {
  /// The host end's addresses and the pair's mtu changed where the pair stands: one step per request, each with
  /// its inverse as undo, so a failure takes back exactly what was done.
  func changed(_ veth: VethShape, _ old: VethShape, _ steps: InPlaceSteps) -> TargetPlan.Entry {
    var apply: [Step] = []
    var undo: [[Step]] = []
    let inside = Step.Subject.networkInterface(name: veth.name)
    // A spec that drops its `mtu` gets the one a veth is made with (ETH_DATA_LEN).
    if veth.mtu != old.mtu {
      let mtu = veth.mtu ?? 1500
      let before = old.mtu ?? 1500
      apply += [
        steps.hostRequest(.setMTU(name: veth.hostName, mtu: mtu), veth, label: "set mtu \(mtu) on \(veth.hostName)"),
        steps.insideRequest(
          .setMTU(name: veth.name, mtu: mtu), subject: inside, origin: veth.host.origin,
          label: "set mtu \(mtu) on \(veth.name) inside"),
      ]
      undo += [
        [
          steps.hostRequest(
            .setMTU(name: veth.hostName, mtu: before), veth, label: "set mtu \(before) on \(veth.hostName) again")
        ],
        [
          steps.insideRequest(
            .setMTU(name: veth.name, mtu: before), subject: inside, origin: veth.host.origin,
            label: "set mtu \(before) on \(veth.name) inside again")
        ],
      ]
    }
    let wanted = Set(veth.hostAddresses.compactMap(\.linkAddress))
    let applied = Set(old.hostAddresses.compactMap(\.linkAddress))
    let removed = old.hostAddresses.filter { $0.linkAddress.map { !wanted.contains($0) } ?? false }
    let added = veth.hostAddresses.filter { $0.linkAddress.map { !applied.contains($0) } ?? false }
    for request in removed.compactMap(\.inverse) + added {
      guard let back = request.inverse else { continue }
      apply.append(steps.hostRequest(request, veth, label: Self.describe(request, on: veth.hostName)))
      undo.append([steps.hostRequest(back, veth, label: Self.describe(back, on: veth.hostName) + " again")])
    }
    guard !apply.isEmpty else { return TargetPlan.Entry(step: veth.host, action: .unchanged) }
    var entry = TargetPlan.Entry(step: veth.host, action: .inPlace, apply: apply)
    entry.undo = undo
    return entry
  }

  /// `add 10.0.0.1/24 to nsb0`, `remove default via 10.0.0.1 from eth0`.
  static func describe(_ request: RouteRequest, on link: String) -> String {
    switch request.type {
    case NetlinkNumbers.RTM_NEWADDR, NetlinkNumbers.RTM_NEWROUTE: "add \(request.shown) to \(link)"
    case NetlinkNumbers.RTM_DELADDR, NetlinkNumbers.RTM_DELROUTE: "remove \(request.shown) from \(link)"
    default: "\(request.typeName) \(link)"
    }
  }

  func insideChanges(_ step: Step, _ veth: VethShape, _ old: VethShape, _ steps: InPlaceSteps)
    -> TargetPlan.Entry
  {
    let link = live.link(veth.name)
    let standingAddresses = link.map { Set($0.addresses) } ?? Set(old.addresses.compactMap(\.linkAddress))
    let standingRoutes = link.map { Set($0.routes) } ?? Set(old.routes.compactMap(\.linkRoute))
    let wantedAddresses = Set(veth.addresses.compactMap(\.linkAddress))
    let wantedRoutes = Set(veth.routes.compactMap(\.linkRoute))
    // Only what nsbuild applied is taken away: an IPv6 link-local address, or one added by hand, stays.
    let dropRoutes = old.routes.filter { request in
      request.linkRoute.map { !wantedRoutes.contains($0) && standingRoutes.contains($0) } ?? false
    }
    let dropAddresses = old.addresses.filter { request in
      request.linkAddress.map { !wantedAddresses.contains($0) && standingAddresses.contains($0) } ?? false
    }
    let addAddresses = veth.addresses.filter { $0.linkAddress.map { !standingAddresses.contains($0) } ?? false }
    let addRoutes = veth.routes.filter { $0.linkRoute.map { !standingRoutes.contains($0) } ?? false }
    let requests =
      dropRoutes.compactMap(\.inverse) + dropAddresses.compactMap(\.inverse) + addAddresses
      + (link?.isUp == false ? [RouteRequest.setUp(name: veth.name)] : []) + addRoutes
    guard !requests.isEmpty else { return TargetPlan.Entry(step: step, action: .unchanged) }
    var entry = TargetPlan.Entry(step: step, action: .inPlace)
    for request in requests {
      let label =
        request.type == NetlinkNumbers.RTM_NEWLINK ? "bring \(veth.name) up" : Self.describe(request, on: veth.name)
      entry.apply.append(steps.insideRequest(request, subject: step.subject, origin: step.origin, label: label))
      // Up again is not taken back: a link that was down had lost its routes with it.
      entry.undo.append(
        request.inverse.map { back in
          [
            steps.insideRequest(
              back, subject: step.subject, origin: step.origin, label: Self.describe(back, on: veth.name) + " again")
          ]
        } ?? [])
    }
    // Drift the spec did not ask for: what the applied plan made that is gone from the sandbox.
    entry.restores = DriftReport.compare(record.plan, live).first { $0.kind == .veth && $0.subject == step.subject }
    return entry
  }
}
