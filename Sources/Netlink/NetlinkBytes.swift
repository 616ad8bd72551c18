/// Appends the fields of netlink structures in the host's byte order, as netlink(7) carries them (only a few
/// attribute values, none used here, are in network order), and pads to NLMSG_ALIGNTO / NLA_ALIGNTO (4 bytes).
struct NetlinkWriter {
  private(set) var bytes: [UInt8] = []

  mutating func u8(_ value: UInt8) { bytes.append(value) }
  mutating func u16(_ value: UInt16) { withUnsafeBytes(of: value) { bytes += $0 } }
  mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value) { bytes += $0 } }
  mutating func i32(_ value: Int32) { withUnsafeBytes(of: value) { bytes += $0 } }
  mutating func append(_ more: [UInt8]) { bytes += more }

  /// Zeros up to the next multiple of 4.
  mutating func pad() { bytes += [UInt8](repeating: 0, count: NetlinkWriter.aligned(bytes.count) - bytes.count) }

  /// Overwrites the u16 at `offset` (a length known only once what follows is written).
  mutating func setU16(_ value: UInt16, at offset: Int) {
    withUnsafeBytes(of: value) { for (index, byte) in $0.enumerated() { bytes[offset + index] = byte } }
  }

  mutating func setU32(_ value: UInt32, at offset: Int) {
    withUnsafeBytes(of: value) { for (index, byte) in $0.enumerated() { bytes[offset + index] = byte } }
  }

  static func aligned(_ count: Int) -> Int { (count + 3) & ~3 }
}

/// Reads host-order fields out of a received message; every read is bounds-checked (nil past the end).
struct NetlinkReader {
  let bytes: ArraySlice<UInt8>

  init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

  func u16(at offset: Int) -> UInt16? { integer(at: offset) }
  func u32(at offset: Int) -> UInt32? { integer(at: offset) }
  func i32(at offset: Int) -> Int32? { integer(at: offset) }

  private func integer<T: FixedWidthInteger>(at offset: Int) -> T? {
    let start = bytes.startIndex + offset
    guard offset >= 0, start + MemoryLayout<T>.size <= bytes.endIndex else { return nil }
    var value: T = 0
    withUnsafeMutableBytes(of: &value) { raw in
      for index in 0..<MemoryLayout<T>.size { raw[index] = bytes[start + index] }
    }
    return value
  }

  /// The attributes (nlattr: u16 length, u16 type, payload) from `offset` to the end; stops at a malformed one.
  func attributes(from offset: Int) -> [(type: UInt16, payload: ArraySlice<UInt8>)] {
    var result: [(UInt16, ArraySlice<UInt8>)] = []
    var position = offset
    while let length = u16(at: position), let type = u16(at: position + 2), Int(length) >= 4,
      bytes.startIndex + position + Int(length) <= bytes.endIndex
    {
      let start = bytes.startIndex + position
      result.append((type & ~NetlinkNumbers.NLA_F_NESTED, bytes[(start + 4)..<(start + Int(length))]))
      position += NetlinkWriter.aligned(Int(length))
    }
    return result
  }
}
