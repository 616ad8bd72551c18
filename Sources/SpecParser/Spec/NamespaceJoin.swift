/// `[namespaces] join`: an existing namespace the sandbox enters with setns(2) instead of making a new one, as a
/// pod's containers share its pause container's network (namespaces(7), setns(2)).
public struct NamespaceJoin: Sendable, Hashable {
  /// The namespace type joined.
  public var namespace: Namespace
  /// Whose namespace of that type it is.
  public var target: JoinTarget

  public init(_ namespace: Namespace, target: JoinTarget) {
    self.namespace = namespace
    self.target = target
  }
}

/// Where a joined namespace is found.
public enum JoinTarget: Sendable, Hashable, CustomStringConvertible {
  /// A live sandbox `nsbuild up` made, by name (``SandboxNameSyntax``): its init's namespace of that type.
  case sandbox(name: String)
  /// A namespace file, by absolute path: a bind mount such as `/run/netns/NAME` (ip-netns(8)), or a process's
  /// `/proc/PID/ns/TYPE` link (proc(5)).
  case path(String)

  public var description: String {
    switch self {
    case .sandbox(let name): "sandbox '\(name)'"
    case .path(let path): path
    }
  }
}

/// The rule a live sandbox's name follows, as `up --name`, `exec` and `[namespaces] join` take it: 1 to 63 bytes of
/// lower-case ASCII letters, digits, `-`, `_` and `.`, starting with a letter or digit (a DNS label's length, a file
/// name that is never `.`, `..` or hidden).
public enum SandboxNameSyntax {
  /// The longest name: a DNS label's 63 bytes, as Kubernetes and runc's container ids allow.
  public static let maximumLength = 63

  /// What is wrong with a name.
  public enum Problem: Sendable, Hashable {
    case empty
    case tooLong(count: Int)
    /// The byte at `offset` (0-based) is not allowed there.
    case badCharacter(offset: Int)
  }

  /// The first rule `name` breaks, or nil for a valid name.
  public static func problem(in name: String) -> Problem? {
    let bytes = Array(name.utf8)
    guard !bytes.isEmpty else { return .empty }
    guard bytes.count <= maximumLength else { return .tooLong(count: bytes.count) }
    for (offset, byte) in bytes.enumerated() where !allowed(byte, first: offset == 0) {
      return .badCharacter(offset: offset)
    }
    return nil
  }

  private static func allowed(_ byte: UInt8, first: Bool) -> Bool {
    let letterOrDigit =
      (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    let punctuation = byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
    return letterOrDigit || (punctuation && !first)
  }
}
