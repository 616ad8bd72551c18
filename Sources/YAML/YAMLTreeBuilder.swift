import CYAML

/// Builds trees from parser events with a stack of open collections rather than recursion, so deep input cannot
/// exhaust the call stack.
struct YAMLTreeBuilder {
  /// A collection whose end event has not come yet.
  private struct Open {
    var isMapping: Bool
    var tag: String?
    var anchor: String?
    var mark: YAMLMark
    var items: [YAMLNode] = []
    var pairs: [YAMLPair] = []
    var pendingKey: YAMLNode?
    /// Nodes inside, itself included, for the alias budget.
    var size = 1
  }

  private(set) var documents: [YAMLNode] = []
  private var stack: [Open] = []
  private var anchors: [String: (node: YAMLNode, size: Int)] = [:]
  private var nodes = 0

  mutating func add(_ event: yaml_event_t) throws(YAMLError) {
    let mark = YAMLParser.mark(event.start_mark)
    switch event.type {
    case YAML_SCALAR_EVENT:
      let scalar = event.data.scalar
      let text = Self.string(scalar.value, count: scalar.length)
      let node = YAMLNode(
        .scalar(text, style: Self.style(scalar.style)), tag: Self.string(scalar.tag), mark: mark)
      try finish(node, size: 1, added: 1, anchor: Self.string(scalar.anchor))
    case YAML_ALIAS_EVENT:
      let name = Self.string(event.data.alias.anchor) ?? ""
      guard let anchored = anchors[name] else { throw YAMLError("unknown anchor '\(name)' in an alias", at: mark) }
      var node = anchored.node
      node.mark = mark
      try finish(node, size: anchored.size, added: anchored.size, anchor: nil)
    case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
      guard stack.count < YAMLParser.maximumDepth else {
        throw YAMLError("collections nested deeper than \(YAMLParser.maximumDepth)", at: mark)
      }
      let isMapping = event.type == YAML_MAPPING_START_EVENT
      let tag = isMapping ? event.data.mapping_start.tag : event.data.sequence_start.tag
      let anchor = isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor
      stack.append(Open(isMapping: isMapping, tag: Self.string(tag), anchor: Self.string(anchor), mark: mark))
    case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
      guard let open = stack.popLast() else { throw YAMLError("a collection ends that never started", at: mark) }
      let content: YAMLNode.Content = open.isMapping ? .mapping(open.pairs) : .sequence(open.items)
      try finish(
        YAMLNode(content, tag: open.tag, mark: open.mark), size: open.size, added: 1, anchor: open.anchor)
    case YAML_DOCUMENT_START_EVENT:
      // Anchors do not reach across documents (YAML 1.1 §3.2.2.2).
      anchors = [:]
    case YAML_NO_EVENT, YAML_STREAM_START_EVENT, YAML_STREAM_END_EVENT, YAML_DOCUMENT_END_EVENT:
      break
    default:
      throw YAMLError("libyaml event \(event.type.rawValue) is not known here", at: mark)
    }
  }

  /// Puts a complete node in its parent (or makes it a document). `size` counts the nodes in it, itself included;
  /// `added` those not counted yet against the budget (1, or an alias's whole copy).
  private mutating func finish(_ node: YAMLNode, size: Int, added: Int, anchor: String?) throws(YAMLError) {
    nodes += added
    guard nodes <= YAMLParser.maximumNodes else {
      throw YAMLError("more than \(YAMLParser.maximumNodes) nodes once aliases are expanded", at: node.mark)
    }
    if let anchor { anchors[anchor] = (node, size) }
    guard !stack.isEmpty else {
      documents.append(node)
      return
    }
    let top = stack.count - 1
    stack[top].size += size
    if !stack[top].isMapping {
      stack[top].items.append(node)
    } else if let key = stack[top].pendingKey {
      stack[top].pairs.append(YAMLPair(key, node))
      stack[top].pendingKey = nil
    } else {
      stack[top].pendingKey = node
    }
  }

  static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
    pointer.map { String(cString: $0) }
  }

  /// A scalar's bytes may hold NUL (`"\0"`), so its length counts, not a terminator.
  static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, count: Int) -> String {
    guard let pointer else { return "" }
    return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
  }

  static func style(_ style: yaml_scalar_style_t) -> YAMLScalarStyle {
    switch style {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
    case YAML_LITERAL_SCALAR_STYLE: .literal
    case YAML_FOLDED_SCALAR_STYLE: .folded
    default: .plain
    }
  }
}
