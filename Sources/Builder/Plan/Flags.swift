import SpecParser

/// A named bit set whose members print by their kernel names (`MS_BIND|MS_REC`), as the plan shows them.
public protocol NamedFlags: OptionSet, Sendable, Hashable, CustomStringConvertible
where RawValue: FixedWidthInteger, Element == Self {
  /// Each flag with its name from the kernel headers, in the order they print.
  static var names: [(Self, String)] { get }
}

extension NamedFlags {
  public var description: String {
    let parts = Self.names.filter { contains($0.0) }.map(\.1)
    return parts.isEmpty ? "0" : parts.joined(separator: "|")
  }

  /// The flags as their kernel names, in ``names`` order: a plan's JSON says `["MS_BIND", "MS_REC"]`, not 20480.
  ///
  /// - Throws: `EncodingError.invalidValue` for a bit no name covers (none the planner makes), which would be lost.
  func encodeNames(to encoder: any Encoder) throws {
    let named = Self.names.filter { contains($0.0) }
    let covered = named.reduce(into: Self()) { $0.formUnion($1.0) }
    guard covered == self else {
      throw EncodingError.invalidValue(
        rawValue, EncodingError.Context(codingPath: encoder.codingPath, debugDescription: "flags without a name"))
    }
    var container = encoder.singleValueContainer()
    try container.encode(named.map(\.1))
  }

  /// The flags named in a list ``encodeNames(to:)`` wrote.
  ///
  /// - Throws: `DecodingError.dataCorrupted` for a name this type does not have.
  init(namesFrom decoder: any Decoder) throws {
    self.init()
    for name in try decoder.singleValueContainer().decode([String].self) {
      guard let flag = Self.names.first(where: { $0.1 == name })?.0 else {
        throw DecodingError.dataCorrupted(
          DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "unknown flag \(name)"))
      }
      formUnion(flag)
    }
  }
}

/// `CLONE_NEW*` flags for unshare(2) (namespaces(7)).
public struct CloneFlags: NamedFlags, Codable {
  public let rawValue: Int32
  public init(rawValue: Int32) { self.rawValue = rawValue }
  public init(from decoder: any Decoder) throws { try self.init(namesFrom: decoder) }
  public func encode(to encoder: any Encoder) throws { try encodeNames(to: encoder) }

  public static let newns = CloneFlags(rawValue: 0x0002_0000)
  public static let newcgroup = CloneFlags(rawValue: 0x0200_0000)
  public static let newuts = CloneFlags(rawValue: 0x0400_0000)
  public static let newipc = CloneFlags(rawValue: 0x0800_0000)
  public static let newuser = CloneFlags(rawValue: 0x1000_0000)
  public static let newpid = CloneFlags(rawValue: 0x2000_0000)
  public static let newnet = CloneFlags(rawValue: 0x4000_0000)
  public static let newtime = CloneFlags(rawValue: 0x0000_0080)

  public static let names: [(CloneFlags, String)] = [
    (.newuser, "CLONE_NEWUSER"), (.newns, "CLONE_NEWNS"), (.newpid, "CLONE_NEWPID"), (.newnet, "CLONE_NEWNET"),
    (.newipc, "CLONE_NEWIPC"), (.newuts, "CLONE_NEWUTS"), (.newcgroup, "CLONE_NEWCGROUP"), (.newtime, "CLONE_NEWTIME"),
  ]

  /// The flag that creates `namespace`.
  public init(_ namespace: Namespace) {
    switch namespace {
    case .user: self = .newuser
    case .mount: self = .newns
    case .pid: self = .newpid
    case .net: self = .newnet
    case .ipc: self = .newipc
    case .uts: self = .newuts
    case .cgroup: self = .newcgroup
    case .time: self = .newtime
    }
  }
}

/// `MS_*` flags for mount(2).
public struct MountFlags: NamedFlags, Codable {
  public let rawValue: UInt
  public init(rawValue: UInt) { self.rawValue = rawValue }
  public init(from decoder: any Decoder) throws { try self.init(namesFrom: decoder) }
  public func encode(to encoder: any Encoder) throws { try encodeNames(to: encoder) }

  public static let rdonly = MountFlags(rawValue: 1)
  public static let nosuid = MountFlags(rawValue: 2)
  public static let nodev = MountFlags(rawValue: 4)
  public static let noexec = MountFlags(rawValue: 8)
  public static let bind = MountFlags(rawValue: 4096)
  public static let rec = MountFlags(rawValue: 16384)
  public static let noatime = MountFlags(rawValue: 1024)
  public static let nodiratime = MountFlags(rawValue: 2048)
  public static let unbindable = MountFlags(rawValue: 1 << 17)
  public static let `private` = MountFlags(rawValue: 1 << 18)
  public static let slave = MountFlags(rawValue: 1 << 19)
  public static let shared = MountFlags(rawValue: 1 << 20)
  public static let relatime = MountFlags(rawValue: 1 << 21)
  public static let strictatime = MountFlags(rawValue: 1 << 24)

  public static let names: [(MountFlags, String)] = [
    (.bind, "MS_BIND"), (.rec, "MS_REC"), (.private, "MS_PRIVATE"), (.slave, "MS_SLAVE"), (.shared, "MS_SHARED"),
    (.unbindable, "MS_UNBINDABLE"), (.rdonly, "MS_RDONLY"), (.nosuid, "MS_NOSUID"), (.nodev, "MS_NODEV"),
    (.noexec, "MS_NOEXEC"), (.relatime, "MS_RELATIME"), (.noatime, "MS_NOATIME"), (.strictatime, "MS_STRICTATIME"),
    (.nodiratime, "MS_NODIRATIME"),
  ]

  /// The propagation flag for `propagation`.
  public init(_ propagation: Propagation) {
    switch propagation {
    case .private: self = .private
    case .slave: self = .slave
    case .shared: self = .shared
    case .unbindable: self = .unbindable
    }
  }
}

/// `MOUNT_ATTR_*` attributes for mount_setattr(2).
public struct MountAttributes: NamedFlags, Codable {
  public let rawValue: UInt64
  public init(rawValue: UInt64) { self.rawValue = rawValue }
  public init(from decoder: any Decoder) throws { try self.init(namesFrom: decoder) }
  public func encode(to encoder: any Encoder) throws { try encodeNames(to: encoder) }

  public static let rdonly = MountAttributes(rawValue: 0x1)
  public static let nosuid = MountAttributes(rawValue: 0x2)
  public static let nodev = MountAttributes(rawValue: 0x4)
  public static let noexec = MountAttributes(rawValue: 0x8)
  /// The atime field (MOUNT_ATTR__ATIME): cleared to set an atime mode; relatime is the mode 0.
  public static let atimeMask = MountAttributes(rawValue: 0x70)
  public static let noatime = MountAttributes(rawValue: 0x10)
  public static let strictatime = MountAttributes(rawValue: 0x20)
  public static let nodiratime = MountAttributes(rawValue: 0x80)

  public static let names: [(MountAttributes, String)] = [
    (.rdonly, "MOUNT_ATTR_RDONLY"), (.nosuid, "MOUNT_ATTR_NOSUID"), (.nodev, "MOUNT_ATTR_NODEV"),
    (.noexec, "MOUNT_ATTR_NOEXEC"), (.atimeMask, "MOUNT_ATTR__ATIME"), (.noatime, "MOUNT_ATTR_NOATIME"),
    (.strictatime, "MOUNT_ATTR_STRICTATIME"), (.nodiratime, "MOUNT_ATTR_NODIRATIME"),
  ]
}
