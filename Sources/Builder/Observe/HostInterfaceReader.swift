import SpecParser

/// A network interface of the host's network namespace, as sysfs shows it (sysfs(5): /sys/class/net/NAME).
public struct HostInterface: Sendable, Hashable {
  /// Whether it is a bridge (/sys/class/net/NAME/bridge exists).
  public var isBridge: Bool

  public init(isBridge: Bool) { self.isBridge = isBridge }
}

/// Which of the host names and bridges `[[net.veth]]` entries name exist now, read from /sys/class/net (the
/// caller's network namespace's sysfs): `plan` says what is there, `run` makes what is not.
struct HostInterfaceReader<Reader: SystemReader> {
  let reader: Reader

  func read(for spec: Spec) -> [String: HostInterface] {
    guard spec.unshares(.net) else { return [:] }
    var found: [String: HostInterface] = [:]
    let names = spec.net.veths.flatMap { [$0.hostName] + ($0.bridge.map { [$0] } ?? []) }
    // The names were checked: no '/', so each is one entry of /sys/class/net.
    for name in names where found[name] == nil && reader.exists("/sys/class/net/" + name) {
      found[name] = HostInterface(isBridge: reader.exists("/sys/class/net/" + name + "/bridge"))
    }
    return found
  }
}
