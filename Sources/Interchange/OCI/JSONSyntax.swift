/// A JSON document's shape with the byte offset of every value and key (RFC 8259 syntax), so that an import can say
/// at which line and column a field stands, and a malformed document is refused at the place it breaks: Foundation's
/// JSONDecoder says only that the data is not valid JSON.
public struct JSONNode: Sendable, Equatable {
  public enum Kind: Sendable, Equatable {
    /// Members in document order, each with its key's offset.
    case object([Member])
    case array([JSONNode])
    case string(String)
    /// A number, true, false or null, as written.
    case scalar(String)
  }

  public struct Member: Sendable, Equatable {
    public var key: String
    public var keyOffset: Int
    public var value: JSONNode
  }

  /// The byte offset of the value's first character.
  public var offset: Int
  public var kind: Kind

  /// The member `key` of an object.
  public subscript(key: String) -> JSONNode? {
    guard case .object(let members) = kind else { return nil }
    return members.last { $0.key == key }?.value
  }

  /// The element `index` of an array.
  public subscript(index: Int) -> JSONNode? {
    guard case .array(let elements) = kind, elements.indices.contains(index) else { return nil }
    return elements[index]
  }
}

/// Where a JSON document breaks the syntax.
public struct JSONSyntaxError: Error, Sendable, Equatable {
  public var offset: Int
  public var message: String
}

/// Parses JSON text into a ``JSONNode`` tree.
public enum JSONSyntax {
  /// The deepest nesting accepted: deeper input is refused rather than recursed into.
  public static let maximumDepth = 256

  /// - Throws: ``JSONSyntaxError`` at the first byte that breaks the syntax (or the end, for a cut-off document).
  public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONNode {
    var parser = JSONParser(bytes: bytes)
    parser.skipSpace()
    let node = try parser.value(depth: 0)
    parser.skipSpace()
    guard parser.index == bytes.count else { throw parser.error("unexpected text after the document's end") }
    return node
  }

  /// The 1-based line and column (in Unicode scalars) of byte `offset` in `bytes`.
  public static func position(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
    var line = 1
    var lineStart = 0
    for index in 0..<min(offset, bytes.count) where bytes[index] == UInt8(ascii: "\n") {
      line += 1
      lineStart = index + 1
    }
    let prefix = bytes[lineStart..<min(max(offset, lineStart), bytes.count)]
    return (line, String(decoding: prefix, as: UTF8.self).unicodeScalars.count + 1)
  }
}

private struct JSONParser {
  let bytes: [UInt8]
  var index = 0

  init(bytes: [UInt8]) { self.bytes = bytes }

  func error(_ message: String) -> JSONSyntaxError { JSONSyntaxError(offset: index, message: message) }

  var current: UInt8? { index < bytes.count ? bytes[index] : nil }

  mutating func skipSpace() {
    while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
  }

  mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONNode {
    guard depth < JSONSyntax.maximumDepth else { throw error("nested deeper than \(JSONSyntax.maximumDepth) levels") }
    let start = index
    switch current {
    case UInt8(ascii: "{")?: return JSONNode(offset: start, kind: .object(try members(depth: depth)))
    case UInt8(ascii: "[")?: return JSONNode(offset: start, kind: .array(try elements(depth: depth)))
    case UInt8(ascii: "\"")?: return JSONNode(offset: start, kind: .string(try string()))
    case UInt8(ascii: "t")?, UInt8(ascii: "f")?, UInt8(ascii: "n")?:
      for word in ["true", "false", "null"] where bytes[index...].starts(with: word.utf8) {
        index += word.utf8.count
        return JSONNode(offset: start, kind: .scalar(word))
      }
      throw error("expected a value (true, false or null?)")
    case nil: throw error("the document ends where a value should be")
    default:
      return JSONNode(offset: start, kind: .scalar(try number()))
    }
  }

  mutating func members(depth: Int) throws(JSONSyntaxError) -> [JSONNode.Member] {
    index += 1
    skipSpace()
    var result: [JSONNode.Member] = []
    if current == UInt8(ascii: "}") {
      index += 1
      return result
    }
    while true {
      skipSpace()
      guard current == UInt8(ascii: "\"") else { throw error("expected a key in double quotes") }
      let keyOffset = index
      let key = try string()
      skipSpace()
      guard current == UInt8(ascii: ":") else { throw error("expected ':' after the key") }
      index += 1
      skipSpace()
      result.append(JSONNode.Member(key: key, keyOffset: keyOffset, value: try value(depth: depth + 1)))
      skipSpace()
      switch current {
      case UInt8(ascii: ",")?: index += 1
      case UInt8(ascii: "}")?:
        index += 1
        return result
      case nil: throw error("the document ends inside an object: expected '}'")
      default: throw error("expected ',' or '}' after a member")
      }
    }
  }

  mutating func elements(depth: Int) throws(JSONSyntaxError) -> [JSONNode] {
    index += 1
    skipSpace()
    var result: [JSONNode] = []
    if current == UInt8(ascii: "]") {
      index += 1
      return result
    }
    while true {
      skipSpace()
      result.append(try value(depth: depth + 1))
      skipSpace()
      switch current {
      case UInt8(ascii: ",")?: index += 1
      case UInt8(ascii: "]")?:
        index += 1
        return result
      case nil: throw error("the document ends inside an array: expected ']'")
      default: throw error("expected ',' or ']' after an element")
      }
    }
  }

  mutating func string() throws(JSONSyntaxError) -> String {
    index += 1
    var scalars = String.UnicodeScalarView()
    var run: [UInt8] = []
    func flush() {
      scalars.append(contentsOf: String(decoding: run, as: UTF8.self).unicodeScalars)
      run.removeAll()
    }
    while let byte = current {
      switch byte {
      case UInt8(ascii: "\""):
        index += 1
        flush()
        return String(scalars)
      case UInt8(ascii: "\\"):
        flush()
        index += 1
        scalars.append(try escape())
      case 0..<0x20: throw error("a control character in a string must be escaped")
      default:
        run.append(byte)
        index += 1
      }
    }
    throw error("the document ends inside a string: expected '\"'")
  }

  mutating func escape() throws(JSONSyntaxError) -> Unicode.Scalar {
    let backslash = index - 1
    guard let byte = current else { throw error("the document ends inside an escape") }
    index += 1
    switch byte {
    case UInt8(ascii: "\""): return "\""
    case UInt8(ascii: "\\"): return "\\"
    case UInt8(ascii: "/"): return "/"
    case UInt8(ascii: "b"): return "\u{08}"
    case UInt8(ascii: "f"): return "\u{0C}"
    case UInt8(ascii: "n"): return "\n"
    case UInt8(ascii: "r"): return "\r"
    case UInt8(ascii: "t"): return "\t"
    case UInt8(ascii: "u"):
      let unit = try hex4()
      if (0xD800..<0xDC00).contains(unit), bytes[index...].starts(with: "\\u".utf8) {
        index += 2
        let low = try hex4()
        if (0xDC00..<0xE000).contains(low),
          let scalar = Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
        {
          return scalar
        }
        return "\u{FFFD}"
      }
      return Unicode.Scalar(unit) ?? "\u{FFFD}"
    default:
      throw JSONSyntaxError(offset: backslash, message: "unknown escape '\\\(Character(Unicode.Scalar(byte)))'")
    }
  }

  mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
    let digits = index + 4 <= bytes.count ? bytes[index..<index + 4] : []
    // Digits only: UInt32(_:radix:) would also take a sign.
    guard digits.count == 4, digits.allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit }),
      let value = UInt32(String(decoding: digits, as: UTF8.self), radix: 16)
    else { throw error("expected four hex digits after \\u") }
    index += 4
    return value
  }

  /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
  mutating func number() throws(JSONSyntaxError) -> String {
    let start = index
    func digits() -> Int {
      let first = index
      while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
      return index - first
    }
    if current == UInt8(ascii: "-") { index += 1 }
    let integerStart = index
    guard digits() > 0 else { throw JSONSyntaxError(offset: start, message: "expected a value") }
    if bytes[integerStart] == UInt8(ascii: "0"), index - integerStart > 1 {
      throw JSONSyntaxError(offset: integerStart, message: "a number has no leading zeros")
    }
    if current == UInt8(ascii: ".") {
      index += 1
      guard digits() > 0 else { throw error("expected digits after the decimal point") }
    }
    if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
      index += 1
      if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
      guard digits() > 0 else { throw error("expected digits in the exponent") }
    }
    return String(decoding: bytes[start..<index], as: UTF8.self)
  }
}
