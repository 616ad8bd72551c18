/// Limits that keep hostile input from exhausting the stack or making error messages unreadable.
enum TOMLLimits {
  /// How deep tables and arrays may nest, counting every level of the resulting tree (the root table is level 0).
  /// Arrays and inline tables are parsed recursively, and the finished tree is walked recursively, so this bounds
  /// recursion everywhere.
  static let maxNestingDepth = 512
}

/// The parsing state shared by the lexer and grammar extensions: the cursor and error construction.
///
/// Each `TOMLReader+*.swift` file handles one part of the grammar; ``TOMLDocumentBuilder`` applies TOML's
/// define-once rules to what they read.
struct TOMLReader {
  var cursor: TOMLByteCursor

  init(bytes: [UInt8], offset: Int) {
    cursor = TOMLByteCursor(bytes: bytes, offset: offset)
  }

  var bytes: [UInt8] { cursor.bytes }

  /// An error covering `range`.
  func error(_ message: String, _ range: SourceRange) -> TOMLError {
    TOMLError(message: message, range: range)
  }

  /// An error covering the character at the cursor.
  func errorHere(_ message: String) -> TOMLError {
    TOMLError(message: message, range: cursor.rangeOfCurrentCharacter())
  }

  /// How the character at the cursor is named in messages.
  var currentDescription: String { TOMLText.character(at: cursor.offset, in: cursor.bytes) }

  /// Consumes `byte` or fails with `message` pointing at what is there instead.
  mutating func expect(_ byte: UInt8, _ message: @autoclosure () -> String) throws(TOMLError) {
    guard cursor.peek() == byte else { throw errorHere("\(message()), found \(currentDescription)") }
    cursor.advance()
  }
}
