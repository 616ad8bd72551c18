/// What one list holds and another does not, element by element, as multisets under a key: an element the old
/// list holds twice and the new once is one removed. Order within each side is kept.
public struct ListDifference<Element: Sendable & Hashable>: Sendable, Hashable {
  /// The old list's elements the new list does not hold (as many times), in old order.
  public var removed: [Element]
  /// The new list's elements the old list does not hold (as many times), in new order.
  public var added: [Element]
  /// How many elements of the new list the old list holds too.
  public var unchanged: Int

  /// True when both lists hold the same elements as many times, in whatever order.
  public var isEmpty: Bool { removed.isEmpty && added.isEmpty }

  /// Compares `old` with `new`, two elements being the same when their `key` is.
  public init(old: [Element], new: [Element], key: (Element) -> String) {
    removed = Self.left(of: old, besides: new, key: key)
    added = Self.left(of: new, besides: old, key: key)
    unchanged = new.count - added.count
  }

  /// The elements of `list`, in order, that `other` does not account for: each of `other`'s keys accounts for one
  /// element of that key, the first not yet accounted for.
  private static func left(of list: [Element], besides other: [Element], key: (Element) -> String) -> [Element] {
    var available = other.reduce(into: [String: Int]()) { $0[key($1), default: 0] += 1 }
    return list.filter { element in
      let key = key(element)
      guard let count = available[key], count > 0 else { return true }
      available[key] = count - 1
      return false
    }
  }
}
