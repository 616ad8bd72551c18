/// Two lines of one map may not share an inside ID, nor an outside ID (user_namespaces(7)): the kernel refuses the
/// whole map with EINVAL. Checked when the spec is read, for the sides written as IDs, and again when the plan is
/// made with the caller's ID written in for `"caller"` (``CallerMapRules``).
struct IDMapOverlaps {
  let sink: DiagnosticSink
  /// `uid_map` or `gid_map`, for messages.
  let map: String

  /// Reports each entry at most once per side, against the first earlier entry it overlaps, so n entries give at
  /// most 2n errors rather than one per pair. With `caller` nil, a side written `"caller"` is left out (unknown
  /// yet); entries rejected on their own are not in `entries`, so one bad entry does not hide an overlap of two
  /// others.
  func check(_ entries: [MapEntry], caller: UInt32?) {
    for (j, b) in entries.enumerated() {
      var insideReported = false
      var outsideReported = false
      for a in entries[..<j] {
        if !insideReported, let x = insideRange(a, caller), let y = insideRange(b, caller), x.overlaps(y) {
          insideReported = true
          sink.error("map-overlap", message(a, b, side: "inside", caller: caller), at: b.range)
        }
        if !outsideReported, let x = outsideRange(a, caller), let y = outsideRange(b, caller), x.overlaps(y) {
          outsideReported = true
          sink.error("map-overlap", message(a, b, side: "outside", caller: caller), at: b.range)
        }
      }
    }
  }

  private func insideRange(_ entry: MapEntry, _ caller: UInt32?) -> Range<UInt64>? {
    caller.map { entry.mapping.insideRange(caller: $0) } ?? entry.mapping.fixedInsideRange
  }

  private func outsideRange(_ entry: MapEntry, _ caller: UInt32?) -> Range<UInt64>? {
    caller.map { entry.mapping.outsideRange(caller: $0) } ?? entry.mapping.fixedOutsideRange
  }

  /// Names the earlier entry by number and place, since several entries may share one line of the file; with the
  /// caller's ID in one of them, says which ID that was.
  private func message(_ earlier: MapEntry, _ later: MapEntry, side: String, caller: UInt32?) -> String {
    let place = "line \(earlier.range.start.line), column \(earlier.range.start.column)"
    let resolved = caller.map { " once \"caller\" is \($0)" } ?? ""
    return "\(map) entry \(later.number) overlaps entry \(earlier.number) (\(place)) \(side) the namespace\(resolved)"
  }
}

/// The ID-map rules that need the caller's IDs, for a spec whose `uid_map` or `gid_map` says `"caller"`: checked
/// when the plan is made (by the planner, which knows who runs it), with the caller's uid and gid written in, and
/// reported at the spec's lines as `check` reports the others.
public enum CallerMapRules {
  /// The errors of `spec`'s maps with the caller's IDs written in: lines that overlap once resolved, a line that
  /// reaches past ID 4294967294, and `[process]` or tmpfs IDs the resolved maps leave unmapped. Empty when no line
  /// says `"caller"` (everything else was checked when the spec was read).
  ///
  /// - Parameters:
  ///   - uid: the caller's real uid, for `uid_map`; `gid`: its real gid, for `gid_map`.
  ///   - file: the spec's path, for the diagnostics.
  public static func check(_ spec: Spec, uid: UInt32, gid: UInt32, file: String) -> [Diagnostic] {
    guard spec.unshares(.user), (spec.user.uidMap + spec.user.gidMap).contains(where: \.usesCaller) else { return [] }
    let sink = DiagnosticSink(file: file, limit: 0)
    var resolved = spec
    for (name, caller) in [("uid_map", uid), ("gid_map", gid)] {
      let map = name == "uid_map" ? spec.user.uidMap : spec.user.gidMap
      let key = SpecKeyPath("user").appending(name)
      let fallback = spec.origins[key] ?? SourceRange(at: SourceLocation(line: 1, column: 1, offset: 0))
      let entries = map.enumerated().map { index, line in
        MapEntry(
          number: index + 1, mapping: line.resolved(caller: caller), range: spec.origins[key.index(index)] ?? fallback)
      }
      for entry in entries where !entry.mapping.fits {
        sink.error(
          "invalid-map",
          "\(name) entry \(entry.number) reaches past ID 4294967294 (the kernel reserves 4294967295) with the caller's ID \(caller)",
          at: entry.range)
      }
      IDMapOverlaps(sink: sink, map: name).check(entries, caller: caller)
      if name == "uid_map" {
        resolved.user.uidMap = entries.map(\.mapping)
      } else {
        resolved.user.gidMap = entries.map(\.mapping)
      }
    }
    MappedIDRules(spec: resolved, sink: sink).check()
    return sink.finish()
  }
}
