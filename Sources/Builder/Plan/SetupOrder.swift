import SpecParser

/// The order mounts and `[[files]]` entries are applied in: as written, but with each mount moved before any item
/// written earlier that lies beneath its target, so a parent never hides what was put inside it. ``moves`` lists the
/// reorderings, which the plan reports.
///
/// Linear in the number of entries times the depth of their paths: each entry looks up the mounts on its ancestor
/// folders in a dictionary, so a spec with 10,000 mounts plans as fast as it parses.
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

    /// Where the entry is in the spec: `mounts[i]` or `files[i]`.
    var keyPath: SpecKeyPath {
      switch self {
      case .mount(let index, _): SpecKeyPath("mounts").index(index)
      case .file(let index, _): SpecKeyPath("files").index(index)
      }
    }
  }

  /// The entries in the order they are applied.
  private(set) var items: [Item] = []
  /// For each mount moved earlier: its index in `[[mounts]]` and the first entry it now precedes.
  private(set) var moves: [(mount: Int, before: Item)] = []

  init(planner: Planner) {
    let spec = planner.spec
    var written: [(offset: Int, item: Item)] = []
    written.reserveCapacity(spec.mounts.count + spec.files.count)
    for (index, mount) in spec.mounts.enumerated() {
      let item = Item.mount(index, mount)
      written.append((planner.origin(item.keyPath)?.start.offset ?? index, item))
    }
    for (index, file) in spec.files.enumerated() {
      let item = Item.file(index, file)
      written.append((planner.origin(item.keyPath)?.start.offset ?? index, item))
    }
    // Decoded in file order, mounts before files: sorted only when [[files]] entries are written among the mounts.
    let sorted = zip(written, written.dropFirst()).allSatisfy { $0.offset < $1.offset }
    let inOrder = (sorted ? written : written.sorted { $0.offset < $1.offset }).map(\.item)
    items = Self.parentsFirst(inOrder, moves: &moves)
  }

  /// For each position in ``items`` holding a mount: the mounts applied after it that lie beneath its target.
  /// Worked out on demand: `check` needs only ``moves``.
  func mountsInside() -> [Int: [Mount]] { Self.mountsInside(items) }

  /// The number of names in `path`: 0 for `/`, 3 for `/a/b/c`.
  static func depth(of path: String) -> Int {
    path == "/" ? 0 : path.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "/") ? 1 : 0) }
  }

  /// Each mount takes the place of the earliest entry beneath it (ancestors before descendants there); the rest
  /// keep their written order.
  private static func parentsFirst(_ items: [Item], moves: inout [(mount: Int, before: Item)]) -> [Item] {
    var mountsAt: [Substring: [Int]] = [:]
    mountsAt.reserveCapacity(items.count)
    for (position, item) in items.enumerated() {
      if case .mount = item { mountsAt[item.path[...], default: []].append(position) }
    }
    var earliest = Array(items.indices)
    for (position, item) in items.enumerated() {
      for ancestor in AbsolutePath.ancestors(of: item.path) {
        for mount in mountsAt[ancestor] ?? [] where position < earliest[mount] { earliest[mount] = position }
      }
    }
    // Nothing moves (the usual case): the written order stands, without a sort of every entry.
    guard earliest.indices.contains(where: { earliest[$0] < $0 }) else { return items }
    let depth = items.map { Self.depth(of: $0.path) }
    let order = items.indices.sorted { a, b in
      let keyA = (earliest[a], earliest[a] < a ? 0 : 1, depth[a], a)
      let keyB = (earliest[b], earliest[b] < b ? 0 : 1, depth[b], b)
      return keyA < keyB
    }
    for position in items.indices where earliest[position] < position {
      if case .mount(let index, _) = items[position] { moves.append((index, items[earliest[position]])) }
    }
    return order.map { items[$0] }
  }

  /// For each mount, the mounts after it whose target lies strictly beneath its own.
  private static func mountsInside(_ items: [Item]) -> [Int: [Mount]] {
    var mountsAt: [Substring: [Int]] = [:]
    var result: [Int: [Mount]] = [:]
    for (position, item) in items.enumerated() {
      guard case .mount(_, let mount) = item else { continue }
      for ancestor in AbsolutePath.ancestors(of: mount.target) {
        for earlier in mountsAt[ancestor] ?? [] { result[earlier, default: []].append(mount) }
      }
      mountsAt[mount.target[...], default: []].append(position)
    }
    return result
  }
}
