import Interchange
import SpecParser
import Testing

/// SpecWriter writes `[[net.veth]]` and `[net.pasta]` back so they decode to the same spec.
@Suite struct NetworkSpecWriterTests {
  /// The spec `source` decodes to, written and decoded again: both, and the text written.
  func roundTrip(_ source: String) throws -> (Spec, Spec, String) {
    let spec = try #require(SpecDecoder.decode(source: Array(source.utf8), file: "s.toml", directory: "/").spec)
    let text = SpecWriter.toml(spec)
    let again = SpecDecoder.decode(source: Array(text.utf8), file: "w.toml", directory: "/")
    return (spec, try #require(again.spec, "\(again.diagnostics.map(\.message))\n\(text)"), text)
  }

  @Test func vethsComeBackWhole() throws {
    let (spec, decoded, text) = try roundTrip(
      """
      version = 1
      [namespaces]
      unshare = ["user", "net"]
      [[net.veth]]
      name = "eth0"
      addresses = ["10.88.0.2/24", "fd00:88::2/64"]
      bridge = "nsb0"
      gateway = ["10.88.0.1", "fd00:88::1"]
      mtu = 1400
      [[net.veth]]
      name = "eth1"
      host_name = "h1"
      host_addresses = ["10.89.0.1/24"]

      """)
    #expect(decoded.withoutOrigins == spec.withoutOrigins)
    let hostName = Veth.defaultHostName(name: "eth0", addresses: ["10.88.0.2/24", "fd00:88::2/64"])
    #expect(text.contains("host_name = \"\(hostName)\""))
  }

  @Test func pastaComesBackWhole() throws {
    let (spec, decoded, _) = try roundTrip(
      "version = 1\n[namespaces]\nunshare = [\"user\", \"net\"]\n[net.pasta]\nports = [\"8080:80/tcp\", \"53/udp\"]\n")
    #expect(decoded.withoutOrigins == spec.withoutOrigins)
    #expect(decoded.net.pasta?.ports.count == 2)
  }
}
