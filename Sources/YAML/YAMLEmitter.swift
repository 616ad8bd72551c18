import CYAML

/// Writes ``YAMLNode`` trees as YAML with libyaml's event emitter (yaml_emitter_emit of yaml.h), one document per
/// tree, `---` between them. libyaml quotes a scalar whose requested style cannot hold it (a plain `a: b`, a
/// leading `-`); ``YAMLNode/string(_:)`` asks for quotes where a plain scalar would read back as another type.
public enum YAMLEmitter {
  /// The YAML text of `documents`, UTF-8, block style, indented by 2, lines not folded.
  ///
  /// - Throws: ``YAMLError`` (without a place) when libyaml refuses an event, such as a tag it cannot write.
  public static func emit(_ documents: [YAMLNode]) throws(YAMLError) -> String {
    let output = EmitterOutput()
    var emitter = yaml_emitter_t()
    guard yaml_emitter_initialize(&emitter) != 0 else {
      throw YAMLError("libyaml could not allocate an emitter", at: nil)
    }
    defer { yaml_emitter_delete(&emitter) }
    yaml_emitter_set_output(
      &emitter,
      { data, buffer, size in
        guard let data, let buffer else { return 0 }
        Unmanaged<EmitterOutput>.fromOpaque(data).takeUnretainedValue().bytes
          .append(contentsOf: UnsafeBufferPointer(start: buffer, count: size))
        return 1
      }, Unmanaged.passUnretained(output).toOpaque())
    yaml_emitter_set_unicode(&emitter, 1)
    yaml_emitter_set_indent(&emitter, 2)
    yaml_emitter_set_width(&emitter, -1)
    try withExtendedLifetime(output) { () throws(YAMLError) in
      var writer = EventWriter(emitter: emitter)
      defer { emitter = writer.emitter }
      try writer.stream(documents)
    }
    return String(decoding: output.bytes, as: UTF8.self)
  }
}

/// Where the write handler collects the text.
private final class EmitterOutput {
  var bytes: [UInt8] = []
}

/// Emits the events of a stream, one call of yaml_emitter_emit each.
private struct EventWriter {
  var emitter: yaml_emitter_t

  mutating func stream(_ documents: [YAMLNode]) throws(YAMLError) {
    try emit { yaml_stream_start_event_initialize(&$0, YAML_UTF8_ENCODING) }
    for document in documents {
      // An empty plain scalar alone writes nothing, and the document would vanish: `---` keeps it.
      let implicit: Int32 = document.content == .scalar("", style: .plain) && document.tag == nil ? 0 : 1
      try emit { yaml_document_start_event_initialize(&$0, nil, nil, nil, implicit) }
      try node(document)
      try emit { yaml_document_end_event_initialize(&$0, 1) }
    }
    try emit { yaml_stream_end_event_initialize(&$0) }
  }

  mutating func node(_ node: YAMLNode) throws(YAMLError) {
    var tag = node.tag.map { Array($0.utf8) + [0] }
    let implicit: Int32 = tag == nil ? 1 : 0
    switch node.content {
    case .scalar(let text, let style):
      // NUL-terminated, so that even an empty value has storage: libyaml asserts its pointer is not null.
      var value = Array(text.utf8) + [0]
      guard let length = Int32(exactly: value.count - 1) else {
        throw YAMLError("a scalar of \(value.count - 1) bytes is more than libyaml takes", at: nil)
      }
      try emit { event in
        tag.withOptionalPointer { tag in
          value.withUnsafeMutableBufferPointer { value in
            yaml_scalar_event_initialize(
              &event, nil, tag, value.baseAddress, length, implicit, implicit, Self.style(style))
          }
        }
      }
    case .sequence(let items):
      try emit { event in
        tag.withOptionalPointer {
          yaml_sequence_start_event_initialize(&event, nil, $0, implicit, YAML_ANY_SEQUENCE_STYLE)
        }
      }
      for item in items { try self.node(item) }
      try emit { yaml_sequence_end_event_initialize(&$0) }
    case .mapping(let pairs):
      try emit { event in
        tag.withOptionalPointer {
          yaml_mapping_start_event_initialize(&event, nil, $0, implicit, YAML_ANY_MAPPING_STYLE)
        }
      }
      for pair in pairs {
        try self.node(pair.key)
        try self.node(pair.value)
      }
      try emit { yaml_mapping_end_event_initialize(&$0) }
    }
  }

  /// Makes one event with `initialize` (which copies the strings it is given) and hands it to the emitter, which
  /// frees it whether it succeeds or not.
  private mutating func emit(_ initialize: (inout yaml_event_t) -> Int32) throws(YAMLError) {
    var event = yaml_event_t()
    guard initialize(&event) != 0 else { throw YAMLError("libyaml refused an event (out of memory?)", at: nil) }
    guard yaml_emitter_emit(&emitter, &event) != 0 else {
      throw YAMLError(emitter.problem.map { String(cString: $0) } ?? "libyaml emitter error", at: nil)
    }
  }

  static func style(_ style: YAMLScalarStyle) -> yaml_scalar_style_t {
    switch style {
    case .plain: YAML_PLAIN_SCALAR_STYLE
    case .singleQuoted: YAML_SINGLE_QUOTED_SCALAR_STYLE
    case .doubleQuoted: YAML_DOUBLE_QUOTED_SCALAR_STYLE
    case .literal: YAML_LITERAL_SCALAR_STYLE
    case .folded: YAML_FOLDED_SCALAR_STYLE
    }
  }
}

extension Optional where Wrapped == [UInt8] {
  /// A pointer to the NUL-terminated bytes, or nil, for libyaml's optional `yaml_char_t *` arguments.
  fileprivate mutating func withOptionalPointer<R>(_ body: (UnsafeMutablePointer<UInt8>?) -> R) -> R {
    guard var bytes = self else { return body(nil) }
    defer { self = bytes }
    return bytes.withUnsafeMutableBufferPointer { body($0.baseAddress) }
  }
}
