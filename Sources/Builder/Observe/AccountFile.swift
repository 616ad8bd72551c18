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

  /// Which database a file is: their lines differ in what glibc's files module accepts.
  public enum Database: Sendable {
    /// passwd(5): `name:password:UID:GID[:gecos:home:shell]`; a line without a decimal GID is skipped.
    case passwd
    /// group(5): `name:password:GID[:members]`.
    case group
  }

  /// The name of the first entry whose ID is `id` in `contents`, or nil, read as glibc's files module reads them
  /// (compared with getent(1)): leading blanks are skipped; comment (`#`) and blank lines, NIS compat lines (`+` or
  /// `-` first) and malformed lines (a field missing, an ID that is not a decimal number, an empty name) name
  /// nobody.
  public static func name(of id: UInt32, in contents: [UInt8], database: Database) -> String? {
    for whole in contents.split(separator: UInt8(ascii: "\n")) {
      let line = whole.drop { [0x20, 0x09, 0x0B, 0x0C, 0x0D].contains($0) }
      guard let first = line.first, ![UInt8(ascii: "#"), UInt8(ascii: "+"), UInt8(ascii: "-")].contains(first)
      else { continue }
      let fields = line.split(separator: UInt8(ascii: ":"), maxSplits: 4, omittingEmptySubsequences: false)
      guard fields.count >= 3, !fields[0].isEmpty, UInt32(decimal: fields[2]) == id else { continue }
      if database == .passwd, fields.count < 4 || UInt32(decimal: fields[3]) == nil { continue }
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
