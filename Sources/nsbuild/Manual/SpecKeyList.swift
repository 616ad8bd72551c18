/// The keys of a spec as its JSON Schema (``SpecSchema``) describes them, for the manual page.
enum SpecKeyList {
  struct Key {
    /// `version`, `[uts]`, `uts.hostname`, `[[mounts]]`, `mounts.target`…
    var name: String
    var description: String
  }

  /// Every key under the schema's `properties`, depth first, in alphabetical order within a table; a table or an
  /// array of tables comes before its own keys.
  static func keys(of schema: JSONValue, prefix: String = "") -> [Key] {
    guard case .object(let object) = schema, case .object(let properties)? = object["properties"] else { return [] }
    var keys: [Key] = []
    for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
      guard case .object(let entry) = value else { continue }
      let description = entry["description"].flatMap { if case .string(let text) = $0 { text } else { nil } } ?? ""
      let path = prefix + name
      if entry["properties"] != nil {
        keys.append(Key(name: "[\(path)]", description: description))
        keys += Self.keys(of: value, prefix: path + ".")
      } else if case .object(let items)? = entry["items"], items["properties"] != nil {
        keys.append(Key(name: "[[\(path)]]", description: description))
        keys += Self.keys(of: .object(items), prefix: path + ".")
      } else {
        keys.append(Key(name: path, description: description))
      }
    }
    return keys
  }
}
