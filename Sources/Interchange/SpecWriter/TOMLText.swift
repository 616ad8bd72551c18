/// TOML 1.0 spellings of keys, strings and comments, as the spec writer needs them.
enum TOMLText {
  /// A key as written: bare when it is letters, digits, `-` and `_` only, else a quoted basic string.
  static func key(_ name: String) -> String {
    let bare =
      !name.isEmpty
      && name.unicodeScalars.allSatisfy {
        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
      }
    return bare ? name : string(name)
  }

  /// A basic string, with `"`, `\` and control characters escaped.
  static func string(_ value: String) -> String {
    var result = "\""
    for scalar in value.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case "\t": result += "\\t"
      case "\r": result += "\\r"
      default:
        if scalar.value < 0x20 || scalar.value == 0x7F {
          let hex = String(scalar.value, radix: 16, uppercase: true)
          result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          result.unicodeScalars.append(scalar)
        }
      }
    }
    return result + "\""
  }

  /// An array of strings on one line.
  static func strings(_ values: [String]) -> String { "[" + values.map(string).joined(separator: ", ") + "]" }

  /// `text` as comment lines, each starting `# `; control characters become U+FFFD so a comment stays one comment.
  static func comment(_ text: String) -> [String] {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
      var clean = ""
      for scalar in line.unicodeScalars {
        clean.unicodeScalars.append(scalar.value < 0x20 || scalar.value == 0x7F ? "\u{FFFD}" : scalar)
      }
      return clean.isEmpty ? "#" : "# " + clean
    }
  }
}
