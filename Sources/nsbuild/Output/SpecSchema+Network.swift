import SpecParser

/// `[net]` in the spec schema, following `Sources/SpecParser/Decode/NetworkDecoder.swift`.
extension SpecSchema {
  static var network: JSONValue {
    table(
      "The new network namespace (needs `net`).",
      [
        "loopback": ["description": "Bring the loopback interface up; default true.", "type": "boolean"],
        "veth": [
          "description":
            "Virtual Ethernet pairs (veth(4)): one end inside the sandbox, the other on the host (needs root).",
          "type": "array", "items": veth,
        ],
        "pasta": table(
          "User-mode networking through pasta(1) (package passt), for callers without root.",
          [
            "ports": [
              "description": "Host ports forwarded into the sandbox: HOST:SANDBOX/PROTOCOL, such as 8080:80/tcp.",
              "type": "array", "uniqueItems": true,
              "items": ["type": "string", "pattern": "^[0-9]{1,5}(:[0-9]{1,5})?(/(tcp|udp))?$"],
            ]
          ]),
      ])
  }

  static var interfaceName: JSONValue {
    [
      "type": "string", "minLength": 1, "maxLength": .integer(15),
      "pattern": "^[^/:\\s]+$", "not": ["enum": [".", ".."]],
    ]
  }

  static var cidrs: JSONValue {
    ["type": "array", "items": ["type": "string", "pattern": "^[0-9A-Fa-f:.]+/[0-9]{1,3}$"]]
  }

  static var veth: JSONValue {
    let address: JSONValue = ["type": "string", "pattern": "^[0-9A-Fa-f:.]+$"]
    return table(
      "One veth pair.",
      [
        "name": interfaceName.adding(["description": "The interface name inside the sandbox (IFNAMSIZ: 15 bytes)."]),
        "host_name": interfaceName.adding([
          "description": "The host end's name; default `nsb` and a hash of the entry's name and addresses."
        ]),
        "addresses": cidrs.adding(["description": "Addresses inside, ADDRESS/PREFIX (IPv4 or IPv6)."]),
        "host_addresses": cidrs.adding(["description": "Addresses of the host end, ADDRESS/PREFIX."]),
        "bridge": interfaceName.adding([
          "description": "A bridge the host end joins (instead of host_addresses); made when missing, then left."
        ]),
        "gateway": [
          "description": "Default route inside: one gateway per family, in a subnet of `addresses`.",
          "oneOf": [address, ["type": "array", "items": address, "maxItems": 2]],
        ],
        "mtu": ["description": "MTU of both ends, bytes.", "type": "integer", "minimum": 68, "maximum": 65535],
      ],
      required: ["name"]
    ).adding(["not": ["required": ["bridge", "host_addresses"]]])
  }
}
