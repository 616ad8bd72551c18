import SpecParser

/// The order mounts and `[[files]]` entries are applied in: as written, but with each mount moved before any item
/// written earlier that lies beneath its target, so a parent never hides what was put inside it. ``moves`` lists the
/// reorderings, which the plan reports.
struct SetupOrder {
  enum Item {
    case mount(Int, Mount)
    case file(Int, FileEntry)

    var path: String {
      switch self {
      case .mount(_, let mount): mount.target
      case .file(_, let file): file.path
      }
    }
  }

  private(set) var items: [Item] = []
  /// (moved mount index, the index of the first item it now precedes, its path) for each reordering.
  private(set) var moves: [(mount: Int, before: String)] = []

  init(planner: Planner) {
    let spec = planner.spec
    var written: [(offset: Int, item: Item)] = []
    for (index, mount) in spec.mounts.enumerated() {
      written.append((planner.origin(SpecKeyPath("mounts").index(index))?.start.offset ?? index, .mount(index, mount)))
    }
    for (index, file) in spec.files.enumerated() {
      written.append((planner.origin(SpecKeyPath("files").index(index))?.start.offset ?? index, .file(index, file)))
    }
    items = written.sorted { $0.offset < $1.offset }.map(\.item)
    reorder()
  }

  /// Moves each mount in front of the first earlier item strictly beneath its target; repeats until stable.
  private mutating func reorder() {
    var changed = true
    var rounds = 0
    while changed, rounds < items.count + 1 {
      changed = false
      rounds += 1
      for position in items.indices {
        guard case .mount(let index, let mount) = items[position] else { continue }
        guard
          let earlier = items[..<position].firstIndex(where: {
            $0.path != mount.target && Planner.covers(mount.target, $0.path)
          })
        else { continue }
        moves.append((index, items[earlier].path))
        let moved = items.remove(at: position)
        items.insert(moved, at: earlier)
        changed = true
        break
      }
    }
  }
}
