import Builder

/// The JSON Schema (draft-07) of `plan --format json`, printed by `nsbuild schema --plan`. It describes both forms
/// the document takes: a plan, or the diagnostics of a spec that could not be planned.
enum PlanSchema {
  static func json() throws -> String {
    try JSONText.encode(document)
  }

  static var document: JSONValue {
    [
      "$schema": "http://json-schema.org/draft-07/schema#",
      "title": .string("nsbuild plan, format version \(Plan.formatVersion)"),
      "description": "What `nsbuild plan --format json` prints: the steps `nsbuild run` takes, in order.",
      "oneOf": [plan, failure],
    ]
  }

  static let kinds: [String] = [
    "spawn", "unshare", "setgroups", "uid_map", "gid_map", "timens_offsets", "fork", "propagation", "hostname",
    "domainname", "loopback", "sources", "root", "mount", "protect", "file", "pivot_root", "readonly_root", "close_fds",
    "environ",
    "fork_command", "session", "rlimits", "bounding_set", "credentials", "capabilities", "no_new_privs", "umask", "cwd",
    "exec", "userns_root", "tcsetpgrp", "pty", "relay", "setns", "umount", "detach", "hold", "outlive_nsbuild",
    "end_command", "check_program",
    "veth", "bridge", "pasta", "dellink",
  ]

  /// The calls a step makes, by the snake_case name of their ``Syscall`` case: `operations[].name`.
  static let callNames: [String] = [
    "fork", "clone_vm", "set_parent_death_signal", "set_dumpable", "check_parent", "forward_signals", "unshare",
    "write_proc_file",
    "id_map_helper", "mount", "mount_setattr", "sethostname", "setdomainname", "open_path",
    "open_directory_no_symlinks",
    "open_no_symlinks", "lock_shared", "close_slots", "resolve", "mount_at", "mount_overlay", "read_only_path",
    "mask_path", "setattr_at", "restore_writable", "propagate_at", "make_directory", "create_file", "symlink",
    "change_directory_to", "pivot_root", "detach_old_root", "loopback_up", "loopback_down", "scrub_environment",
    "name_process", "open_pseudo_terminal", "copy_window_size", "use_terminal_replica", "set_controlling_terminal",
    "relay_terminal", "open_terminal_replica",
    "setsid", "setrlimit",
    "setgroups", "setresgid", "setresuid", "keep_capabilities", "drop_bounding_set", "capset", "raise_ambient",
    "set_no_new_privs", "umask", "chdir", "close_on_exec_from", "execve", "take_back_foreground",
    "enter_mount_namespace", "save_mount_namespace", "return_to_mount_namespace", "send_slots", "receive_slots",
    "fsopen", "fsconfig_string", "fsconfig_fd", "fsconfig_create", "fsmount", "open_tree", "move_mount",
    "set_propagation", "open_namespace", "pidfd_open", "setns", "unmount", "keep_mount", "restore_mount", "reconfigure",
    "change_mode", "change_owner",
    "prlimit",
    "replace_file", "remove_file",
    "redirect_standard_streams", "hold_until_signalled", "end_sandbox_after_command", "close_inherited_descriptors",
    "send_handoff_signal", "check_program", "end_process",
    "open_sandbox_namespace", "rtnetlink", "start_pasta", "start_live_pasta",
  ]

  /// What a step acts on, by the snake_case name of its ``Step/Subject`` case: `subject.type`.
  static let subjectTypes: [String] = [
    "process", "namespaces", "id_map", "clock", "hostname", "domainname", "network_interface", "host_paths",
    "mount_target", "file", "process_attribute", "foreground_process_group", "joined_namespaces",
  ]

  /// A labelled value of a call or subject: its `Codable` form (numbers, strings, booleans, flag names, objects).
  static let value: JSONValue = ["type": ["string", "integer", "boolean", "array", "object", "null"]]
  static let snakeCase: JSONValue = ["pattern": "^[a-z][a-z0-9_]*$"]

  static var call: JSONValue {
    object(
      "One call as data: its name and its arguments by name, as `calls` shows them in C at the same index.",
      [
        "name": ["type": "string", "enum": .array(callNames.map { .string($0) })],
        "arguments": [
          "description": "The call's arguments by their snake_case names; flags as lists of kernel names.",
          "type": "object", "propertyNames": snakeCase, "additionalProperties": value,
        ],
        "origin": origin,
      ], required: ["name", "arguments"])
  }

  static var subject: JSONValue {
    [
      "description":
        "What the step acts on: `type`, and its values by name (`path` of a mount_target or file, `name` of a clock…).",
      "type": "object", "propertyNames": snakeCase, "required": ["type"],
      "properties": ["type": ["type": "string", "enum": .array(subjectTypes.map { .string($0) })]],
      "additionalProperties": value,
    ]
  }

  static var origin: JSONValue {
    object(
      "Where in the spec the step or warning comes from; `file` is \"command line\" for a value given by --set, --env or --bind.",
      ["file": string, "line": positive, "column": positive], required: ["file", "line", "column"])
  }

  static var plan: JSONValue {
    object(
      "A plan.",
      [
        "format_version": ["const": .integer(Int64(Plan.formatVersion))],
        "spec": string,
        "steps": ["type": "array", "items": step],
        "processes": ["type": "array", "minItems": 1, "items": process],
        "handoffs": ["type": "array", "items": handoff],
        "summary": object(
          "Counts, and what run leaves changed on the host's file system.",
          [
            "steps": count, "unchanged": count, "changes": count, "host_changes": ["type": "array", "items": string],
            "to_add": count, "to_change": count, "to_remove": count,
          ],
          required: ["steps", "unchanged", "changes", "host_changes"]),
        "warnings": [
          "type": "array",
          "items": object(
            "A problem foreseen before running; `steps`: the ids of the steps whose failure it foresees (run repeats it then).",
            [
              "message": string, "origin": origin, "steps": ["type": "array", "items": positive], "hint": string,
              "stops_run": [
                "description": "true when run refuses the spec for this reason, before making anything.",
                "type": "boolean",
              ],
            ], required: ["message"]),
        ],
        "target": target,
        "substitutions": [
          "type": "array",
          "items": object(
            "A spec value with a ${NAME} replaced: as written, and as used (a path made absolute and normalised).",
            ["written": string, "resolved": string, "origin": origin], required: ["written", "resolved", "origin"]),
        ],
      ], required: ["format_version", "spec", "steps", "processes", "handoffs", "summary", "warnings"])
  }

  /// `plan --target`'s additions: how apply treats each step, and the live sandbox's section.
  static let actions: [String] = ["unchanged", "change", "add", "remove", "replace", "blocked"]

  static var forcedBy: JSONValue {
    object(
      "What forces a replacement: its cause, what it replaces, why, and the man page that says so.",
      [
        "cause": ["type": "string", "enum": .array(Replacement.Cause.allCases.map { .string($0.rawValue) })],
        "scope": ["type": "string", "enum": ["sandbox", "mount", "main_command", "link"]],
        "reason": string, "man_page": string,
      ], required: ["cause", "scope", "reason", "man_page"])
  }

  static var drift: JSONValue {
    object(
      "Something changed inside the live sandbox since the plan was last applied.",
      [
        "kind": ["type": "string", "enum": .array(kinds.map { .string($0) })], "subject": subject, "name": string,
        "applied": string, "live": string, "restorable": ["type": "boolean"],
      ], required: ["kind", "subject", "name", "applied", "live", "restorable"])
  }

  static var target: JSONValue {
    object(
      "`plan --target`: the live sandbox, its drift, and the steps apply takes in place, numbered from 1.",
      [
        "name": string, "pid": positive, "start_time": count, "replace_sandbox": ["type": "boolean"],
        "replaced_because": ["type": "array", "items": forcedBy], "summary": string,
        "drift": ["type": "array", "items": drift], "apply": ["type": "array", "items": step],
        "undo": ["type": "array", "items": step], "unread": ["type": "array", "items": string],
        "blocked": ["type": "array", "minItems": 1, "items": string], "main_command": mainCommand,
      ],
      required: [
        "name", "pid", "start_time", "replace_sandbox", "replaced_because", "summary", "drift", "apply", "undo",
        "unread",
      ])
  }

  static var mainCommand: JSONValue {
    object(
      "The -/+ of the live sandbox's main command ([process] changed): the ids in `apply` of nsbuild's steps that end the old command, then of the keeper chain's that start the new one, with that chain's processes and hand-offs.",
      [
        "ending": ["type": "array", "items": positive], "chain": ["type": "array", "items": positive],
        "processes": ["type": "array", "items": process], "handoffs": ["type": "array", "items": handoff],
      ], required: ["ending", "chain", "processes", "handoffs"])
  }

  static let actors: JSONValue = ["type": "string", "enum": .array(Step.Actor.allCases.map { .string($0.rawValue) })]

  static var process: JSONValue {
    object(
      "One process of the chain run starts, in the order they are forked: nsbuild (`parent`) first.",
      [
        "role": actors, "forked_by": positive, "parent": actors,
        "watches_parent": ["type": "string", "enum": .array(ParentWatch.allCases.map { .string($0.rawValue) })],
      ], required: ["role", "watches_parent"])
  }

  static var handoff: JSONValue {
    object(
      "What one process of the chain gives another while the second waits.",
      [
        "kind": ["type": "string", "enum": .array(Handoff.Kind.allCases.map { .string($0.rawValue) })],
        "from": actors, "to": actors,
      ], required: ["kind", "from", "to"])
  }

  static var step: JSONValue {
    object(
      "One step, numbered as `run --verbose` numbers it.",
      [
        "id": positive,
        "kind": ["type": "string", "enum": .array(kinds.map { .string($0) })],
        "actor": actors,
        "title": string,
        "subject": subject,
        "calls": ["type": "array", "minItems": 1, "items": string],
        "operations": ["type": "array", "minItems": 1, "items": call],
        "change": object(
          "How the step changes the current state.",
          [
            "op": ["type": "string", "enum": ["+", "~", "="]], "before": string, "after": string,
            "host_specific": ["type": "boolean"],
          ], required: ["op"]),
        "reason": string,
        "origin": origin,
        "action": ["type": "string", "enum": .array(actions.map { .string($0) })],
        "forced_by": forcedBy,
        "apply": ["type": "array", "items": positive],
        "restores": drift,
        "note": string,
        "next_exec": ["type": "boolean"],
      ], required: ["id", "kind", "actor", "title", "subject", "calls", "operations", "change"])
  }

  static var failure: JSONValue {
    let diagnostic = object(
      "One problem in the spec.",
      [
        "file": string, "line": positive, "column": positive,
        "end": object("Where it ends.", ["line": positive, "column": positive], required: ["line", "column"]),
        "severity": ["type": "string", "enum": ["error", "warning"]], "code": string, "message": string, "hint": string,
      ], required: ["file", "line", "column", "severity", "code", "message"])
    return object(
      "A spec that could not be planned.",
      [
        "format_version": ["const": .integer(Int64(Plan.formatVersion))], "spec": string,
        "diagnostics": ["type": "array", "items": diagnostic],
      ], required: ["format_version", "spec", "diagnostics"])
  }

  static let string: JSONValue = ["type": "string"]
  static let positive: JSONValue = ["type": "integer", "minimum": 1]
  static let count: JSONValue = ["type": "integer", "minimum": 0]

  static func object(_ description: String, _ properties: [String: JSONValue], required: [String]) -> JSONValue {
    [
      "description": .string(description), "type": "object", "additionalProperties": false,
      "properties": .object(properties), "required": .array(required.map { .string($0) }),
    ]
  }
}
