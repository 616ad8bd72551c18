/// `${NAME}` in a spec value: replaced by its value from ``SpecVariables`` before the value is read as a path or
/// kept as an environment value. `$$` is one literal `$`; any other `$` stays as written, except that in a host path
/// `$NAME` without braces is an error (a shell would expand it; nsbuild would otherwise take it as a folder name).
/// Each problem is reported at the reference itself, `${HOMR}` rather than the whole string, when the string is
/// written without escapes (a literal string, or a basic string that needs none); else at the whole value.
extension SpecSections {
  /// Where a value goes, which decides what `$NAME` without braces means.
  enum SubstitutionUse {
    /// A host path (`source`, `lower`, `upper`, `work`, `[root] path`): `$NAME` is an error.
    case hostPath
    /// A `[process] env` value, which may hold a literal `$` (`PS1 = "$ "`): `$NAME` stays as written.
    case environment
  }

  /// `value` with every `${NAME}` replaced, or nil after reporting each reference it cannot replace.
  func substituted(_ value: (String, SourceRange), key: String, use: SubstitutionUse) -> String? {
    let bytes = Array(value.0.utf8)
    let dollar = UInt8(ascii: "$")
    guard bytes.contains(dollar) else { return value.0 }
    var result: [UInt8] = []
    result.reserveCapacity(bytes.count)
    var failed = false
    var replaced = false
    var index = 0
    while index < bytes.count {
      guard bytes[index] == dollar, index + 1 < bytes.count else {
        result.append(bytes[index])
        index += 1
        continue
      }
      let next = bytes[index + 1]
      if next == dollar {
        result.append(dollar)
        index += 2
      } else if next == UInt8(ascii: "{") {
        guard let close = bytes[(index + 2)...].firstIndex(of: UInt8(ascii: "}")) else {
          sink.error(
            "invalid-substitution", "`${` in `\(key)` is not closed by `}`",
            at: place(of: index..<bytes.count, in: value),
            hint: "write ${NAME} with one of \(Self.variableList), or $$ for a literal $")
          return nil
        }
        let name = String(decoding: bytes[(index + 2)..<close], as: UTF8.self)
        if let text = variable(name, in: key, at: place(of: index..<(close + 1), in: value)) {
          result += text.utf8
          replaced = true
        } else {
          failed = true
        }
        index = close + 1
      } else if use == .hostPath, Self.startsName(next) {
        var end = index + 1
        while end < bytes.count, Self.continuesName(bytes[end]) { end += 1 }
        let name = String(decoding: bytes[(index + 1)..<end], as: UTF8.self)
        sink.error(
          "invalid-substitution", "`$\(name)` in `\(key)` is not substituted: nsbuild reads only ${NAME}",
          at: place(of: index..<end, in: value), hint: "write ${\(name)}, or $$ for a literal $")
        failed = true
        index = end
      } else {
        result.append(dollar)
        index += 1
      }
    }
    guard !failed else { return nil }
    let text = String(decoding: result, as: UTF8.self)
    if replaced { context.substitutions.append(SpecSubstitution(written: value.0, resolved: text, range: value.1)) }
    return text
  }

  /// The value of `${name}`, or nil after reporting an unknown name (with a did-you-mean) or one without a value.
  private func variable(_ name: String, in key: String, at range: SourceRange) -> String? {
    if name == "SPEC_DIR" { return context.directory }
    if let value = context.variables.values[name] { return value }
    if let reason = context.variables.missing[name] {
      sink.error("unset-variable", "`${\(name)}` in `\(key)` has no value here: \(reason)", at: range)
      return nil
    }
    sink.error(
      "unknown-variable", "unknown variable `${\(name)}` in `\(key)`", at: range,
      hint: Suggestion.closest(to: name, among: SpecVariables.names).map { "did you mean ${\($0)}?" }
        ?? "nsbuild substitutes \(Self.variableList)")
    return nil
  }

  static var variableList: String { SpecVariables.names.map { "${\($0)}" }.joined(separator: ", ") }

  private static func startsName(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
      || byte == UInt8(ascii: "_")
  }

  private static func continuesName(_ byte: UInt8) -> Bool {
    startsName(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
  }

  /// Where bytes `bytes` of the value lie in the file: exactly, when the value is written as one line of its own
  /// bytes between single quotes or double quotes (no escape moved them); else the whole value.
  private func place(of bytes: Range<Int>, in value: (String, SourceRange)) -> SourceRange {
    let range = value.1
    let written = context.text(of: range).utf8
    let valueBytes = value.0.utf8
    guard written.count == valueBytes.count + 2, let quote = written.first,
      quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\""),
      written.dropFirst().dropLast().elementsEqual(valueBytes), !valueBytes.contains(UInt8(ascii: "\n"))
    else { return range }
    let prefix = value.0.utf8.prefix(bytes.lowerBound)
    let inside = value.0.utf8.dropFirst(bytes.lowerBound).prefix(bytes.count)
    let start = range.start.moved(over: [quote] + prefix)
    return SourceRange(start: start, end: start.moved(over: Array(inside)))
  }
}

extension SourceLocation {
  /// This location moved past `bytes` of one line: a column per Unicode scalar, as the TOML reader counts them.
  fileprivate func moved(over bytes: some Sequence<UInt8>) -> SourceLocation {
    var location = self
    for byte in bytes {
      location.offset += 1
      if byte & 0xC0 != 0x80 { location.column += 1 }
    }
    return location
  }
}
