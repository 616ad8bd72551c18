/// UTF-8 checks done once over the whole document before parsing, so the lexers can treat every byte >= 0x80 as
/// part of a valid scalar and only decide where non-ASCII text is allowed.
enum TOMLUTF8 {
  static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

  /// The offset of the first byte that does not start a well-formed UTF-8 sequence (overlong forms, surrogates,
  /// values past U+10FFFF and truncated sequences all count), or `nil` when the bytes are valid.
  static func firstInvalidOffset(in bytes: [UInt8], from start: Int = 0) -> Int? {
    var index = start
    while index < bytes.count {
      if bytes[index] < 0x80 {
        index += 1
        continue
      }
      let length = sequenceLength(at: index, in: bytes)
      if length == 0 { return index }
      index += length
    }
    return nil
  }

  /// The length of the well-formed sequence starting at `index` (1 for ASCII), or 0 when the bytes there are not
  /// well-formed UTF-8. Ranges follow the Unicode standard's table of well-formed byte sequences.
  static func sequenceLength(at index: Int, in bytes: [UInt8]) -> Int {
    guard index >= 0, index < bytes.count else { return 0 }
    let lead = bytes[index]
    let secondRange: ClosedRange<UInt8>
    let length: Int
    switch lead {
    case 0x00...0x7F: return 1
    case 0xC2...0xDF: (length, secondRange) = (2, 0x80...0xBF)
    case 0xE0: (length, secondRange) = (3, 0xA0...0xBF)
    case 0xE1...0xEC, 0xEE...0xEF: (length, secondRange) = (3, 0x80...0xBF)
    case 0xED: (length, secondRange) = (3, 0x80...0x9F)  // excludes UTF-16 surrogates
    case 0xF0: (length, secondRange) = (4, 0x90...0xBF)
    case 0xF1...0xF3: (length, secondRange) = (4, 0x80...0xBF)
    case 0xF4: (length, secondRange) = (4, 0x80...0x8F)  // stops at U+10FFFF
    default: return 0
    }
    guard index + length <= bytes.count, secondRange.contains(bytes[index + 1]) else { return 0 }
    for next in (index + 2)..<(index + length) where bytes[next] & 0xC0 != 0x80 { return 0 }
    return length
  }

  /// The scalar encoded at `index`, or `nil` when the bytes there are not well-formed.
  static func scalar(at index: Int, in bytes: [UInt8]) -> Unicode.Scalar? {
    let length = sequenceLength(at: index, in: bytes)
    guard length > 0 else { return nil }
    var value = UInt32(bytes[index])
    if length > 1 {
      value &= UInt32(0xFF >> (length + 1))
      for next in (index + 1)..<(index + length) { value = value << 6 | UInt32(bytes[next] & 0x3F) }
    }
    return Unicode.Scalar(value)
  }
}
