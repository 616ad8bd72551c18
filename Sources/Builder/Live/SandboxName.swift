import SpecParser

/// The name of a live sandbox (`nsbuild up --name`), as `ls`, `exec`, `plan --target` and `[namespaces] join` name
/// it: 1 to 63 characters, lower-case ASCII letters, digits, `-`, `_` and `.`, starting with a letter or digit (a
/// DNS label's length, a file name that is never `.` or `..` or hidden).
public struct SandboxName: Sendable, Hashable, Codable, CustomStringConvertible {
  public let rawValue: String

  /// The longest name: a DNS label's 63 bytes, as Kubernetes and runc's container ids allow.
  public static let maximumLength = SandboxNameSyntax.maximumLength

  /// - Throws: ``SandboxNameError`` naming the first character or rule the name breaks (``SandboxNameSyntax``, the one
  ///   rule the spec's `[namespaces] join` checks too).
  public init(validating name: String) throws(SandboxNameError) {
    switch SandboxNameSyntax.problem(in: name) {
    case nil: rawValue = name
    case .empty: throw .empty
    case .tooLong(let count): throw .tooLong(name, count: count)
    case .badCharacter(let offset): throw .badCharacter(name, offset: offset)
    }
  }

  /// The name `up` gives a spec when `--name` is absent: the file's stem (`dev` for `specs/dev.toml`), lower-cased.
  /// - Throws: ``SandboxNameError`` when that stem is not a valid name (the user then passes `--name`).
  public static func defaultName(forSpecAt path: String) throws(SandboxNameError) -> SandboxName {
    let file = path.split(separator: "/").last.map(String.init) ?? path
    let stem = file.hasSuffix(".toml") ? String(file.dropLast(5)) : file
    return try SandboxName(validating: stem.lowercased())
  }

  public var description: String { rawValue }

  /// Coded as the bare string; a stored name that is no longer valid fails to decode.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    let name = try container.decode(String.self)
    do { self = try SandboxName(validating: name) } catch {
      throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(rawValue)
  }
}

/// Why a string is not a ``SandboxName``.
public enum SandboxNameError: Error, Sendable, Hashable, CustomStringConvertible {
  case empty
  case tooLong(String, count: Int)
  /// The byte at `offset` (0-based) is not allowed there.
  case badCharacter(String, offset: Int)

  public var description: String {
    switch self {
    case .empty: "a sandbox name cannot be empty"
    case .tooLong(let name, let count):
      "sandbox name '\(name)' is \(count) characters long; at most \(SandboxName.maximumLength) are allowed"
    case .badCharacter(let name, let offset):
      "sandbox name '\(name)' has a character not allowed at position \(offset + 1): use lower-case letters, digits, '-', '_' and '.', starting with a letter or digit"
    }
  }
}
