import Testing

@testable import SpecParser

/// `[net]`: addresses parsed without the C library, veth entries decoded, and each mistake pointed at.
@Suite struct NetworkSpecTests {
  static let header = "version = 1\n[namespaces]\nunshare = [\"net\"]\n"

  @Test(arguments: [
    ("10.88.0.2", [10, 88, 0, 2] as [UInt8]),
    ("0.0.0.0", [0, 0, 0, 0]),
    ("255.255.255.255", [255, 255, 255, 255]),
  ])
  func ipv4Parses(_ text: String, _ bytes: [UInt8]) throws {
    let address = try #require(IPAddress(text))
    #expect(address.family == .ipv4)
    #expect(address.bytes == bytes)
    #expect(address.description == text)
  }

  @Test(arguments: [
    ("fd00:88::2", "fd00:88::2", [0xFD, 0, 0, 0x88] + [UInt8](repeating: 0, count: 11) + [2]),
    ("::", "::", [UInt8](repeating: 0, count: 16)),
    ("::1", "::1", [UInt8](repeating: 0, count: 15) + [1]),
    ("FE80:0:0:0:0:0:0:1", "fe80::1", [0xFE, 0x80] + [UInt8](repeating: 0, count: 13) + [1]),
    ("1:0:0:2:0:0:0:3", "1:0:0:2::3", [0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3]),
    ("::ffff:10.0.0.1", "::ffff:a00:1", [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF, 10, 0, 0, 1]),
    ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0", [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0]),
  ])
  func ipv6Parses(_ text: String, _ printed: String, _ bytes: [UInt8]) throws {
    let address = try #require(IPAddress(text))
    #expect(address.family == .ipv6)
    #expect(address.bytes == bytes)
    #expect(address.description == printed)
  }

  @Test(arguments: [
    "", "10.0.0", "10.0.0.0.1", "10.0.0.256", "010.0.0.1", "10.0.0.-1", "1::2::3", ":::", "1:2:3:4:5:6:7:8:9",
    "12345::", "fe80::1%eth0", "::g", "1:2:3:4:5:6:7:8::", "::1.2.3", " 10.0.0.1", "+1::",
  ])
  func malformedAddressesAreRefused(_ text: String) {
    #expect(IPAddress(text) == nil)
  }

  @Test func cidrKnowsItsSubnet() throws {
    let address = try InterfaceAddress.parse("10.88.7.200/21").get()
    #expect(address.network.description == "10.88.0.0")
    #expect(address.contains(try #require(IPAddress("10.88.1.1"))))
    #expect(!address.contains(try #require(IPAddress("10.88.8.1"))))
    #expect(!address.contains(try #require(IPAddress("::1"))))
    let six = try InterfaceAddress.parse("fd00:88::2/64").get()
    #expect(six.contains(try #require(IPAddress("fd00:88::ffff:1"))))
    #expect(!six.contains(try #require(IPAddress("fd00:89::1"))))
    #expect(InterfaceAddress.parse("10.0.0.1/33") == .failure(.badPrefix("33", family: .ipv4)))
    #expect(InterfaceAddress.parse("10.0.0.1") == .failure(.noPrefix))
  }

  @Test func vethDecodes() throws {
    let check = decode(
      Self.header + """
        [[net.veth]]
        name = "eth0"
        host_name = "nsb-dev0"
        addresses = ["10.88.0.2/24", "fd00:88::2/64"]
        host_addresses = ["10.88.0.1/24"]
        gateway = ["10.88.0.1", "fd00:88::1"]
        mtu = 1400
        [[net.veth]]
        name = "eth1"
        bridge = "nsb0"
        addresses = ["10.89.0.2/16"]

        """)
    let spec = try #require(check.spec, "\(check.diagnostics.map(\.message))")
    #expect(spec.net.veths.count == 2)
    let first = spec.net.veths[0]
    #expect(first.name == "eth0")
    #expect(first.hostName == "nsb-dev0")
    #expect(first.addresses.map(\.description) == ["10.88.0.2/24", "fd00:88::2/64"])
    #expect(first.hostAddresses.map(\.description) == ["10.88.0.1/24"])
    #expect(first.gateways.map(\.description) == ["10.88.0.1", "fd00:88::1"])
    #expect(first.mtu == 1400)
    let second = spec.net.veths[1]
    #expect(second.bridge == "nsb0")
    #expect(second.hostName == Veth.defaultHostName(name: "eth1", addresses: ["10.89.0.2/16"]))
    #expect(second.hostName.utf8.count == 11 && second.hostName.hasPrefix("nsb"))
    #expect(spec.origins["net.veth[1].bridge"]?.start.line == 13)
  }

  @Test func pastaPortsDecode() throws {
    let check = decode(Self.header + "[net.pasta]\nports = [\"8080:80/tcp\", \"53/udp\"]\n")
    let spec = try #require(check.spec, "\(check.diagnostics.map(\.message))")
    #expect(
      spec.net.pasta?.ports == [
        PortForward(hostPort: 8080, sandboxPort: 80), PortForward(hostPort: 53, sandboxPort: 53, transport: .udp),
      ])
  }

  @Test func defaultHostNamesDifferWithTheAddresses() {
    #expect(
      Veth.defaultHostName(name: "eth0", addresses: ["10.0.0.2/24"])
        != Veth.defaultHostName(name: "eth0", addresses: ["10.0.0.3/24"]))
  }

  static let veth = header + "[[net.veth]]\n"

  static let broken: [BrokenSpec] = [
    BrokenSpec(
      name: "name too long", text: veth + "name = \"abcdefghijklmnop\"\n",
      message: "interface name 'abcdefghijklmnop' is 16 bytes long; the kernel takes at most 15", line: 5, column: 8),
    BrokenSpec(
      name: "name with a slash", text: veth + "name = \"eth0\"\nhost_name = \"a/b\"\n",
      message: "interface name 'a/b' contains '/'", line: 6, column: 13),
    BrokenSpec(
      name: "missing name", text: veth + "addresses = []\n",
      message: "this [[net.veth]] entry has no `name`", line: 4, column: 1),
    BrokenSpec(
      name: "bad CIDR", text: veth + "name = \"eth0\"\naddresses = [\"10.0.0.1/24\", \"10.0.0.999/24\"]\n",
      message: "`addresses` entry '10.0.0.999/24' has '10.0.0.999', which is not an IPv4 or IPv6 address",
      line: 6, column: 29),
    BrokenSpec(
      name: "prefix too long", text: veth + "name = \"eth0\"\nhost_addresses = [\"fd00::1/200\"]\n",
      message: "`host_addresses` entry 'fd00::1/200' has prefix length '200'; an IPv6 prefix is 0 to 128",
      line: 6, column: 19),
    BrokenSpec(
      name: "gateway outside", text: veth + "name = \"eth0\"\naddresses = [\"10.0.0.2/24\"]\ngateway = \"10.0.1.1\"\n",
      message: "gateway 10.0.1.1 lies outside every subnet of this interface's addresses (10.0.0.0/24)",
      line: 7, column: 11, hint: "a default route needs a gateway the interface reaches directly (on-link)"),
    BrokenSpec(
      name: "gateway of a family without addresses",
      text: veth + "name = \"eth0\"\naddresses = [\"10.0.0.2/24\"]\ngateway = \"fd00::1\"\n",
      message: "gateway fd00::1 lies outside every subnet of this interface's addresses (it has none of that family)",
      line: 7, column: 11),
    BrokenSpec(
      name: "mtu too small for IPv6", text: veth + "name = \"eth0\"\naddresses = [\"fd00::2/64\"]\nmtu = 1000\n",
      message: "mtu 1000 is out of range: this interface takes 1280 to 65535", line: 7, column: 7),
    BrokenSpec(
      name: "bridge and host addresses",
      text: veth + "name = \"eth0\"\nhost_addresses = [\"10.0.0.1/24\"]\nbridge = \"br0\"\n",
      message: "`host_addresses` and `bridge` cannot both be given: a bridged host end has no address",
      line: 6, column: 18),
    BrokenSpec(
      name: "inside name clash", text: veth + "name = \"eth0\"\n[[net.veth]]\nname = \"eth0\"\nhost_name = \"h2\"\n",
      message: "interface name 'eth0' is already used inside by [[net.veth]] entry 1", line: 7, column: 8),
    BrokenSpec(
      name: "loopback name", text: veth + "name = \"lo\"\n",
      message: "interface name 'lo' is the loopback interface's, which every network namespace has", line: 5,
      column: 8),
    BrokenSpec(
      name: "host name clash",
      text: veth + "name = \"a\"\nhost_name = \"h\"\n[[net.veth]]\nname = \"b\"\nhost_name = \"h\"\n",
      message: "host name 'h' is already the host name of [[net.veth]] entry 1", line: 9, column: 13),
    BrokenSpec(
      name: "address on two interfaces",
      text: veth
        + "name = \"a\"\naddresses = [\"10.0.0.2/24\"]\n[[net.veth]]\nname = \"b\"\naddresses = [\"10.0.0.2/24\"]\n",
      message: "address 10.0.0.2 is also in `addresses` of [[net.veth]] entry 1", line: 9, column: 13),
    BrokenSpec(
      name: "veth without net", text: "version = 1\n[namespaces]\nunshare = [\"uts\"]\n[[net.veth]]\nname = \"a\"\n",
      message: "a [[net.veth]] entry needs the net namespace", line: 4, column: 1),
    BrokenSpec(
      name: "veth in a joined net",
      text: "version = 1\n[namespaces]\njoin = { net = \"pod\" }\n[[net.veth]]\nname = \"a\"\n",
      message:
        "a [[net.veth]] entry needs a new net namespace: the joined one is sandbox 'pod''s, which this sandbox does not set up",
      line: 4, column: 1),
    BrokenSpec(
      name: "port twice", text: header + "[net.pasta]\nports = [\"8080:80\", \"8080:81/tcp\"]\n",
      message: "host port 8080/tcp is forwarded twice (first at line 5)", line: 5, column: 21),
    BrokenSpec(
      name: "bad port", text: header + "[net.pasta]\nports = [\"0:80\"]\n",
      message: "port forward '0:80' is not HOST:SANDBOX/PROTOCOL", line: 5, column: 10),
    BrokenSpec(
      name: "pasta and a gateway",
      text: veth + "name = \"a\"\naddresses = [\"10.0.0.2/24\"]\ngateway = \"10.0.0.1\"\n[net.pasta]\n",
      message: "a veth gateway and [net.pasta] both set the default route inside the sandbox", line: 7, column: 11),
  ]

  @Test(arguments: broken)
  func brokenNetworkGivesOneExactError(_ broken: BrokenSpec) throws {
    let check = decode(broken.text)
    #expect(check.spec == nil)
    let errors = check.diagnostics.filter { $0.severity == .error }
    #expect(errors.count == 1, "\(errors.map(\.message))")
    let error = try #require(errors.first)
    #expect(error.message == broken.message)
    #expect(error.range.start.line == broken.line)
    #expect(error.range.start.column == broken.column)
    if let hint = broken.hint { #expect(error.hint == hint) }
  }
}
