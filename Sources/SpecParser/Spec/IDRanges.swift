/// The range arithmetic of ID maps (user_namespaces(7)), in one place: which IDs a line maps on each side, and
/// what an ID on one side is on the other. Ranges are `UInt64` because a line may end at 2^32 (`0 0 4294967295`).
extension IDMapping {
  /// The kernel's "no ID", (uid_t)-1: no range may reach it, so a line's start + count stays at or below it.
  public static let noID = UInt32.max

  /// Whether both fixed sides of the line stay below ``noID``, as the kernel requires; a side starting at the
  /// caller's ID is checked when the plan is made (``resolved(caller:)``).
  public var fits: Bool {
    (fixedInsideRange?.upperBound ?? 0) <= UInt64(Self.noID)
      && (fixedOutsideRange?.upperBound ?? 0) <= UInt64(Self.noID)
  }

  /// The line with `caller` written in for ``Start/caller`` on both sides.
  public func resolved(caller: UInt32) -> IDMapping {
    IDMapping(inside: .id(insideStart(caller: caller)), outside: .id(outsideStart(caller: caller)), count: count)
  }

  /// The IDs inside the namespace this line maps: `inside` up to `inside + count`, exclusive, with `caller` for
  /// ``Start/caller``.
  public func insideRange(caller: UInt32) -> Range<UInt64> {
    Self.range(from: insideStart(caller: caller), count: count)
  }

  /// The IDs inside when they are fixed; nil for ``Start/caller``, known only when the plan is made.
  public var fixedInsideRange: Range<UInt64>? {
    guard case .id(let start) = inside else { return nil }
    return Self.range(from: start, count: count)
  }

  /// The first ID inside: the fixed one, or `caller`.
  public func insideStart(caller: UInt32) -> UInt32 {
    switch inside {
    case .id(let id): id
    case .caller: caller
    }
  }

  /// The IDs outside the namespace this line maps, with `caller` for ``Outside/caller``.
  public func outsideRange(caller: UInt32) -> Range<UInt64> {
    Self.range(from: outsideStart(caller: caller), count: count)
  }

  /// The IDs outside when they are fixed; nil for ``Outside/caller``, known only when the plan is made.
  public var fixedOutsideRange: Range<UInt64>? {
    guard case .id(let start) = outside else { return nil }
    return Self.range(from: start, count: count)
  }

  /// The first ID outside: the fixed one, or `caller`.
  public func outsideStart(caller: UInt32) -> UInt32 {
    switch outside {
    case .id(let id): id
    case .caller: caller
    }
  }

  /// The ID outside that `inside` maps to through this line, or nil when the line leaves it out.
  public func outsideID(of id: UInt32, caller: UInt32) -> UInt32? {
    Self.translate(id, from: insideRange(caller: caller), to: outsideStart(caller: caller))
  }

  /// The ID inside that `outside` maps to through this line, or nil when the line leaves it out.
  public func insideID(of id: UInt32, caller: UInt32) -> UInt32? {
    Self.translate(id, from: outsideRange(caller: caller), to: insideStart(caller: caller))
  }

  private static func range(from start: UInt32, count: UInt32) -> Range<UInt64> {
    UInt64(start)..<UInt64(start) + UInt64(count)
  }

  /// `id`'s place in `range` carried to the range starting at `start`; nil outside `range`, or past the last ID.
  private static func translate(_ id: UInt32, from range: Range<UInt64>, to start: UInt32) -> UInt32? {
    guard range.contains(UInt64(id)) else { return nil }
    return UInt32(exactly: UInt64(start) + UInt64(id) - range.lowerBound)
  }
}

extension Array where Element == IDMapping {
  /// The ID outside that `id` inside maps to, through the first line that maps it; nil when none does.
  public func outsideID(of id: UInt32, caller: UInt32) -> UInt32? {
    lazy.compactMap { $0.outsideID(of: id, caller: caller) }.first
  }

  /// The ID inside that `id` outside maps to, through the first line that maps it; nil when none does.
  public func insideID(of id: UInt32, caller: UInt32) -> UInt32? {
    lazy.compactMap { $0.insideID(of: id, caller: caller) }.first
  }
}
