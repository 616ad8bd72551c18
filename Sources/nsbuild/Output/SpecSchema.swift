import FoundationEssentials
import SpecParser

/// The JSON Schema (draft-07) of spec version 1, as `nsbuild schema` prints it.
///
/// It follows the decoder in `Sources/SpecParser/Decode`: the same keys, types, ranges and value forms, and the
/// namespace rules of `CrossFieldRules`. Enum values come from the Swift enums, so the schema cannot drift from
/// them. Draft-07 because taplo (and so Even Better TOML) supports it fully. What a schema cannot see is left to
/// `nsbuild check`: whether an integer `mode` was written as a 0o literal, and sums such as `inside + count`.
enum SpecSchema {
  /// The schema as pretty-printed JSON with sorted keys, so the output is stable.
  static func json() throws -> String {
    try JSONText.encode(document)
  }

  /// The whole schema document.
  static var document: JSONValue {
    [
      "$schema": "http://json-schema.org/draft-07/schema#",
      "title": "nsbuild sandbox spec, version 1",
      "description": "A Linux namespace sandbox for `nsbuild check`, `plan` and `run`.",
      "type": "object",
      "additionalProperties": false,
      "required": ["version"],
      "properties": [
        "version": ["description": "The spec format version; only 1 exists.", "type": "integer", "const": 1],
        "namespaces": namespaces,
        "uts": uts,
        "user": user,
        "time": time,
        "net": network,
        "root": root,
        "mounts": [
          "description": "Filesystems to mount inside the sandbox, in the order written (needs `mount`).",
          "type": "array", "items": mount,
        ],
        "files": [
          "description": "Directories, files and symlinks to create, in the order written with the mounts.",
          "type": "array", "items": file,
        ],
        "process": process,
      ],
      "allOf": .array(namespaceRules),
    ]
  }

  /// Largest ID in a map: 2^32-2, since the kernel reserves 2^32-1 as "no ID".
  static let maximumID: Int64 = 4_294_967_294
  /// The kernel's limit on a clock offset either way, in seconds (as the decoder's `maximumOffsetSeconds`).
  static let maximumOffsetSeconds: Int64 = 4_611_686_018

  static var namespaces: JSONValue {
    table(
      "The namespaces to create, and existing ones to join.",
      [
        "unshare": [
          "description": "Namespaces to unshare, by namespaces(7) name; each once.",
          "type": "array", "uniqueItems": true,
          "items": ["type": "string", "enum": .array(Namespace.allCases.map { .string($0.rawValue) })],
        ],
        "join": table(
          "Existing namespaces to enter with setns(2), by namespaces(7) name: a live sandbox's name or the absolute path of a namespace file (/run/netns/NAME, /proc/PID/ns/net). A namespace is either unshared or joined.",
          .object(Dictionary(uniqueKeysWithValues: Namespace.allCases.map { ($0.rawValue, joinTarget) }))),
      ])
  }

  /// A `[namespaces] join` value: a sandbox name (``SandboxNameSyntax``) or an absolute path without `..`.
  static var joinTarget: JSONValue {
    [
      "type": "string",
      "anyOf": [
        [
          "description": "A live sandbox's name.",
          "pattern": .string("^[a-z0-9][a-z0-9._-]{0,\(SandboxNameSyntax.maximumLength - 1)}$"),
        ],
        [
          "description": "An absolute path to a namespace file.", "pattern": "^/",
          "not": ["pattern": "(^|/)\\.\\.(/|$)"],
        ],
      ],
    ]
  }

  static var uts: JSONValue {
    // RFC 1123: dot-separated labels of 1–63 letters, digits and inner hyphens.
    let label = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    return table(
      "Names set in the new UTS namespace (needs `uts`).",
      [
        "hostname": [
          "description": "The hostname (sethostname(2)); 1–64 bytes of RFC 1123 labels.",
          "type": "string", "minLength": 1, "maxLength": 64, "pattern": .string("^\(label)(\\.\(label))*$"),
        ],
        "domainname": [
          "description": "The NIS domain name (setdomainname(2)); 1–64 bytes, no control characters.",
          "type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[^\\x00-\\x1F\\x7F]*$",
        ],
      ])
  }

  static var user: JSONValue {
    table(
      "ID maps of the new user namespace (needs `user`).",
      [
        "uid_map": idMap("uid_map: user IDs inside mapped to user IDs outside; at most 340 lines."),
        "gid_map": idMap("gid_map: group IDs inside mapped to group IDs outside; at most 340 lines."),
        "setgroups": [
          "description": "What to write to /proc/PID/setgroups; default `deny` when not run as root.",
          "type": "string", "enum": .array(Setgroups.allCases.map { .string($0.rawValue) }),
        ],
      ])
  }

  static func idMap(_ description: String) -> JSONValue {
    let id: JSONValue = ["type": "integer", "minimum": 0, "maximum": .integer(maximumID)]
    return [
      "description": .string(description),
      "type": "array", "maxItems": 340,
      "items": table(
        "One map line: `count` IDs from `inside` map to IDs from `outside`.",
        [
          "inside": [
            "description":
              "First ID inside the namespace, or \"caller\" for the ID of the user (group) running nsbuild.",
            "oneOf": [id, ["type": "string", "const": "caller"]],
          ],
          "outside": [
            "description": "First ID outside, or \"caller\" for the user (group) running nsbuild.",
            "oneOf": [id, ["type": "string", "const": "caller"]],
          ],
          "count": id.adding([
            "description": "How many IDs the line maps; at least 1, and start + count at most 4294967295.",
            "minimum": 1, "maximum": .integer(maximumID + 1),
          ]),
        ],
        required: ["inside", "outside", "count"]),
    ]
  }

  static var time: JSONValue {
    let offset: JSONValue = [
      "oneOf": [
        [
          "type": "number", "minimum": .integer(-maximumOffsetSeconds), "maximum": .integer(maximumOffsetSeconds),
        ],
        // A plain number of seconds, or number-unit pairs with one optional sign in front (Units.durationNanoseconds).
        [
          "type": "string",
          "pattern": "^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+|([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h|d))+)$",
        ],
      ]
    ]
    let range = "seconds (up to ±\(maximumOffsetSeconds)), or a duration such as \"90s\", \"-2h\", \"1h30m\""
    return table(
      "Clock offsets of the new time namespace (needs `time`); realtime cannot be offset.",
      [
        "monotonic": offset.adding(["description": .string("CLOCK_MONOTONIC offset: \(range).")]),
        "boottime": offset.adding(["description": .string("CLOCK_BOOTTIME offset: \(range).")]),
      ])
  }

  static var mount: JSONValue {
    let kinds = Mount.Kind.allCases.map { JSONValue.string($0.rawValue) }
    var entry = table(
      "One mount.",
      [
        "type": ["description": "The kind of filesystem.", "type": "string", "enum": .array(kinds)],
        "target": path("Where to mount, inside the sandbox; relative paths resolve against the spec's folder.")
          .adding(["not": ["pattern": "^/+(\\./+)*\\.?$"]]),
        "source": hostPath("bind only: the host path to bind; relative paths resolve against the spec's folder."),
        "options": [
          "description": "Mount flags, as mount(8) names them; `ro` is recursive.",
          "type": "array",
          "items": ["type": "string", "enum": .array(MountOption.allCases.map { .string($0.rawValue) })],
          "not": ["allOf": [["contains": ["const": "ro"]], ["contains": ["const": "rw"]]]],
        ],
        "size": [
          "description": "tmpfs only: size limit in bytes, or with a binary unit k, m or g (\"64M\").",
          "oneOf": [
            ["type": "integer", "minimum": 1],
            ["type": "string", "pattern": "^\\+?[0-9]*[1-9][0-9]*[kKmMgG]$"],
          ],
        ],
        "mode": octalMode("tmpfs only: permission bits of its root"),
        "uid": ["description": "tmpfs only: owner of its root.", "type": "integer", "minimum": 0],
        "gid": ["description": "tmpfs only: group of its root.", "type": "integer", "minimum": 0],
        "lower": [
          "description": "overlay only: lower directories, top first (as the kernel's lowerdir).",
          "type": "array", "minItems": 1, "items": ["type": "string", "minLength": 1],
        ],
        "upper": hostPath("overlay only: the upper directory, or \"tmpfs\" for a throw-away upper layer."),
        "work": hostPath("overlay only: the work directory, on the upper directory's filesystem."),
        "propagation": [
          "description": "The mount's propagation after mounting (mount_namespaces(7)).", "type": "string",
          "enum": .array(Propagation.allCases.map { .string($0.rawValue) }),
        ],
        "unmask": [
          "description":
            "proc and sysfs only: true leaves the filesystem as the kernel makes it. By default, as OCI runtimes do, a proc gets /proc/sys, sysrq-trigger, irq, bus and fs read-only and kcore, keys, timer_list and the like masked; a sysfs gets firmware and powercap masked, and is read-only when the command could be host root (no user namespace, or one mapping host uid 0). Like podman's --security-opt unmask=ALL.",
          "type": "boolean", "default": false,
        ],
      ],
      required: ["type", "target"])
    // Keys that belong to one kind are errors on the others (MountDecoder.checkKeysFit).
    entry = entry.adding([
      "allOf": [
        kindRule(.bind, then: ["required": ["source"]], otherwise: forbidding(["source"])),
        kindRule(.tmpfs, then: [:], otherwise: forbidding(["size", "mode", "uid", "gid"])),
        kindRule(.overlay, then: ["required": ["lower"]], otherwise: forbidding(["lower", "upper", "work"])),
        [
          "if": ["required": ["type"], "properties": ["type": ["enum": ["proc", "sysfs"]]]],
          "then": [:], "else": forbidding(["unmask"]),
        ],
      ]
    ])
    return entry
  }

  static func octalMode(_ description: String) -> JSONValue {
    [
      "description": .string(description + ", octal: a string (\"1777\") or a 0o literal."),
      "oneOf": [
        ["type": "integer", "minimum": 0, "maximum": .integer(Int64(FileMode.maximum))],
        ["type": "string", "pattern": "^(0o)?0?[0-7]{1,4}$"],
      ],
    ]
  }

  static var root: JSONValue {
    table(
      "What the sandbox's / is: the host's tree (default), a directory (`path`), or an empty tmpfs.",
      [
        "path": hostPath("A host directory to pivot_root into."),
        "type": ["description": "\"tmpfs\" for an empty root.", "type": "string", "enum": ["tmpfs"]],
        "readonly": ["description": "Make / read-only after every mount is made.", "type": "boolean"],
        "propagation": [
          "description": "Propagation of the whole tree before the first mount.", "type": "string",
          "enum": ["private", "slave"],
        ],
      ])
  }

  static var file: JSONValue {
    table(
      "A directory, file or symlink to create inside the sandbox.",
      [
        "type": [
          "description": "What to create.", "type": "string",
          "enum": .array(FileEntry.Kind.allCases.map { .string($0.rawValue) }),
        ],
        "path": path("Where, inside the sandbox."),
        "mode": octalMode("Permission bits (defaults: 0755 for a directory, 0644 for a file)"),
        "content": ["description": "file only: its contents (UTF-8).", "type": "string"],
        "link": ["description": "symlink only: what it points to.", "type": "string"],
      ],
      required: ["type", "path"])
  }

  static var process: JSONValue {
    let id: JSONValue = ["type": "integer", "minimum": 0, "maximum": .integer(maximumID)]
    return table(
      "The command to run inside the sandbox, and what it runs as.",
      [
        "args": [
          "description": "argv, program first; a name without `/` is searched in the sandbox's PATH.",
          "type": "array", "minItems": 1, "items": ["type": "string"],
        ],
        "env": [
          "description": "Environment variables set on top of nsbuild's own (or on none, with clear_env).",
          "type": "object", "propertyNames": ["minLength": 1, "pattern": "^[^=]*$"],
          "additionalProperties": ["type": "string"],
        ],
        "clear_env": ["description": "Start from an empty environment.", "type": "boolean"],
        "unset": [
          "description": "Inherited environment variables to remove.", "type": "array", "items": ["type": "string"],
        ],
        "cwd": path("Working directory inside the sandbox; default `/`."),
        "uid": id.adding(["description": "User ID inside (setresuid(2)); default 0, the sandbox's root."]),
        "gid": id.adding(["description": "Group ID inside (setresgid(2)); default 0, the sandbox's root group."]),
        "groups": [
          "description": "Supplementary group IDs (setgroups(2)); default: none (kept only where setgroups is denied).",
          "type": "array", "items": id,
        ],
        "no_new_privs": [
          "description": "Set PR_SET_NO_NEW_PRIVS, so set-user-ID programs gain nothing; default true.",
          "type": "boolean",
        ],
        "capabilities": capabilities,
        "rlimits": rlimits,
        "umask": [
          "description": "File mode creation mask (umask(2)), octal up to 777: a string (\"022\") or a 0o literal.",
          "oneOf": [
            ["type": "integer", "minimum": 0, "maximum": 0o777],
            ["type": "string", "pattern": "^(0o)?0{0,2}[0-7]{1,3}$"],
          ],
        ],
        "new_session": [
          "description": "Run the command in a new session (setsid(2)), away from the terminal; default true.",
          "type": "boolean",
        ],
        "die_with_parent": [
          "description":
            "nsbuild, and the sandbox with it, ends when the process that started nsbuild dies; default true.",
          "type": "boolean",
        ],
        "terminal": [
          "description":
            "`run`: the command gets a pseudo-terminal of its own, relayed to the caller's terminal (as `run -t`); default false.",
          "type": "boolean",
        ],
      ])
  }

  /// Capabilities to keep: capabilities(7) names in any case, with or without `CAP_`, or "ALL" (Capability(name:)).
  static var capabilities: JSONValue {
    let bare = Capability.names.map { $0.hasPrefix("CAP_") ? String($0.dropFirst(4)) : $0 }
    let spelled = "^((\(anyCase("CAP_")))?(\(bare.map(anyCase).joined(separator: "|")))|\(anyCase("ALL")))$"
    return [
      "description": "Capabilities to keep (capabilities(7) names, or \"ALL\"); every other one is dropped.",
      "type": "array",
      // The enum offers completions in editors; the pattern accepts every spelling the decoder does.
      "items": [
        "type": "string",
        "anyOf": [["enum": .array((Capability.names + ["ALL"]).map(JSONValue.string))], ["pattern": .string(spelled)]],
      ],
    ]
  }

  /// Resource limits by RLIMIT name (setrlimit(2)): lower case for completion; any case, with or without
  /// `rlimit_`, as the decoder reads them.
  static var rlimits: JSONValue {
    let names = ResourceLimit.Resource.allCases.map(\.rawValue)
    let alternatives = names.map(anyCase).joined(separator: "|")
    let value: JSONValue = ["oneOf": [["type": "integer", "minimum": 0], ["type": "string", "const": "unlimited"]]]
    let limit: JSONValue = [
      "description": "A limit for both soft and hard, or { soft, hard }: integers or \"unlimited\".",
      "oneOf": [
        value,
        table(
          "Soft and hard limits; soft at most hard.",
          [
            "soft": value.adding(["description": "The soft limit, which the process may raise up to the hard one."]),
            "hard": value.adding(["description": "The hard limit, the ceiling for the soft one."]),
          ],
          required: ["soft", "hard"]),
      ],
    ]
    return [
      "description": "Resource limits (setrlimit(2)), by RLIMIT name: nofile = 1024 or nofile = { soft, hard }.",
      "type": "object",
      "properties": .object(Dictionary(uniqueKeysWithValues: names.map { ($0, limit) })),
      "propertyNames": ["pattern": .string("^(\(anyCase("rlimit_")))?(\(alternatives))$")],
      "additionalProperties": limit,
    ]
  }

  /// `CrossFieldRules`: a section's keys need their namespace in `[namespaces] unshare`.
  static var namespaceRules: [JSONValue] {
    let keyed: [(String, [String], Namespace)] = [
      ("uts", ["hostname", "domainname"], .uts),
      ("user", ["uid_map", "gid_map", "setgroups"], .user),
      ("time", ["monotonic", "boottime"], .time),
      ("net", ["loopback", "veth", "pasta"], .net),
    ]
    var rules = keyed.map { section, keys, namespace in
      let anyKey: JSONValue = ["anyOf": .array(keys.map { ["required": [.string($0)]] })]
      return rule(if: ["required": [.string(section)], "properties": [section: anyKey]], needs: namespace)
    }
    rules.append(rule(if: ["required": ["mounts"], "properties": ["mounts": ["minItems": 1]]], needs: .mount))
    // `join-and-unshare`: a namespace is joined or unshared, never both.
    for namespace in Namespace.allCases {
      rules.append([
        "not": [
          "required": ["namespaces"],
          "properties": [
            "namespaces": [
              "required": ["unshare", "join"],
              "properties": [
                "unshare": ["contains": ["const": .string(namespace.rawValue)]],
                "join": ["required": [.string(namespace.rawValue)]],
              ],
            ]
          ],
        ]
      ])
    }
    return rules
  }

  // MARK: - Building blocks

  /// A TOML table: an object that flags unknown (misspelt) keys.
  static func table(_ description: String, _ properties: JSONValue, required: [String] = []) -> JSONValue {
    var schema: JSONValue = [
      "description": .string(description), "type": "object", "additionalProperties": false, "properties": properties,
    ]
    if !required.isEmpty { schema = schema.adding(["required": .array(required.map(JSONValue.string))]) }
    return schema
  }

  /// A path inside the sandbox: non-empty, and without a `..` component, which the decoder refuses.
  static func path(_ description: String) -> JSONValue {
    [
      "description": .string(description), "type": "string", "minLength": 1,
      "not": ["pattern": "(^|/)\\.\\.(/|$)"],
    ]
  }

  /// A host path: non-empty, `..` and `${NAME}` allowed, not starting with `~` (which nsbuild does not expand).
  static func hostPath(_ description: String) -> JSONValue {
    [
      "description": .string(description + " `${HOME}`, `${SPEC_DIR}`, `..` and the like are allowed."),
      "type": "string", "minLength": 1, "not": ["pattern": "^~"],
    ]
  }

  /// A regular expression matching `text` in any letter case; JSON Schema patterns have no case-insensitive flag.
  static func anyCase(_ text: String) -> String {
    text.map { $0.isLetter ? "[\($0.uppercased())\($0.lowercased())]" : String($0) }.joined()
  }

  static func kindRule(_ kind: Mount.Kind, then: JSONValue, otherwise: JSONValue) -> JSONValue {
    [
      "if": ["required": ["type"], "properties": ["type": ["const": .string(kind.rawValue)]]],
      "then": then, "else": otherwise,
    ]
  }

  static func forbidding(_ keys: [String]) -> JSONValue {
    ["not": ["anyOf": .array(keys.map { ["required": [.string($0)]] })]]
  }

  static func rule(if condition: JSONValue, needs namespace: Namespace) -> JSONValue {
    [
      "if": condition,
      "then": [
        "required": ["namespaces"],
        "properties": [
          "namespaces": [
            "required": ["unshare"],
            "properties": ["unshare": ["contains": ["const": .string(namespace.rawValue)]]],
          ]
        ],
      ],
    ]
  }
}

/// A JSON value written as Swift literals, so the schema reads like the JSON it becomes and `JSONEncoder` (with
/// sorted keys) writes it; no JSON is concatenated by hand.
indirect enum JSONValue: Encodable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
  ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
  case string(String)
  case integer(Int64)
  case bool(Bool)
  case array([JSONValue])
  case object([String: JSONValue])

  init(stringLiteral value: String) { self = .string(value) }
  init(integerLiteral value: Int64) { self = .integer(value) }
  init(booleanLiteral value: Bool) { self = .bool(value) }
  init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
  init(dictionaryLiteral elements: (String, JSONValue)...) {
    self = .object(Dictionary(elements) { _, last in last })
  }

  /// This object with `other`'s keys added (replacing any it already has); other values are returned unchanged.
  func adding(_ other: JSONValue) -> JSONValue {
    guard case .object(let mine) = self, case .object(let theirs) = other else { return self }
    return .object(mine.merging(theirs) { _, new in new })
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .string(let value): try container.encode(value)
    case .integer(let value): try container.encode(value)
    case .bool(let value): try container.encode(value)
    case .array(let value): try container.encode(value)
    case .object(let value): try container.encode(value)
    }
  }
}
