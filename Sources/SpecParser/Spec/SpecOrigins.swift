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
      if let (array, index, rest) = Self.split(path), let position = arrays.firstIndex(where: { $0.name == array }),
        index < arrays[position].elements.count,
        let entry = arrays[position].elements[index].first(where: { $0.rest == rest })
      {
        return entry.range
      }
      return others.isEmpty ? nil : others[path]
    }
    set {
      guard let (array, index, rest) = Self.split(path) else {
        others[path] = newValue
        return
      }
      let position = arrays.firstIndex { $0.name == array }
      let count = position.map { arrays[$0].elements.count } ?? 0
      guard index <= count else {
        others[path] = newValue
        othersHaveIndices = true
        return
      }
      if othersHaveIndices { others[path] = nil }
      guard let position else {
        guard let newValue else { return }
        arrays.append(ArrayOrigins(name: array, elements: [Self.newElement(rest, newValue)]))
        return
      }
      if index == count {
        guard let newValue else { return }
        arrays[position].elements.append(Self.newElement(rest, newValue))
      } else {
        arrays[position].elements[index].set(rest, newValue)
      }
    }
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

  /// `mounts[12].target` → (`mounts`, 12, `.target`): the path up to its first `[`, the index written there in
  /// plain decimal (no sign or leading zero, so that joining the parts gives back the same path), and the rest. Nil
  /// for a path with no such index, and for one that is not all ASCII (where comparing the parts might not be
  /// comparing the whole path: String compares canonical equivalents as equal).
  private static func split(_ path: SpecKeyPath) -> (String, Int, String)? {
    var text = path.description
    return text.withUTF8 { bytes -> (String, Int, String)? in
      var open = -1
      var position = 0
      while position < bytes.count {
        let byte = bytes[position]
        if byte >= 0x80 { return nil }
        if byte == UInt8(ascii: "[") && open < 0 { open = position }
        position += 1
      }
      guard open >= 0 else { return nil }
      position = open + 1
      var index = 0
      while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
        // No leading zero, and at most 9 digits.
        if (position > open + 1 && index == 0) || position - open > 9 { return nil }
        index = index * 10 + Int(bytes[position] - UInt8(ascii: "0"))
        position += 1
      }
      guard position > open + 1, position < bytes.count, bytes[position] == UInt8(ascii: "]") else { return nil }
      let array = String(decoding: UnsafeBufferPointer(rebasing: bytes[..<open]), as: UTF8.self)
      let rest = String(decoding: UnsafeBufferPointer(rebasing: bytes[(position + 1)...]), as: UTF8.self)
      return (array, index, rest)
    }
  }
}

extension Array where Element == SpecOrigins.Entry {
  /// Sets (or with nil, removes) the origin of the path ending in `rest`.
  fileprivate mutating func set(_ rest: String, _ range: SourceRange?) {
    let position = firstIndex { $0.rest == rest }
    switch (position, range) {
    case (let position?, let range?): self[position].range = range
    case (let position?, nil): remove(at: position)
    case (nil, let range?): append(SpecOrigins.Entry(rest: rest, range: range))
    case (nil, nil): break
    }
  }
}
