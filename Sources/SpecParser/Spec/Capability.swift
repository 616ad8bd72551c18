/// A Linux capability by its capabilities(7) name and number (linux/capability.h).
public struct Capability: Sendable, Hashable, CustomStringConvertible {
  public let number: Int32

  public init?(number: Int32) {
    guard Self.names.indices.contains(Int(number)) else { return nil }
    self.number = number
  }

  /// Looks up `CAP_NET_ADMIN` (or `net_admin`, `NET_ADMIN`).
  public init?(name: String) {
    var upper = name.uppercased()
    if !upper.hasPrefix("CAP_") { upper = "CAP_" + upper }
    guard let index = Self.names.firstIndex(of: upper) else { return nil }
    number = Int32(index)
  }

  public var description: String { Self.names[Int(number)] }

  /// Every capability this build knows, numbered from 0.
  public static let names = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
    "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
    "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
  ]

  /// Every capability this build knows.
  public static var all: [Capability] { names.indices.compactMap { Capability(number: Int32($0)) } }
}

/// Coded by its capabilities(7) name (`"CAP_NET_ADMIN"`), which stays meaningful where numbers would not.
extension Capability: Codable {
  public init(from decoder: any Decoder) throws {
    let name = try decoder.singleValueContainer().decode(String.self)
    guard let capability = Capability(name: name) else {
      throw DecodingError.dataCorrupted(
        DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "unknown capability \(name)"))
    }
    self = capability
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(description)
  }
}
