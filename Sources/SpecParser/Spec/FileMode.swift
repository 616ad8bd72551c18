/// Permission bits (chmod(2), `st_mode & 07777`: rwx for owner, group and others, with set-user-ID, set-group-ID
/// and sticky), as specs write them and as nsbuild shows them, in one place.
public enum FileMode {
  /// Every bit a mode can hold.
  public static let maximum: UInt32 = 0o7777

  /// The permission bits of an `st_mode`, its file type bits dropped.
  public static func permissions(of mode: UInt32) -> UInt32 { mode & maximum }

  /// Octal digits alone, as mount options (`mode=1777`) and messages show a mode.
  public static func digits(_ mode: UInt32) -> String { String(mode, radix: 8) }

  /// As C and chmod(1) write it, with a leading 0: `01777`, `0755`.
  public static func octal(_ mode: UInt32) -> String { "0" + digits(mode) }

  /// A mode or mask a spec writes as a string, `"1777"`, `"0755"` or `"0o755"`: nil unless it is octal digits up to
  /// `maximum`.
  public static func parse(_ text: String, maximum: UInt32 = maximum) -> UInt32? {
    // The usual spelling, octal digits only, read from the bytes; anything else takes the general path below.
    let bytes = text.utf8.starts(with: "0o".utf8) ? text.utf8.dropFirst(2) : text.utf8[...]
    if (1...5).contains(bytes.count), bytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }) {
      let value = bytes.reduce(UInt32(0)) { $0 << 3 | UInt32($1 - UInt8(ascii: "0")) }
      return value <= maximum ? value : nil
    }
    var digits = Substring(text)
    if digits.hasPrefix("0o") { digits = digits.dropFirst(2) }
    guard !digits.isEmpty, digits.count <= 5, let value = UInt32(digits, radix: 8), value <= maximum else {
      return nil
    }
    return value
  }

  /// A mode or mask a spec writes as an integer: TOML has lost its spelling by then, so only `literal`, the text as
  /// written, tells whether it was octal. nil unless a 0o literal from 0 to `maximum`.
  public static func parse(_ value: Int64, literal: String, maximum: UInt32 = maximum) -> UInt32? {
    guard literal.hasPrefix("0o"), value >= 0, value <= Int64(maximum) else { return nil }
    return UInt32(value)
  }
}
