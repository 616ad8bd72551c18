/// Where each part of a spec is written: a ``SourceRange`` by ``SpecKeyPath``, read and written like a dictionary.
///
/// A spec of many `[[mounts]]` holds several origins per entry (`mounts[7]`, `mounts[7].target`, ...). Kept as a
/// dictionary keyed by the full path, each took a heap string and a hashed slot, which made the origins the largest
/// part of a checked spec. Here a path with an index (`mounts[7].target`) is kept under its array (`mounts`), in a
/// list per index, by the rest of its path (`.target`, short enough to need no allocation); other paths, and
/// indices past the end of their array, go to a dictionary. Lookups give the same answers either way.
public struct SpecOrigins: Sendable, Hashable, ExpressibleByDictionaryLiteral {
  /// One origin of an array element: the path after `array[index]` ("" for the element itself) and its range.
  fileprivate struct Entry: Sendable {
    var rest: String
    var range: SourceRange
  }

  /// The origins beneath one array path, by index.
  private struct ArrayOrigins: Sendable {
    var name: String
    var elements: [[Entry]]
  }

  /// A spec has a handful of arrays (`mounts`, `files`, `process.args`, ...): a list searched in order beats hashing.
  private var arrays: [ArrayOrigins] = []
  /// The origins of every other path.
  private var others: [SpecKeyPath: SourceRange] = [:]
  /// Whether `others` holds a path with an index, which a later write to the array may need to take out.
  private var othersHaveIndices = false

  public init() {}

  public init(dictionaryLiteral pairs: (SpecKeyPath, SourceRange)...) {
    for (path, range) in pairs { self[path] = range }
  }

  public init(_ dictionary: [SpecKeyPath: SourceRange]) {
    for (path, range) in dictionary { self[path] = range }
  }

  /// The range where `path` is written, nil when nothing was recorded for it.
  public subscript(path: SpecKeyPath) -> SourceRange? {
    get {
      var text = path.description
      let inArray = text.withUTF8 { bytes -> SourceRange? in
        guard let place = Self.place(in: bytes),
          let array = arrays.first(where: { Self.equal($0.name, bytes[..<place.open]) }),
          place.index < array.elements.count
        else { return nil }
        return array.elements[place.index].first { Self.equal($0.rest, bytes[place.rest...]) }?.range
      }
      return inArray ?? (others.isEmpty ? nil : others[path])
    }
    set {
      var text = path.description
      let stored = text.withUTF8 { bytes in store(newValue, at: bytes) }
      guard !stored else {
        if othersHaveIndices { others[path] = nil }
        return
      }
      others[path] = newValue
      othersHaveIndices = othersHaveIndices || Self.place(in: path) != nil
    }
  }

  /// The range where element `index` of the array at `array` is written (`mounts`, 3: `mounts[3]`), or with `rest`
  /// the path beneath it (`.target`: `mounts[3].target`): what the subscript gives for the path spelt out, without
  /// spelling it, for callers that look up an origin per entry (the planner's order warnings).
  public func origin(_ array: String, _ index: Int, _ rest: String = "") -> SourceRange? {
    if index >= 0, let elements = arrays.first(where: { $0.name == array })?.elements, index < elements.count,
      let entry = elements[index].first(where: { $0.rest == rest })
    {
      return entry.range
    }
    // Only an index past the end of its array, or a path that is not ASCII, is kept in `others`.
    guard othersHaveIndices || (!others.isEmpty && (array + rest).utf8.contains(where: { $0 >= 0x80 })) else {
      return nil
    }
    return others[SpecKeyPath(array + "[" + String(index) + "]" + rest)]
  }

  /// Sets (or with nil, removes) the origin of element `index` of the array at `array`, or with `rest` of the path
  /// beneath it: what the subscript does with the path spelt out (`mounts[3].target`), without spelling it, for the
  /// decoder, which records several origins per `[[mounts]]` entry.
  public mutating func setOrigin(_ range: SourceRange?, _ array: String, _ index: Int, _ rest: String = "") {
    // The parts are kept as the subscript would split the path only where it would split it there: plain decimal
    // index, no `[` in the array's path, all ASCII. Anything else goes through the subscript.
    guard index >= 0, index < 100_000_000, !array.utf8.contains(where: { $0 == UInt8(ascii: "[") || $0 >= 0x80 }),
      !rest.utf8.contains(where: { $0 >= 0x80 })
    else {
      self[SpecKeyPath(array + "[" + String(index) + "]" + rest)] = range
      return
    }
    setElementOrigin(range, array, index, rest)
  }

  /// ``setOrigin(_:_:_:_:)`` for parts known to be kept as such: an index below 100,000,000, and ASCII `array`
  /// (with no `[`) and `rest`, as the decoder's keys are. Unchecked, as it runs for every value of every mount.
  mutating func setElementOrigin(_ range: SourceRange?, _ array: String, _ index: Int, _ rest: String) {
    if store(range, array, index, rest) {
      if othersHaveIndices { others[SpecKeyPath(array + "[" + String(index) + "]" + rest)] = nil }
      return
    }
    others[SpecKeyPath(array + "[" + String(index) + "]" + rest)] = range
    othersHaveIndices = true
  }

  /// ``store(_:at:)`` with the path in parts: the same cases, compared as strings (ASCII, so as bytes).
  private mutating func store(_ range: SourceRange?, _ name: String, _ index: Int, _ rest: String) -> Bool {
    guard let position = arrays.firstIndex(where: { $0.name == name }) else {
      guard index == 0 else { return false }
      if let range { arrays.append(ArrayOrigins(name: name, elements: [Self.newElement(rest, range)])) }
      return true
    }
    let count = arrays[position].elements.count
    guard index <= count else { return false }
    if index == count {
      if let range { arrays[position].elements.append(Self.newElement(rest, range)) }
      return true
    }
    let entry = arrays[position].elements[index].firstIndex { $0.rest == rest }
    switch (entry, range) {
    case (let entry?, let range?): arrays[position].elements[index][entry].range = range
    case (let entry?, nil): arrays[position].elements[index].remove(at: entry)
    case (nil, let range?): arrays[position].elements[index].append(Entry(rest: rest, range: range))
    case (nil, nil): break
    }
    return true
  }

  /// Sets (or with nil, removes) the origin of the path spelt by `bytes` when it has an index no further than the
  /// end of its array; false, with nothing changed, for any other path.
  private mutating func store(_ range: SourceRange?, at bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let place = Self.place(in: bytes) else { return false }
    let name = bytes[..<place.open]
    let rest = bytes[place.rest...]
    guard let position = arrays.firstIndex(where: { Self.equal($0.name, name) }) else {
      guard place.index == 0 else { return false }
      if let range {
        arrays.append(ArrayOrigins(name: Self.string(name), elements: [Self.newElement(Self.string(rest), range)]))
      }
      return true
    }
    let count = arrays[position].elements.count
    guard place.index <= count else { return false }
    if place.index == count {
      if let range { arrays[position].elements.append(Self.newElement(Self.string(rest), range)) }
      return true
    }
    let entry = arrays[position].elements[place.index].firstIndex { Self.equal($0.rest, rest) }
    switch (entry, range) {
    case (let entry?, let range?): arrays[position].elements[place.index][entry].range = range
    case (let entry?, nil): arrays[position].elements[place.index].remove(at: entry)
    case (nil, let range?): arrays[position].elements[place.index].append(Entry(rest: Self.string(rest), range: range))
    case (nil, nil): break
    }
    return true
  }

  /// The origins of a new element, with room for the few an entry has (a mount: itself, its type, its target, and
  /// options or size and mode).
  private static func newElement(_ rest: String, _ range: SourceRange) -> [Entry] {
    var list: [Entry] = []
    list.reserveCapacity(6)
    list.append(Entry(rest: rest, range: range))
    return list
  }

  /// Every path recorded, in no particular order.
  public var keys: [SpecKeyPath] { Array(dictionary.keys) }

  /// All origins as one dictionary.
  public var dictionary: [SpecKeyPath: SourceRange] {
    var result = others
    for array in arrays {
      for (index, entries) in array.elements.enumerated() {
        for entry in entries {
          result[SpecKeyPath(array.name + "[" + String(index) + "]" + entry.rest)] = entry.range
        }
      }
    }
    return result
  }

  public static func == (lhs: SpecOrigins, rhs: SpecOrigins) -> Bool { lhs.dictionary == rhs.dictionary }

  public func hash(into hasher: inout Hasher) { hasher.combine(dictionary) }

  /// Where the index of a path like `mounts[12].target` is: the offset of its `[`, the index (written in plain
  /// decimal: no sign or leading zero, so that the parts joined give back the same path), and the offset of the rest
  /// (`.target`). Nil for a path with no such index, and for one that is not all ASCII (where comparing the parts
  /// might not be comparing the whole: String compares canonical equivalents as equal).
  private static func place(in bytes: UnsafeBufferPointer<UInt8>) -> (open: Int, index: Int, rest: Int)? {
    var open = -1
    var any: UInt8 = 0
    var position = 0
    while position < bytes.count {
      let byte = bytes[position]
      any |= byte
      if byte == UInt8(ascii: "[") && open < 0 { open = position }
      position += 1
    }
    guard open >= 0, any < 0x80 else { return nil }
    position = open + 1
    var index = 0
    while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
      // No leading zero, and at most 9 digits.
      if (position > open + 1 && index == 0) || position - open > 9 { return nil }
      index = index * 10 + Int(bytes[position] - UInt8(ascii: "0"))
      position += 1
    }
    guard position > open + 1, position < bytes.count, bytes[position] == UInt8(ascii: "]") else { return nil }
    return (open, index, position + 1)
  }

  private static func place(in path: SpecKeyPath) -> (open: Int, index: Int, rest: Int)? {
    var text = path.description
    return text.withUTF8 { place(in: $0) }
  }

  /// Whether `string` is exactly `bytes` (both ASCII here, where that is String equality).
  private static func equal(_ string: String, _ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
    guard string.utf8.count == bytes.count else { return false }
    // Byte by byte over contiguous storage (a short string is copied to the stack for it), not through iterators.
    let same = string.utf8.withContiguousStorageIfAvailable { stored in
      var position = 0
      while position < stored.count {
        if stored[position] != bytes[bytes.startIndex + position] { return false }
        position += 1
      }
      return true
    }
    return same ?? string.utf8.elementsEqual(bytes)
  }

  private static func string(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> String {
    String(decoding: UnsafeBufferPointer(rebasing: bytes), as: UTF8.self)
  }
}
