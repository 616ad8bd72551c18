/// Text from a spec (a path, a hostname, a file's contents) on its way to a terminal. A spec can hold any
/// character, and escape sequences reaching the terminal raw could retitle the window, recolour or hide lines, or
/// (on some terminals) answer back: ESC ] 0; … BEL, ESC [31m, or their C1 forms (U+009B CSI, U+009D OSC).
public enum TerminalText {
  /// `text` with every control character but the tab replaced by U+FFFD: C0 (including newline, so one value
  /// cannot fake a line of output), DEL and C1 (U+0080–U+009F). Everything human-readable that nsbuild prints of a
  /// spec goes through this; JSON output keeps the exact text, escaped by its encoder.
  public static func printable(_ text: String) -> String {
    // Printable ASCII and tabs (nearly all text) are returned as they are after one pass over the bytes; any other
    // byte (a control, or a byte of a multi-byte scalar, which may be C1) is looked at scalar by scalar.
    let plain = { (byte: UInt8) in (byte >= 0x20 && byte < 0x7F) || byte == 0x09 }
    let allPlain = text.utf8.withContiguousStorageIfAvailable { $0.allSatisfy(plain) } ?? text.utf8.allSatisfy(plain)
    guard !allPlain else { return text }
    guard text.unicodeScalars.contains(where: isControl) else { return text }
    var result = ""
    for scalar in text.unicodeScalars { result.unicodeScalars.append(isControl(scalar) ? "\u{FFFD}" : scalar) }
    return result
  }

  /// A C0 control other than the tab, DEL, or a C1 control.
  public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    (scalar.value < 0x20 && scalar != "\t") || (0x7F...0x9F).contains(scalar.value)
  }
}
