/// Why a YAML input could not be read, or a tree not written, with the place when there is one: libyaml's
/// `problem_mark` (and `context_mark`, the construct the problem is inside), or the node a rule refused.
public struct YAMLError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What is wrong, in libyaml's words or ours: `mapping values are not allowed in this context`.
  public var problem: String
  /// Where, 1-based; nil when the input has no place to blame (an emitter error).
  public var mark: YAMLMark?
  /// The construct the problem is inside (`while parsing a block mapping`) and where it starts.
  public var context: String?
  public var contextMark: YAMLMark?

  public init(_ problem: String, at mark: YAMLMark?, context: String? = nil, contextMark: YAMLMark? = nil) {
    self.problem = problem
    self.mark = mark
    self.context = context
    self.contextMark = contextMark
  }

  /// `3:7: mapping values are not allowed in this context (while parsing a block mapping at 2:1)`.
  public var description: String {
    var text = (mark.map { "\($0): " } ?? "") + problem
    if let context {
      text += " (" + context + (contextMark.map { " at \($0)" } ?? "") + ")"
    }
    return text
  }
}
