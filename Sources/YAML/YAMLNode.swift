/// A place in a YAML input: 1-based line and column (in characters, as libyaml counts them), for messages that an
/// editor jumps to.
public struct YAMLMark: Sendable, Hashable, CustomStringConvertible {
  public var line: Int
  public var column: Int

  public init(line: Int, column: Int) {
    self.line = line
    self.column = column
  }

  /// `LINE:COLUMN`.
  public var description: String { "\(line):\(column)" }
}

/// How a scalar is written (YAML 1.1 §9): whether it was quoted matters, since a plain `no` is a boolean to
/// Kubernetes' YAML reader while `"no"` is a string.
public enum YAMLScalarStyle: Sendable, Hashable, CaseIterable {
  case plain, singleQuoted, doubleQuoted, literal, folded
}

/// One node of a YAML document: a scalar, a sequence or a mapping (its pairs in the order written), with its tag
/// when one is written (`!!str`, `!custom`) and the place it starts. Aliases are expanded to copies of the node
/// their anchor names.
public struct YAMLNode: Sendable, Hashable {
  public enum Content: Sendable, Hashable {
    /// The scalar's text after unquoting and unescaping, and how it was written.
    case scalar(String, style: YAMLScalarStyle)
    case sequence([YAMLNode])
    /// Key-value pairs in the order written; duplicate keys are kept (``YAMLNode/value(for:)`` finds the first).
    case mapping([YAMLPair])
  }

  public var content: Content
  /// The tag as written, resolved against `%TAG` directives (`tag:yaml.org,2002:str` for `!!str`); nil when none.
  public var tag: String?
  /// Where the node starts in the input; (0, 0) for a node built in code.
  public var mark: YAMLMark

  public init(_ content: Content, tag: String? = nil, mark: YAMLMark = YAMLMark(line: 0, column: 0)) {
    self.content = content
    self.tag = tag
    self.mark = mark
  }
}

/// One key and value of a mapping.
public struct YAMLPair: Sendable, Hashable {
  public var key: YAMLNode
  public var value: YAMLNode

  public init(_ key: YAMLNode, _ value: YAMLNode) {
    self.key = key
    self.value = value
  }
}

extension YAMLNode {
  /// A scalar's text, nil for a collection.
  public var scalar: String? {
    guard case .scalar(let text, _) = content else { return nil }
    return text
  }

  /// A sequence's items, nil for anything else.
  public var items: [YAMLNode]? {
    guard case .sequence(let items) = content else { return nil }
    return items
  }

  /// A mapping's pairs, nil for anything else.
  public var pairs: [YAMLPair]? {
    guard case .mapping(let pairs) = content else { return nil }
    return pairs
  }

  /// The value of the first pair whose key is the scalar `key`, in a mapping; nil when absent or not a mapping.
  public func value(for key: String) -> YAMLNode? {
    pairs?.first { $0.key.scalar == key }?.value
  }

  /// The node's kind in a message: `a string`, `a sequence`, `a mapping`.
  public var kindName: String {
    switch content {
    case .scalar: "a scalar"
    case .sequence: "a sequence"
    case .mapping: "a mapping"
    }
  }
}
