/// Walks a document's bytes one at a time and keeps the line and column of the current byte, so every token can be
/// given its ``SourceRange`` without rescanning the line.
///
/// Reading past the end is not an error here: `peek` answers `nil` and `advance` does nothing, so the lexers only
/// have to decide what a missing byte means in their context.
struct TOMLByteCursor {
  let bytes: [UInt8]
  private(set) var offset: Int
  private(set) var line = 1
  private(set) var column = 1

  /// Starts at `offset` on line 1, column 1. The BOM skipper uses a non-zero start so the first visible character
  /// still reports column 1: an editor does not show the BOM.
  init(bytes: [UInt8], offset: Int = 0) {
    self.bytes = bytes
    self.offset = min(max(offset, 0), bytes.count)
  }

  var isAtEnd: Bool { offset >= bytes.count }

  var location: SourceLocation { SourceLocation(line: line, column: column, offset: offset) }

  /// The byte `ahead` positions past the current one, or `nil` past the end.
  func peek(_ ahead: Int = 0) -> UInt8? {
    let index = offset + ahead
    return index < bytes.count ? bytes[index] : nil
  }

  /// Whether the bytes at the cursor spell `literal`.
  func starts(with literal: [UInt8]) -> Bool {
    guard bytes.count - offset >= literal.count else { return false }
    for (index, byte) in literal.enumerated() where bytes[offset + index] != byte { return false }
    return true
  }

  /// Moves past one byte. A line feed starts a new line; UTF-8 continuation bytes do not move the column, which is
  /// how columns end up counting Unicode scalars.
  mutating func advance() {
    guard offset < bytes.count else { return }
    let byte = bytes[offset]
    offset += 1
    if byte == TOMLASCII.lineFeed {
      line += 1
      column = 1
    } else if byte & 0xC0 != 0x80 {
      column += 1
    }
  }

  mutating func advance(by count: Int) {
    for _ in 0..<max(count, 0) { advance() }
  }

  /// The range from `start` to the current position.
  func range(from start: SourceLocation) -> SourceRange {
    SourceRange(start: start, end: location)
  }

  /// The range of the single character (one UTF-8 sequence) at the cursor, empty at the end of input.
  func rangeOfCurrentCharacter() -> SourceRange {
    var copy = self
    copy.advance(by: max(TOMLUTF8.sequenceLength(at: offset, in: bytes), 1))
    return SourceRange(start: location, end: copy.location)
  }

  /// The bytes between two offsets, clamped to the document.
  func slice(_ start: Int, _ end: Int) -> ArraySlice<UInt8> {
    let lower = min(max(start, 0), bytes.count)
    let upper = min(max(end, lower), bytes.count)
    return bytes[lower..<upper]
  }
}
