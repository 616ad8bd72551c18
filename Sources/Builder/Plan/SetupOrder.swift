import SpecParser

/// The order mounts and `[[files]]` entries are applied in: as written, but with each mount moved before any item
/// written earlier that lies beneath its target, so a parent never hides what was put inside it. ``moves`` lists the
/// reorderings, which the plan reports.
///
/// Linear in the number of entries times the depth of their paths: each entry looks up the mounts on its ancestor
/// folders in a dictionary, so a spec with 100,000 mounts plans as fast as it parses. Entries are handled by number
/// (mount `i` is `i`, file `j` is the number of mounts plus `j`), not as copies: `check` asks only for the moves, and
/// builds no list of entries, no key path and no array per mount to find them.
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
  let items: [Item]
  /// For each mount moved earlier: its index in `[[mounts]]` and the first entry it now precedes.
  let moves: [(mount: Int, before: Item)]

  init(planner: Planner) {
    let spec = planner.spec
    let arranged = Arrangement(spec)
    items = arranged.order.map { arranged.item(Int($0)) }
    moves = arranged.moves()
  }

  /// The mounts moved earlier, as ``moves``, without the list of every entry.
  static func moves(of spec: Spec) -> [(mount: Int, before: Item)] { Arrangement(spec).moves() }

  /// For each position in ``items`` holding a mount: the mounts applied after it that lie beneath its target.
  /// Worked out on demand: `check` needs only ``moves``.
  func mountsInside() -> [Int: [Mount]] { Self.mountsInside(items) }

  /// The number of names in `path`: 0 for `/`, 3 for `/a/b/c`.
  static func depth(of path: String) -> Int {
    path == "/" ? 0 : path.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "/") ? 1 : 0) }
  }

  /// Calls `body` with each folder above `path`, nearest last (`/a/b/c`: `/`, `/a`, `/a/b`; none for `/`), as slices
  /// of it with their length in bytes, or -1 for one that is not all ASCII: ``AbsolutePath/ancestors(of:)``
  /// without its array, as this runs for every entry.
  static func forEachAncestor(of path: String, _ body: (Substring, Int) -> Void) {
    let bytes = path.utf8
    guard bytes.count > 1, bytes.first == UInt8(ascii: "/") else { return }
    // A slash is ASCII, so each one's index is also a valid String index.
    var index = bytes.index(after: bytes.startIndex)
    var length = 1
    var ascii = true
    body(path[..<index], length)
    while index < bytes.endIndex {
      let byte = bytes[index]
      if byte == UInt8(ascii: "/") { body(path[..<index], ascii ? length : -1) }
      ascii = ascii && byte < 0x80
      index = bytes.index(after: index)
      length += 1
    }
  }

  /// The written order and where each entry goes, in arrays of entry numbers and positions (32 bits: a spec holds
  /// far fewer than 2^31 entries).
  private struct Arrangement {
    let spec: Spec
    /// Entry numbers in written order.
    let written: [Int32]
    /// For each position in `written`, the earliest position its mount takes (its own when it does not move).
    let earliest: [Int32]

    init(_ spec: Spec) {
      self.spec = spec
      written = Self.writtenOrder(spec)
      earliest = Self.earliestPositions(spec, written)
    }

    /// The entries in the order they are applied: each mount takes the place of the earliest entry beneath it
    /// (ancestors before descendants there); the rest keep their written order.
    var order: [Int32] {
      // Nothing moves (the usual case): the written order stands, without a sort of every entry.
      guard written.indices.contains(where: { Int(earliest[$0]) < $0 }) else { return written }
      let depth = written.map { SetupOrder.depth(of: path(Int($0))) }
      let order = written.indices.sorted { a, b in
        let keyA = (earliest[a], earliest[a] < a ? 0 : 1, depth[a], a)
        let keyB = (earliest[b], earliest[b] < b ? 0 : 1, depth[b], b)
        return keyA < keyB
      }
      return order.map { written[$0] }
    }

    func moves() -> [(mount: Int, before: Item)] {
      var result: [(mount: Int, before: Item)] = []
      for position in written.indices where Int(earliest[position]) < position {
        let number = Int(written[position])
        if number < spec.mounts.count { result.append((number, item(Int(written[Int(earliest[position])])))) }
      }
      return result
    }

    func item(_ number: Int) -> Item {
      let mounts = spec.mounts.count
      return number < mounts ? .mount(number, spec.mounts[number]) : .file(number - mounts, spec.files[number - mounts])
    }

    func path(_ number: Int) -> String {
      let mounts = spec.mounts.count
      return number < mounts ? spec.mounts[number].target : spec.files[number - mounts].path
    }

    /// Mounts, then files, sorted by where they are written only when `[[files]]` entries are written among the
    /// mounts (they are decoded in file order); an entry with no origin sorts by its index.
    private static func writtenOrder(_ spec: Spec) -> [Int32] {
      let count = spec.mounts.count + spec.files.count
      var offsets: [Int] = []
      offsets.reserveCapacity(count)
      for index in spec.mounts.indices { offsets.append(spec.origins.origin("mounts", index)?.start.offset ?? index) }
      for index in spec.files.indices { offsets.append(spec.origins.origin("files", index)?.start.offset ?? index) }
      let numbers = (0..<count).map { Int32($0) }
      guard !zip(offsets, offsets.dropFirst()).allSatisfy({ $0 < $1 }) else { return numbers }
      // Ties (entries with no origin) keep mounts-then-files order.
      return numbers.sorted { (offsets[Int($0)], $0) < (offsets[Int($1)], $1) }
    }

    /// For each position, the earliest position of an entry beneath the mount there (itself when none is earlier).
    /// The mounts on one target are chained by position (`next`) from a dictionary holding the first, so that no
    /// array is made per target.
    private static func earliestPositions(_ spec: Spec, _ written: [Int32]) -> [Int32] {
      let mounts = spec.mounts.count
      var first: [Substring: Int32] = [:]
      first.reserveCapacity(mounts)
      var next = [Int32](repeating: -1, count: written.count)
      // Backwards, so that each target's chain runs in written order.
      for position in written.indices.reversed() where Int(written[position]) < mounts {
        let target = spec.mounts[Int(written[position])].target[...]
        if let later = first.updateValue(Int32(position), forKey: target) { next[position] = later }
      }
      var earliest = written.indices.map { Int32($0) }
      guard !first.isEmpty else { return earliest }
      // The lengths of the targets in bytes: an ASCII folder of any other length holds no mount, and is not looked
      // up (hashing it cost more than the rest of the walk). Two ASCII strings are `==` only byte for byte; a
      // folder or a target that is not ASCII (where `==`, canonical equivalence, may match other lengths) is
      // always looked up.
      var targetLengths = [Bool](repeating: false, count: 256)
      var anyLength = false
      for target in first.keys {
        let length = target.utf8.count
        if length < targetLengths.count && target.utf8.allSatisfy({ $0 < 0x80 }) {
          targetLengths[length] = true
        } else {
          anyLength = true
        }
      }
      for (position, number) in written.enumerated() {
        let path = number < mounts ? spec.mounts[Int(number)].target : spec.files[Int(number) - mounts].path
        forEachAncestor(of: path) { ancestor, length in
          guard anyLength || length < 0 || (length < targetLengths.count && targetLengths[length]) else { return }
          var mount = first[ancestor] ?? -1
          while mount >= 0 {
            if position < earliest[Int(mount)] { earliest[Int(mount)] = Int32(position) }
            mount = next[Int(mount)]
          }
        }
      }
      return earliest
    }
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
