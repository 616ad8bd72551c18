/// Scalars as Kubernetes reads them: its YAML reader (sigs.k8s.io/yaml over go-yaml) and kubectl follow YAML 1.1,
/// where a plain `no`, `on`, `y`, `0o17`, `017` or `1:20` is not a string. Writing a string plain only when no
/// YAML 1.1 reader takes it for something else keeps `hostname: "no"` a hostname.
extension YAMLNode {
  /// A string scalar: plain when it reads back as that string, double-quoted otherwise, a literal block for text
  /// of several lines (libyaml falls back to quotes when a block cannot hold it, as with trailing spaces).
  public static func string(_ text: String) -> YAMLNode {
    if text.contains("\n") { return YAMLNode(.scalar(text, style: .literal)) }
    return YAMLNode(.scalar(text, style: YAMLScalars.isPlainString(text) ? .plain : .doubleQuoted))
  }

  /// An integer scalar, plain.
  public static func integer<T: BinaryInteger>(_ value: T) -> YAMLNode {
    YAMLNode(.scalar(String(value), style: .plain))
  }

  /// `true` or `false`, plain.
  public static func boolean(_ value: Bool) -> YAMLNode {
    YAMLNode(.scalar(value ? "true" : "false", style: .plain))
  }

  /// A mapping of string keys, in the order given.
  public static func mapping(_ pairs: [(String, YAMLNode)]) -> YAMLNode {
    YAMLNode(.mapping(pairs.map { YAMLPair(.string($0.0), $0.1) }))
  }

  /// A sequence.
  public static func sequence(_ items: [YAMLNode]) -> YAMLNode {
    YAMLNode(.sequence(items))
  }
}

/// The YAML 1.1 resolution of plain scalars (yaml.org/type: bool, int, float, null, timestamp, merge, value).
public enum YAMLScalars {
  /// Words a YAML 1.1 reader takes for a boolean or null, in any of their spellings.
  static let reserved: Set<String> = [
    "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~",
  ]

  /// Whether `text` written plain reads back as the string `text` under YAML 1.1 and 1.2. Conservative: a text
  /// starting with a digit, a sign or a dot (numbers, octal `0o17`, sexagesimal `1:20`, dates, `.inf`) is quoted,
  /// as are the reserved words, `<<` and `=`, empty text and text with leading or trailing blanks; libyaml itself
  /// quotes what plain style cannot hold at all (`: `, ` #`, a leading indicator).
  public static func isPlainString(_ text: String) -> Bool {
    guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last else { return false }
    if reserved.contains(text.lowercased()) || text == "<<" || text == "=" { return false }
    if first == " " || last == " " || first == "\t" || last == "\t" { return false }
    if ("0"..."9").contains(first) || first == "-" || first == "+" || first == "." { return false }
    return text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
  }

  /// A plain scalar read as YAML 1.1 `bool` (`true`, `False`, `yes`, `off`...), nil for anything else; quoted text
  /// is a string, never a boolean.
  public static func boolean(_ node: YAMLNode) -> Bool? {
    guard case .scalar(let text, .plain) = node.content, node.tag == nil || node.tag == "tag:yaml.org,2002:bool"
    else { return nil }
    switch text.lowercased() {
    case "true", "yes", "on", "y": return true
    case "false", "no", "off", "n": return false
    default: return nil
    }
  }

  /// A plain scalar read as an integer: decimal with an optional sign, `0x` hex, `0o` or leading-`0` octal, `_`
  /// between digits (YAML 1.1 int); nil for anything else, quoted text included.
  public static func integer(_ node: YAMLNode) -> Int64? {
    guard case .scalar(var text, .plain) = node.content, node.tag == nil || node.tag == "tag:yaml.org,2002:int"
    else { return nil }
    text.removeAll { $0 == "_" }
    var sign: Int64 = 1
    if text.hasPrefix("-") || text.hasPrefix("+") {
      if text.hasPrefix("-") { sign = -1 }
      text.removeFirst()
    }
    let magnitude: Int64?
    if text.hasPrefix("0x") {
      magnitude = Int64(text.dropFirst(2), radix: 16)
    } else if text.hasPrefix("0o") {
      magnitude = Int64(text.dropFirst(2), radix: 8)
    } else if text.count > 1, text.hasPrefix("0") {
      magnitude = Int64(text.dropFirst(), radix: 8)
    } else {
      magnitude = Int64(text, radix: 10)
    }
    guard let magnitude, text.first?.isASCII == true else { return nil }
    return magnitude * sign
  }

  /// Whether the node is YAML's null: an empty or `~`/`null` plain scalar.
  public static func isNull(_ node: YAMLNode) -> Bool {
    guard case .scalar(let text, .plain) = node.content else { return false }
    return node.tag == nil && ["", "~", "null", "Null", "NULL"].contains(text)
  }
}
