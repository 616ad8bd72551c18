/// In a new user namespace, every ID the spec hands to the kernel must be mapped (user_namespaces(7)): an unmapped
/// uid or gid makes setresuid(2), setresgid(2) or a tmpfs `uid=` option fail with EINVAL at run time, and
/// setgroups(2) fails with EPERM once `setgroups` is `deny`. Checked here, so `check` reports them with their lines.
struct MappedIDRules {
  let spec: Spec
  let sink: DiagnosticSink
  /// Maps with an entry already reported as wrong: an ID that entry meant to map is not called unmapped too, which
  /// would only repeat that error; an ID no entry meant is.
  var rejectedMapEntries: [String: RejectedMapEntries] = [:]

  func check() {
    guard spec.unshares(.user) else { return }
    // An empty map is the default: the caller as 0 inside, one ID wide. (One emptied by rejected entries is not.)
    let uids = insideRanges(spec.user.uidMap, map: "uid_map")
    let gids = insideRanges(spec.user.gidMap, map: "gid_map")
    require(spec.process.uid, in: uids, map: "uid_map", key: "process.uid", what: "`uid`")
    require(spec.process.gid, in: gids, map: "gid_map", key: "process.gid", what: "`gid`")
    for group in spec.process.groups ?? [] {
      require(group, in: gids, map: "gid_map", key: "process.groups", what: "group")
    }
    if spec.user.setgroups == .deny, !(spec.process.groups ?? []).isEmpty, let range = spec.origins["process.groups"] {
      sink.error(
        "groups-denied", "`groups` cannot be set with setgroups = \"deny\": setgroups(2) fails (EPERM)", at: range,
        hint: "set [user] setgroups = \"allow\" (needs a privileged caller), or leave `groups` out")
    }
    // The key paths are spelt out only for an ID that breaks the rule.
    for (index, mount) in spec.mounts.enumerated() {
      require(
        mount.uid, in: uids, map: "uid_map", key: SpecKeyPath("mounts").index(index).appending("uid"),
        what: "tmpfs owner `uid`")
      require(
        mount.gid, in: gids, map: "gid_map", key: SpecKeyPath("mounts").index(index).appending("gid"),
        what: "tmpfs owner `gid`")
    }
  }

  /// The inside ranges of `map`; nil when a line starts at the caller's ID, unknown until the plan is made (then
  /// ``CallerMapRules`` checks the resolved map).
  private func insideRanges(_ map: [IDMapping], map name: String) -> [Range<UInt64>]? {
    if map.isEmpty && rejectedMapEntries[name] == nil { return [0..<1] }
    var ranges: [Range<UInt64>] = []
    for line in map {
      guard let range = line.fixedInsideRange else { return nil }
      ranges.append(range)
    }
    return ranges
  }

  private func require(
    _ id: UInt32?, in ranges: [Range<UInt64>]?, map: String, key: @autoclosure () -> SpecKeyPath, what: String
  ) {
    guard let id, let ranges, rejectedMapEntries[map]?.mayMap(id) != true,
      !ranges.contains(where: { $0.contains(UInt64(id)) }),
      let range = spec.origins[key()]
    else { return }
    let mapped = ranges.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)–\($0.upperBound - 1)" }
    let maps = mapped.isEmpty ? "no entry of \(map) is valid" : "\(map) maps \(mapped.joined(separator: ", ")) inside"
    sink.error(
      "unmapped-id", "\(what) \(id) is not mapped in the new user namespace (\(maps))",
      at: range, hint: "pick an ID the map covers, or add a \(map) entry for it")
  }
}
