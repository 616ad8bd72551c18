/// Lexical path handling for spec paths: resolving against the spec's folder and normalising.
/// Nothing here looks at the file system.
enum Paths {
  /// Why a path was refused.
  enum Problem: Error, Equatable {
    case empty
    case parentComponent
    case nulByte
  }

  /// `path` made absolute against `directory` (which must be absolute), with `//` and `.` removed.
  ///
  /// A `..` component is refused in a path inside the sandbox (it would make a reviewer work out where a mount
  /// lands). In a host path (`climbing`), where a spec in `ci/` names the repository's root as `..`, it removes the
  /// name before it, lexically, as realpath(3) would on a tree without symlinks (`..` of `/` is `/`, as the kernel
  /// has it, path_resolution(7)); `plan` shows the result, and the host path is then opened as "Host paths and
  /// symlinks" in the README says, so a symlink on the way is never followed unseen.
  static func resolve(_ path: String, against directory: String, climbing: Bool = false) -> Result<String, Problem> {
    guard !path.isEmpty else { return .failure(.empty) }
    guard !path.utf8.contains(0) else { return .failure(.nulByte) }
    let full = path.hasPrefix("/") ? path : directory + "/" + path
    if isNormal(full) { return .success(full) }
    var parts: [Substring] = []
    for part in full.split(separator: "/", omittingEmptySubsequences: true) {
      if part == "." { continue }
      if part == ".." {
        guard climbing else { return .failure(.parentComponent) }
        _ = parts.popLast()
        continue
      }
      parts.append(part)
    }
    return .success("/" + parts.joined(separator: "/"))
  }

  /// The kernel's limits on a path (PATH_MAX, with its NUL) and on each name in it (NAME_MAX), in bytes.
  static let maximumPathBytes = 4095
  static let maximumNameBytes = 255

  /// Why the kernel would refuse `path` for its length (ENAMETOOLONG), or nil when it would not.
  static func lengthProblem(_ path: String) -> String? {
    let bytes = path.utf8.count
    if bytes > maximumPathBytes { return "is \(bytes) bytes long; the kernel takes at most \(maximumPathBytes)" }
    // The first name too long, counted in place: splitting the path made an array for every path read.
    var name = 0
    for byte in path.utf8 {
      if byte != UInt8(ascii: "/") {
        name += 1
      } else if name > maximumNameBytes {
        break
      } else {
        name = 0
      }
    }
    guard name > maximumNameBytes else { return nil }
    return "has a name of \(name) bytes; the kernel takes at most \(maximumNameBytes) (NAME_MAX)"
  }

  /// Whether `path` is already as ``resolve(_:against:)`` would return it: absolute, with no empty, `.` or `..`
  /// name and no trailing `/`. Most spec paths are; one pass over the bytes then spares splitting and joining.
  private static func isNormal(_ path: String) -> Bool {
    let slash = UInt8(ascii: "/")
    let dot = UInt8(ascii: ".")
    guard path.utf8.first == slash else { return false }
    if path.utf8.count == 1 { return true }
    var length = 0
    var onlyDots = true
    for byte in path.utf8.dropFirst() {
      if byte == slash {
        if length == 0 || (onlyDots && length <= 2) { return false }
        length = 0
        onlyDots = true
      } else {
        length += 1
        onlyDots = onlyDots && byte == dot
      }
    }
    return length > 0 && !(onlyDots && length <= 2)
  }
}

/// Rules for the names of a UTS namespace (uts_namespaces(7); the kernel takes at most 64 bytes).
enum HostNames {
  static let maximumBytes = 64

  /// Why `name` is not a valid hostname (RFC 1123 labels of letters, digits and hyphens), or nil when it is.
  static func hostnameProblem(_ name: String) -> String? {
    if name.isEmpty { return lengthProblem(name) }
    // Every problem at once, so one round of editing fixes the name.
    var problems = [lengthProblem(name)]
    for label in name.split(separator: ".", omittingEmptySubsequences: false) {
      if label.isEmpty { problems.append("has an empty label (two dots, or a dot at either end)") }
      if label.utf8.count > 63 { problems.append("has a label longer than 63 bytes") }
      if label.first == "-" || label.last == "-" { problems.append("has a label that starts or ends with '-'") }
      if let bad = label.unicodeScalars.first(where: { !isHostnameScalar($0) }) {
        problems.append("contains \(describe(bad)); RFC 1123 allows letters, digits, '-' and '.'")
      }
    }
    var seen: Set<String> = []
    let unique = problems.compactMap { $0 }.filter { seen.insert($0).inserted }
    return unique.isEmpty ? nil : unique.joined(separator: ", and ")
  }

  /// Why `name` is not a valid domain name for setdomainname(2), or nil when it is.
  static func domainnameProblem(_ name: String) -> String? {
    if let problem = lengthProblem(name) { return problem }
    if let bad = name.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
      return "contains a control character (\(describe(bad)))"
    }
    return nil
  }

  private static func lengthProblem(_ name: String) -> String? {
    if name.isEmpty { return "is empty; leave the key out to keep the parent's name" }
    if name.utf8.count > maximumBytes { return "is \(name.utf8.count) bytes; the kernel allows at most 64" }
    return nil
  }

  private static func isHostnameScalar(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar {
    case "a"..."z", "A"..."Z", "0"..."9", "-": true
    default: false
    }
  }

  private static func describe(_ scalar: Unicode.Scalar) -> String {
    scalar.value < 0x20 || scalar.value == 0x7F
      ? "U+\(String(scalar.value, radix: 16, uppercase: true))" : "'\(scalar)'"
  }
}
