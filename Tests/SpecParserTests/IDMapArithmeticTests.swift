import Testing

@testable import SpecParser

/// The one place that carries an ID across a map line (``IDMapping/insideID(of:caller:)`` and the rest): ranges on
/// each side, the caller's own ID, the edges of the 32-bit range and the kernel's "no ID".
@Suite struct IDMapArithmeticTests {
  let subordinate = IDMapping(inside: 1, outside: .id(100_000), count: 65536)
  let caller = IDMapping(inside: 0, outside: .caller, count: 1)

  @Test func rangesOnEachSide() {
    #expect(subordinate.fixedInsideRange == 1..<65537)
    #expect(subordinate.outsideRange(caller: 7) == 100_000..<165_536)
    #expect(subordinate.fixedOutsideRange == 100_000..<165_536)
    #expect(caller.fixedOutsideRange == nil)
    #expect(caller.outsideRange(caller: 1000) == 1000..<1001)
  }

  @Test func carriesAnIDEitherWay() {
    #expect(subordinate.outsideID(of: 1, caller: 1000) == 100_000)
    #expect(subordinate.outsideID(of: 65536, caller: 1000) == 165_535)
    #expect(subordinate.outsideID(of: 0, caller: 1000) == nil)
    #expect(subordinate.outsideID(of: 65537, caller: 1000) == nil)
    #expect(subordinate.insideID(of: 165_535, caller: 1000) == 65536)
    #expect(subordinate.insideID(of: 99_999, caller: 1000) == nil)
    #expect(caller.insideID(of: 1000, caller: 1000) == 0)
    #expect(caller.outsideID(of: 0, caller: 1000) == 1000)
  }

  /// The first line that maps an ID answers; none gives nil.
  @Test func aMapAsksItsLinesInOrder() {
    let map = [caller, subordinate]
    #expect(map.outsideID(of: 0, caller: 1000) == 1000)
    #expect(map.outsideID(of: 2, caller: 1000) == 100_001)
    #expect(map.insideID(of: 1000, caller: 1000) == 0)
    #expect(map.insideID(of: 5, caller: 1000) == nil)
    #expect([IDMapping]().outsideID(of: 0, caller: 1000) == nil)
  }

  /// A line may end at 2^32 on the inside (`0 0 4294967295` maps every ID) but no side may reach the "no ID".
  @Test func theEdgesOfTheRange() {
    let everything = IDMapping(inside: 0, outside: .id(0), count: UInt32.max)
    #expect(everything.fits)
    #expect(everything.outsideID(of: UInt32.max - 1, caller: 0) == UInt32.max - 1)
    #expect(everything.outsideID(of: UInt32.max, caller: 0) == nil)
    #expect(!IDMapping(inside: 1, outside: .id(0), count: UInt32.max).fits)
    #expect(!IDMapping(inside: 0, outside: .id(1), count: UInt32.max).fits)
    // The caller's ID is known only when planning: the line fits as far as the spec can tell.
    #expect(IDMapping(inside: 0, outside: .caller, count: 10).fits)
  }

  /// A caller's range that would run past 2^32 carries no ID there rather than wrapping round (or trapping).
  @Test func aCallersRangePast32BitsCarriesNothingThere() {
    let line = IDMapping(inside: 0, outside: .caller, count: 10)
    #expect(line.outsideID(of: 2, caller: UInt32.max - 1) == nil)
    #expect(line.outsideID(of: 0, caller: UInt32.max - 1) == UInt32.max - 1)
    #expect(line.insideID(of: UInt32.max - 1, caller: UInt32.max - 1) == 0)
  }
}
