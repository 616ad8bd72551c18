/// Arrays of tables whose entries the decoder may drop (`[[mounts]]`, `[[files]]`).
extension TableReader {
  /// The entries of the array of tables at `key`, each decoded by `decode`, with the origins of the n-th decoded
  /// entry recorded under `key[n]`, its index in the result.
  ///
  /// An element that is not a table, or that `decode` drops (returning nil after reporting why), leaves no gap: the
  /// rules checked after decoding, and the planner, find an entry's origin by its index in the decoded array, and a
  /// gap would point them at the next entry's line. Messages written while decoding still name the element by its
  /// place in the file.
  ///
  /// - Returns: nil when `key` is absent or not an array.
  func decodedEntries<T>(_ key: String, _ decode: (TableReader) -> T?) -> [T]? {
    guard let entry = entry(key) else { return nil }
    guard case .array(let nodes) = entry.node.value else {
      mismatch(key, entry.node, expected: "an array of tables")
      return nil
    }
    var result: [T] = []
    result.reserveCapacity(nodes.count)
    // Until an entry is dropped, an entry's index in the file is its index in the result, and its origins go
    // straight into the spec's, with a log of their keys to take them out again if it is dropped. After a drop, each
    // entry's origins go to a scratch context first and are moved to the entry's new index.
    let logging = context.originLog == nil
    if logging { context.originLog = [] }
    defer { if logging { context.originLog = nil } }
    let scratch = DecodeContext(scratchFor: context)
    for (index, node) in nodes.enumerated() {
      guard case .table(let sub) = node.value else {
        sink.error(
          "type-mismatch", "`\(key)` must be an array of tables; element \(index + 1) is \(node.value.typeName)",
          at: node.range)
        continue
      }
      let written = elementPath(key, index)
      if logging && index == result.count {
        context.originLog?.removeAll(keepingCapacity: true)
        context.record(written, node.range)
        guard let value = decode(TableReader(table: sub, element: written, range: node.range, context: context))
        else {
          for recorded in context.originLog ?? [] { context.forget(recorded) }
          continue
        }
        result.append(value)
        continue
      }
      scratch.originTable = SpecOrigins()
      scratch.originTable[written.keyPath] = node.range
      guard let value = decode(TableReader(table: sub, element: written, range: node.range, context: scratch)) else {
        continue
      }
      context.adoptOrigins(of: scratch, from: written.keyPath, as: elementPath(key, result.count).keyPath)
      result.append(value)
    }
    return result
  }
}

extension DecodeContext {
  /// A context writing to the same sink, with no origins yet. Only its origins are carried back (see
  /// ``adoptOrigins(of:from:as:)``): what else a decoder records goes to ``SpecSections/context``, the spec's own.
  convenience init(scratchFor parent: DecodeContext) {
    self.init(sink: parent.sink, source: parent.source, directory: parent.directory, variables: parent.variables)
  }

  /// Copies the origins recorded in `scratch` (all at or beneath `written`), moved beneath `kept`.
  func adoptOrigins(of scratch: DecodeContext, from written: SpecKeyPath, as kept: SpecKeyPath) {
    let prefix = written.description.count
    for (path, range) in scratch.originTable.dictionary {
      originTable[written == kept ? path : SpecKeyPath(kept.description + path.description.dropFirst(prefix))] = range
    }
  }
}
