/// A name looked up by its numeric ID in an account file: `/etc/passwd` (passwd(5)) or `/etc/group` (group(5)).
///
/// Both formats are lines of `:`-separated fields whose first is the name and third the ID. nsbuild reads the files
/// itself rather than through getpwuid(3) and getgrgid(3): those load NSS modules with dlopen(3), which a
/// statically linked binary cannot, and connect to nscd first. Accounts that only NSS knows (LDAP, systemd's
/// dynamic users) therefore have no name here; callers then use the ID.
public enum AccountFile {
  /// The passwd(5) database.
  public static let users = "/etc/passwd"
  /// The group(5) database.
  public static let groups = "/etc/group"

  /// The name of the first entry whose ID is `id` in `contents`, or nil: no such entry, or only malformed lines
  /// (fewer than three fields, an ID that is not a decimal number, an empty name) for it. Comment lines (`#`)
  /// and blank lines are skipped.
  public static func name(of id: UInt32, in contents: [UInt8]) -> String? {
    for line in contents.split(separator: UInt8(ascii: "\n")) where line.first != UInt8(ascii: "#") {
      let fields = line.split(separator: UInt8(ascii: ":"), maxSplits: 3, omittingEmptySubsequences: false)
      guard fields.count >= 3, !fields[0].isEmpty, UInt32(decimal: fields[2]) == id else { continue }
      return String(decoding: fields[0], as: UTF8.self)
    }
    return nil
  }
}

extension UInt32 {
  /// The value of ASCII decimal digits, or nil for anything else (a sign, spaces, no digits, overflow).
  fileprivate init?(decimal digits: ArraySlice<UInt8>) {
    guard !digits.isEmpty else { return nil }
    var value: UInt32 = 0
    for digit in digits {
      guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else { return nil }
      let (times, overflowTimes) = value.multipliedReportingOverflow(by: 10)
      let (sum, overflowSum) = times.addingReportingOverflow(UInt32(digit - UInt8(ascii: "0")))
      guard !overflowTimes, !overflowSum else { return nil }
      value = sum
    }
    self = value
  }
}
