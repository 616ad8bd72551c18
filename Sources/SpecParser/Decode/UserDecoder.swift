/// `[user]`: uid_map, gid_map and setgroups.
extension SpecSections {
  /// The kernel accepts at most 340 lines in one ID map (user_namespaces(7), since Linux 4.15).
  static let maximumMapLines = 340

  func decodeUser(_ table: TableReader) -> UserMapping {
    table.rejectUnknownKeys(["uid_map", "gid_map", "setgroups"])
    var user = UserMapping()
    user.uidMap = decodeMap("uid_map", in: table)
    user.gidMap = decodeMap("gid_map", in: table)
    if let (value, range) = table.string("setgroups", expected: "\"allow\" or \"deny\"") {
      if let setgroups = Setgroups(rawValue: value) {
        user.setgroups = setgroups
      } else {
        sink.error(
          "unknown-value", "setgroups must be \"allow\" or \"deny\", not '\(value)'", at: range,
          hint: Suggestion.didYouMean(value, among: Setgroups.allCases.map(\.rawValue)))
      }
    }
    return user
  }

  private func decodeMap(_ key: String, in table: TableReader) -> [IDMapping] {
    guard let lines = table.tables(key), case .array(let nodes)? = table.table[key]?.node.value else {
      // A map of the wrong type is reported as such; what it would have mapped is unknown.
      if table.table[key] != nil { context.rejectedMapEntries[key, default: RejectedMapEntries()].unknown = true }
      return []
    }
    if nodes.count > Self.maximumMapLines, let entry = table.table[key] {
      sink.error(
        "map-too-long",
        "\(key) has \(nodes.count) entries; the kernel accepts at most \(Self.maximumMapLines) lines",
        at: entry.node.range)
    }
    // Entry numbers count every element as written, tables or not, as the type-mismatch error does.
    let numbers = nodes.indices.filter { if case .table = nodes[$0].value { true } else { false } }
    var entries: [MapEntry] = []
    var rejected = RejectedMapEntries(unknown: lines.count < nodes.count)
    for (line, number) in zip(lines, numbers) {
      guard let mapping = decodeMapLine(line, map: key) else {
        if let range = Self.intendedInside(line) { rejected.inside.append(range) } else { rejected.unknown = true }
        continue
      }
      entries.append(MapEntry(number: number + 1, mapping: mapping, range: line.range))
    }
    if rejected.unknown || !rejected.inside.isEmpty { context.rejectedMapEntries[key] = rejected }
    if nodes.count <= Self.maximumMapLines {
      // A map over the limit is already an error; comparing every pair of a huge one would take quadratic time.
      IDMapOverlaps(sink: sink, map: key).check(entries, caller: nil)
    }
    return entries.map(\.mapping)
  }

  private func decodeMapLine(_ line: TableReader, map: String) -> IDMapping? {
    line.rejectUnknownKeys(["inside", "outside", "count"])
    let inside = start("inside", in: line, hint: "\"caller\" is the ID of the user (or group) that runs nsbuild")
    let count = count(in: line)
    let outside = start("outside", in: line, hint: "\"caller\" maps the user (or group) that runs nsbuild")
    for key in ["inside", "outside", "count"] where line.table[key] == nil {
      sink.error("missing-key", "\(map) entry needs `\(key)`", at: line.range)
    }
    if count == 0 {
      sink.error("invalid-map", "`count` must be at least 1", at: line.table["count"]?.node.range ?? line.range)
    }
    guard let inside, let outside, let count, count > 0 else { return nil }
    let mapping = IDMapping(inside: inside, outside: outside, count: count)
    if !mapping.fits {
      sink.error(
        "invalid-map", "\(map) entry reaches past ID 4294967294 (the kernel reserves 4294967295)", at: line.range)
      return nil
    }
    return mapping
  }

  /// The inside IDs a rejected entry meant to map, when its `inside` and `count` say so (a count too large is
  /// clipped to the last ID).
  private static func intendedInside(_ line: TableReader) -> Range<UInt64>? {
    guard case .integer(let inside)? = line.table["inside"]?.node.value,
      case .integer(let count)? = line.table["count"]?.node.value, inside >= 0, inside < Int64(UInt32.max), count >= 1
    else { return nil }
    return UInt64(inside)..<min(UInt64(inside) + UInt64(count), UInt64(UInt32.max))
  }

  /// Where one side of a line starts: an ID, or "caller", the ID of whoever runs nsbuild (known when the plan is
  /// made, so a spec used by many people maps each one's own ID).
  private func start(_ key: String, in line: TableReader, hint: String) -> IDMapping.Start? {
    guard let entry = line.entry(key) else { return nil }
    switch entry.node.value {
    case .string("caller"): return .caller
    case .integer: return id(key, in: line).map(IDMapping.Start.id)
    default:
      sink.error("type-mismatch", "`\(key)` must be an ID or \"caller\"", at: entry.node.range, hint: hint)
      return nil
    }
  }

  /// An ID from 0 to 2^32-2 (2^32-1 is the kernel's "no ID").
  private func id(_ key: String, in line: TableReader) -> UInt32? {
    guard let (value, range) = line.integer(key, expected: "an integer ID") else { return nil }
    guard value >= 0, value < Int64(UInt32.max) else {
      sink.error("invalid-map", "`\(key)` must be from 0 to 4294967294, not \(value)", at: range)
      return nil
    }
    return UInt32(value)
  }

  /// How many IDs a line maps: up to 4294967295, so that `0 0 4294967295` maps every ID (user_namespaces(7): the
  /// kernel takes any range whose end, start + count, stays at or below 2^32-1). Whether the range fits is checked
  /// with its start.
  private func count(in line: TableReader) -> UInt32? {
    guard let (value, range) = line.integer("count", expected: "an integer count") else { return nil }
    guard value >= 0, value <= Int64(UInt32.max) else {
      sink.error("invalid-map", "`count` must be from 1 to 4294967295, not \(value)", at: range)
      return nil
    }
    return UInt32(value)
  }
}

/// One decoded ID-map entry, with its number among the map's elements (from 1) and where it is written.
struct MapEntry {
  var number: Int
  var mapping: IDMapping
  var range: SourceRange
}

/// What the rejected entries of one ID map meant to map inside, so that only an ID none of them meant is called
/// unmapped (an error that would otherwise only repeat theirs).
struct RejectedMapEntries {
  /// An entry (or the map) whose inside range cannot be read: any ID may be one it meant.
  var unknown = false
  /// The inside ranges of the rest.
  var inside: [Range<UInt64>] = []

  func mayMap(_ id: UInt32) -> Bool { unknown || inside.contains { $0.contains(UInt64(id)) } }
}
