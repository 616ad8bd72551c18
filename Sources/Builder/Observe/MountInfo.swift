import SpecParser

/// One mount of the caller's mount namespace, as a line of `/proc/self/mountinfo` gives it (proc_pid_mountinfo(5)).
public struct HostMount: Sendable, Hashable {
  /// The mount's ID and its parent's: stacked mounts share a mount point, the upper one's parent being the lower.
  public var id: Int
  public var parentID: Int
  /// The folder of its filesystem it shows (`/` unless it is a bind of a folder within).
  public var root: String
  /// Read-only, as a mount (`ro` in its options) or as a whole filesystem (`ro` in the super options).
  public var isReadOnly = false
  /// Where it is mounted, unescaped (`\040` is a space).
  public var mountPoint: String
  public var fstype: String
  /// The optional fields: `shared:N` (its peer group), `master:N` (it receives from group N), `unbindable`.
  public var peerGroup: Int?
  public var masterGroup: Int?
  public var isUnbindable: Bool
  /// The per-mount options (`rw,nosuid,relatime`) and the filesystem's super options (`rw,size=8192k,mode=755`),
  /// as proc_pid_mountinfo(5) lists them: `plan --target` compares them with the applied plan's (drift).
  public var mountOptions: [String] = []
  public var superOptions: [String] = []

  public init(
    id: Int, parentID: Int, mountPoint: String, fstype: String, peerGroup: Int? = nil, masterGroup: Int? = nil,
    isUnbindable: Bool = false, root: String = "/"
  ) {
    self.id = id
    self.parentID = parentID
    self.root = root
    self.mountPoint = mountPoint
    self.fstype = fstype
    self.peerGroup = peerGroup
    self.masterGroup = masterGroup
    self.isUnbindable = isUnbindable
  }

  /// Parses `/proc/self/mountinfo`; a line it cannot read is left out.
  public static func parse(_ text: String) -> [HostMount] {
    text.split(separator: "\n").compactMap { line in
      let fields = line.split(separator: " ").map(String.init)
      guard fields.count >= 10, let id = Int(fields[0]), let parent = Int(fields[1]),
        let dash = fields.firstIndex(of: "-"), dash >= 6, dash + 1 < fields.count
      else { return nil }
      var mount = HostMount(
        id: id, parentID: parent, mountPoint: unescape(fields[4]), fstype: fields[dash + 1], root: unescape(fields[3]))
      let superOptions = dash + 3 < fields.count ? fields[dash + 3] : ""
      mount.isReadOnly = [fields[5], superOptions].contains { $0.split(separator: ",").contains("ro") }
      mount.mountOptions = fields[5].split(separator: ",").map(String.init)
      mount.superOptions = superOptions.split(separator: ",").map(String.init)
      for field in fields[6..<dash] {
        if field.hasPrefix("shared:") { mount.peerGroup = Int(field.dropFirst(7)) }
        if field.hasPrefix("master:") { mount.masterGroup = Int(field.dropFirst(7)) }
        if field == "unbindable" { mount.isUnbindable = true }
      }
      return mount
    }
  }

  /// The kernel writes space, tab, newline and backslash in a path as `\` and three octal digits.
  static func unescape(_ field: String) -> String {
    var bytes: [UInt8] = []
    var rest = Array(field.utf8)[...]
    while let byte = rest.first {
      let digits = rest.dropFirst().prefix(3)
      if byte == UInt8(ascii: "\\"), digits.count == 3,
        let value = UInt8(String(decoding: digits, as: UTF8.self), radix: 8)
      {
        bytes.append(value)
        rest = rest.dropFirst(4)
      } else {
        bytes.append(byte)
        rest = rest.dropFirst()
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}

/// The caller's mount tree, to ask what lies beneath a host path.
struct HostMountTree {
  let mounts: [HostMount]
  private let children: [Int: [HostMount]]

  init(_ mounts: [HostMount]) {
    self.mounts = mounts
    children = Dictionary(grouping: mounts, by: \.parentID)
  }

  /// The mount a path is looked up on: the deepest mount point at or above it, and of mounts stacked there, the
  /// topmost (the one no other at that point has as its parent).
  func mount(holding path: String) -> HostMount? {
    let covering = mounts.filter { AbsolutePath.isWithin(path, $0.mountPoint) }
    guard let deepest = covering.map(\.mountPoint.count).max() else { return nil }
    let stacked = covering.filter { $0.mountPoint.count == deepest }
    return stacked.first { mount in !stacked.contains { $0.parentID == mount.id } } ?? stacked.last
  }

  /// The mounts strictly beneath `path` that hang from the mount holding it: what a recursive bind of `path`
  /// copies, and what an overlay layer at `path` does not show.
  func submounts(beneath path: String) -> [HostMount] {
    guard let top = mount(holding: path) else { return [] }
    var result: [HostMount] = []
    var queue = [top]
    while let mount = queue.popLast() {
      for child in children[mount.id] ?? [] where child.id != mount.id {
        guard child.mountPoint != path, AbsolutePath.isWithin(child.mountPoint, path) else { continue }
        result.append(child)
        queue.append(child)
      }
    }
    return result
  }
}
