import CYAML

/// Reads YAML with libyaml's event parser (yaml_parser_parse(3)-style API of yaml.h) into ``YAMLNode`` trees, one
/// per document of the stream (`---` separates them, as in a file holding a Deployment and a Service).
///
/// Never traps on input: every libyaml error comes back as a ``YAMLError`` at its `problem_mark`; nesting deeper
/// than ``maximumDepth`` and aliases expanding past ``maximumNodes`` (a "billion laughs") are refused the same way.
public enum YAMLParser {
  /// The deepest nesting of collections accepted: Kubernetes manifests nest about 10 deep.
  public static let maximumDepth = 512
  /// The most nodes a stream may hold once its aliases are expanded.
  public static let maximumNodes = 1_000_000

  /// Parses every document of `bytes` (UTF-8, UTF-16 with a BOM, as libyaml reads).
  ///
  /// - Throws: ``YAMLError`` at the place of the first problem.
  public static func parse(_ bytes: [UInt8]) throws(YAMLError) -> [YAMLNode] {
    var parser = yaml_parser_t()
    guard yaml_parser_initialize(&parser) != 0 else { throw YAMLError("libyaml could not allocate a parser", at: nil) }
    defer { yaml_parser_delete(&parser) }
    var builder = YAMLTreeBuilder()
    // libyaml asserts its input pointer is not null, which an empty array's may be; the terminator is not read.
    let input = bytes + [0]
    let result: Result<[YAMLNode], YAMLError> = input.withUnsafeBufferPointer { buffer in
      yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count - 1)
      do {
        while true {
          var event = yaml_event_t()
          guard yaml_parser_parse(&parser, &event) != 0 else { throw error(of: parser, in: bytes) }
          defer { yaml_event_delete(&event) }
          if event.type == YAML_STREAM_END_EVENT { return .success(builder.documents) }
          try builder.add(event)
        }
      } catch let error as YAMLError {
        return .failure(error)
      } catch {
        return .failure(YAMLError("\(error)", at: nil))
      }
    }
    return try result.get()
  }

  /// The parser's error at its place; a reader error (bytes that are not UTF-8) has only an offset, turned into a
  /// line and column here.
  static func error(of parser: yaml_parser_t, in bytes: [UInt8]) -> YAMLError {
    let problem = parser.problem.map { String(cString: $0) } ?? "libyaml error \(parser.error.rawValue)"
    if parser.error == YAML_READER_ERROR {
      return YAMLError(problem, at: mark(ofOffset: parser.problem_offset, in: bytes))
    }
    return YAMLError(
      problem, at: mark(parser.problem_mark), context: parser.context.map { String(cString: $0) },
      contextMark: parser.context == nil ? nil : mark(parser.context_mark))
  }

  /// libyaml counts lines and columns from 0.
  static func mark(_ mark: yaml_mark_t) -> YAMLMark {
    YAMLMark(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
  }

  /// The line and column of byte `offset` (columns in bytes: the input is not UTF-8 there).
  static func mark(ofOffset offset: Int, in bytes: [UInt8]) -> YAMLMark {
    let before = bytes.prefix(max(0, min(offset, bytes.count)))
    let line = before.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
    let column = before.count - (before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
    return YAMLMark(line: line, column: column)
  }
}
