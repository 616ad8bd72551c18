/// An IPv4 or IPv6 address, as its bytes in network order (4 or 16 of them).
///
/// Parsed and printed here, without inet_pton(3): the spec parser uses no C library. IPv4 is the dotted quad of
/// inet(3) in its strict form (four decimal numbers 0–255, no leading zeros); IPv6 is RFC 4291 section 2.2's text
/// form (hex groups, one `::`, an IPv4 tail), printed as RFC 5952 says.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
  public enum Family: String, Sendable, Hashable, CaseIterable {
    /// AF_INET.
    case ipv4
    /// AF_INET6.
    case ipv6

    /// The number of bytes of an address.
    public var byteCount: Int { self == .ipv4 ? 4 : 16 }
    /// The largest prefix length.
    public var bits: Int { byteCount * 8 }
  }

  public let family: Family
  /// The address in network byte order.
  public let bytes: [UInt8]

  /// nil unless `bytes` has the family's length.
  public init?(family: Family, bytes: [UInt8]) {
    guard bytes.count == family.byteCount else { return nil }
    self.family = family
    self.bytes = bytes
  }

  /// Parses an IPv4 or IPv6 address; nil for anything else (a zone `%eth0`, a prefix, spaces).
  public init?(_ text: String) {
    if text.contains(":") {
      guard let bytes = Self.parseIPv6(Substring(text)) else { return nil }
      self.init(family: .ipv6, bytes: bytes)
    } else {
      guard let bytes = Self.parseIPv4(Substring(text)) else { return nil }
      self.init(family: .ipv4, bytes: bytes)
    }
  }

  public var description: String {
    switch family {
    case .ipv4: bytes.map(String.init).joined(separator: ".")
    case .ipv6: Self.formatIPv6(bytes)
    }
  }

  /// The address with every bit past `prefixLength` cleared: the network it lies in.
  public func masked(to prefixLength: Int) -> IPAddress {
    var result = bytes
    for index in result.indices {
      let kept = max(0, min(8, prefixLength - index * 8))
      result[index] &= kept == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - kept))
    }
    return IPAddress(family: family, bytes: result) ?? self
  }

  private static func parseIPv4(_ text: Substring) -> [UInt8]? {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 4 else { return nil }
    var bytes: [UInt8] = []
    for part in parts {
      guard !part.isEmpty, part.count <= 3, part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
        part.count == 1 || part.first != "0", let value = UInt8(part)
      else { return nil }
      bytes.append(value)
    }
    return bytes
  }

  private static func parseIPv6(_ text: Substring) -> [UInt8]? {
    let halves = text.split(separator: "::", omittingEmptySubsequences: false)
    guard halves.count <= 2 else { return nil }
    guard let head = groups(halves[0], last: halves.count == 1) else { return nil }
    if halves.count == 1 { return head.count == 16 ? head : nil }
    guard let tail = groups(halves[1], last: true), head.count + tail.count <= 14 else { return nil }
    return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
  }

  /// The bytes of colon-separated hex groups; the last may be a dotted IPv4 address when `last`.
  private static func groups(_ text: Substring, last: Bool) -> [UInt8]? {
    guard !text.isEmpty else { return [] }
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    var bytes: [UInt8] = []
    for (index, part) in parts.enumerated() {
      if last, index == parts.count - 1, part.contains(".") {
        guard let quad = parseIPv4(part) else { return nil }
        bytes += quad
        continue
      }
      guard (1...4).contains(part.count), let value = UInt16(part, radix: 16),
        part.utf8.allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "-") })
      else { return nil }
      bytes += [UInt8(value >> 8), UInt8(value & 0xFF)]
    }
    return bytes.count <= 16 ? bytes : nil
  }

  /// RFC 5952: lower-case hex without leading zeros, the longest run of two or more zero groups (the first of equal
  /// ones) as `::`.
  private static func formatIPv6(_ bytes: [UInt8]) -> String {
    let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
    var best: (start: Int, count: Int) = (-1, 0)
    var index = 0
    while index < 8 {
      var end = index
      while end < 8, groups[end] == 0 { end += 1 }
      if end - index > best.count { best = (index, end - index) }
      index = end == index ? index + 1 : end
    }
    let hex = groups.map { String($0, radix: 16) }
    guard best.count >= 2 else { return hex.joined(separator: ":") }
    let head = hex[..<best.start].joined(separator: ":")
    let tail = hex[(best.start + best.count)...].joined(separator: ":")
    return head + "::" + tail
  }
}

/// An address with its prefix length, as an interface carries it: `10.88.0.2/24`, `fd00:88::2/64` (CIDR notation,
/// RFC 4632 section 3.1).
public struct InterfaceAddress: Sendable, Hashable, CustomStringConvertible {
  public var address: IPAddress
  /// The number of leading bits that name the subnet: 0–32 for IPv4, 0–128 for IPv6.
  public var prefixLength: Int

  public init(address: IPAddress, prefixLength: Int) {
    self.address = address
    self.prefixLength = prefixLength
  }

  /// Parses `ADDRESS/PREFIX`; the problem, said for a message, when it is not one.
  public static func parse(_ text: String) -> Result<InterfaceAddress, CIDRProblem> {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2 else { return .failure(.noPrefix) }
    guard let address = IPAddress(String(parts[0])) else { return .failure(.badAddress(String(parts[0]))) }
    let digits = parts[1]
    guard !digits.isEmpty, digits.count <= 3, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
      let prefix = Int(digits), prefix <= address.family.bits
    else { return .failure(.badPrefix(String(parts[1]), family: address.family)) }
    return .success(InterfaceAddress(address: address, prefixLength: prefix))
  }

  /// The subnet: the address masked to its prefix.
  public var network: IPAddress { address.masked(to: prefixLength) }

  /// Whether `other` lies in this address's subnet.
  public func contains(_ other: IPAddress) -> Bool {
    other.family == address.family && other.masked(to: prefixLength) == network
  }

  public var description: String { "\(address)/\(prefixLength)" }
}

/// Why a string is not `ADDRESS/PREFIX`.
public enum CIDRProblem: Error, Sendable, Hashable, CustomStringConvertible {
  case noPrefix
  case badAddress(String)
  case badPrefix(String, family: IPAddress.Family)

  public var description: String {
    switch self {
    case .noPrefix: "has no prefix length (write ADDRESS/PREFIX, such as 10.88.0.2/24)"
    case .badAddress(let text): "has '\(text)', which is not an IPv4 or IPv6 address"
    case .badPrefix(let text, let family):
      "has prefix length '\(text)'; an \(family == .ipv4 ? "IPv4" : "IPv6") prefix is 0 to \(family.bits)"
    }
  }
}
