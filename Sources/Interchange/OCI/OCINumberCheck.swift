/// The whole-number fields of a config and their ranges, checked on the document's tree before decoding: Foundation's
/// JSONDecoder reports a number out of range without saying where it is.
enum OCINumberCheck {
  /// A field's path pattern (`[]` for any array element, `*` for any member) and the largest value it takes.
  static let fields: [(pattern: [String], minimum: Int64?, maximum: UInt64)] = [
    (["process", "user", "uid"], 0, UInt64(UInt32.max)),
    (["process", "user", "gid"], 0, UInt64(UInt32.max)),
    (["process", "user", "umask"], 0, UInt64(UInt32.max)),
    (["process", "user", "additionalGids", "[]"], 0, UInt64(UInt32.max)),
    (["process", "rlimits", "[]", "hard"], 0, UInt64.max),
    (["process", "rlimits", "[]", "soft"], 0, UInt64.max),
    (["linux", "uidMappings", "[]", "*"], 0, UInt64(UInt32.max)),
    (["linux", "gidMappings", "[]", "*"], 0, UInt64(UInt32.max)),
    (["linux", "timeOffsets", "*", "secs"], Int64.min, UInt64(Int64.max)),
    (["linux", "timeOffsets", "*", "nanosecs"], 0, UInt64(UInt32.max)),
  ]

  /// The first whole-number field that is not one, or out of its range: its offset and dotted path.
  static func firstProblem(in tree: JSONNode) -> (offset: Int, path: String, range: String)? {
    for field in fields {
      if let problem = check(tree, field.pattern[...], path: "", minimum: field.minimum, maximum: field.maximum) {
        return problem
      }
    }
    return nil
  }

  private static func check(
    _ node: JSONNode, _ pattern: ArraySlice<String>, path: String, minimum: Int64?, maximum: UInt64
  ) -> (offset: Int, path: String, range: String)? {
    guard let step = pattern.first else {
      guard case .scalar(let text) = node.kind, text != "null", text != "true", text != "false" else { return nil }
      let fits = minimum.map { $0 < 0 } == true ? Int64(text) != nil : UInt64(text).map { $0 <= maximum } ?? false
      let range = minimum.map { $0 < 0 } == true ? "a whole number" : "a whole number from 0 to \(maximum)"
      return fits ? nil : (node.offset, path, range)
    }
    switch node.kind {
    case .array(let elements) where step == "[]":
      for (index, element) in elements.enumerated() {
        if let problem = check(
          element, pattern.dropFirst(), path: path + "[\(index)]", minimum: minimum, maximum: maximum)
        {
          return problem
        }
      }
    case .object(let members):
      for member in members where step == "*" || member.key == step {
        let next = path.isEmpty ? member.key : path + "." + member.key
        if let problem = check(member.value, pattern.dropFirst(), path: next, minimum: minimum, maximum: maximum) {
          return problem
        }
      }
    case .array, .string, .scalar: break
    }
    return nil
  }
}
