import SpecParser
import YAML

/// The first container: its command, environment, working folder, security context and volume mounts.
extension KubernetesImporter {
  /// The capabilities a container has when its securityContext drops none (containerd's default set, which
  /// CRI-O's mostly shares), by capabilities(7) name.
  static let runtimeDefaultCapabilities = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
    "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
    "CAP_AUDIT_WRITE",
  ]

  mutating func importContainer(
    _ node: YAMLNode, _ path: String, _ pod: inout PodFields
  ) throws(KubernetesImportError) {
    var command: [String]?
    var args: (value: [String], node: YAMLNode)?
    var security: (YAMLNode, String)?
    // The container's environment is never the caller's: nothing is inherited.
    spec.process.clearEnv = true
    for pair in try mapping(node, path) {
      let key = pair.key.scalar ?? ""
      let field = path + "." + key
      let value = pair.value
      switch key {
      case "name": break
      case "image":
        drop(
          field, value, section: "root",
          "the image \(value.scalar ?? ""): nsbuild runs on the host's tree; unpack it into a folder and set "
            + "[root] path")
      case "command":
        command = try strings(value, field)
        report(field, value, "process.args", section: "process")
      case "args":
        args = (try strings(value, field), value)
      case "env": try importEnvironment(value, field)
      case "workingDir":
        spec.process.cwd = try absolutePath(value, field)
        report(field, value, "process.cwd", section: "process")
      case "securityContext": security = (value, field)
      case "volumeMounts":
        for (index, mount) in try sequence(value, field).enumerated() {
          try importVolumeMount(mount, "\(field)[\(index)]", &pod)
        }
      default:
        drop(field, value, section: "process", "no nsbuild equivalent")
      }
    }
    if let command {
      spec.process.args = command + (args?.value ?? [])
      if let args { report(path + ".args", args.node, "process.args", section: "process") }
    } else if let args {
      drop(
        path + ".args", args.node, section: "process",
        "arguments to the image's entrypoint, which is not known here: put the program in front, as args")
    }
    try importSecurity(security, &pod)
  }

  private mutating func importEnvironment(_ node: YAMLNode, _ path: String) throws(KubernetesImportError) {
    for (index, entry) in try sequence(node, path).enumerated() {
      let entryPath = "\(path)[\(index)]"
      guard let nameNode = entry.value(for: "name") else {
        throw KubernetesImportError("\(entryPath) needs a name", at: entry.mark)
      }
      let name = try string(nameNode, entryPath + ".name")
      if let from = entry.value(for: "valueFrom") {
        drop(
          entryPath + ".valueFrom", from, section: "process", "\(name) from a Secret, ConfigMap or field: no value here"
        )
        continue
      }
      let value =
        try entry.value(for: "value").map { (node) throws(KubernetesImportError) in
          try string(node, entryPath + ".value")
        } ?? ""
      // A later entry of a name wins, as in Kubernetes; the TOML table holds each name once.
      if let existing = spec.process.env.firstIndex(where: { $0.name == name }) {
        spec.process.env[existing].value = value
      } else {
        spec.process.env.append(EnvironmentVariable(name, value))
      }
      if value.contains("$(") {
        report(
          entryPath, entry, "process.env", section: "process",
          approximated: "\(name): nsbuild does not expand $(VAR) references")
      } else {
        report(entryPath, entry, "process.env.\(name)", section: "process")
      }
    }
  }

  /// The container's securityContext over the Pod's: IDs, the read-only root, privilege escalation, capabilities.
  private mutating func importSecurity(
    _ security: (YAMLNode, String)?, _ pod: inout PodFields
  ) throws(KubernetesImportError) {
    var allowEscalation: Bool?
    var privileged = false
    var add: [String] = []
    var drops: [String] = []
    if let (node, path) = security {
      for pair in try mapping(node, path) {
        let key = pair.key.scalar ?? ""
        let field = path + "." + key
        switch key {
        case "runAsUser": pod.runAsUser = (try id(pair.value, field), field, pair.value)
        case "runAsGroup": pod.runAsGroup = (try id(pair.value, field), field, pair.value)
        case "readOnlyRootFilesystem":
          spec.root.readonly = try boolean(pair.value, field)
          report(field, pair.value, "root.readonly", section: "root")
        case "allowPrivilegeEscalation":
          allowEscalation = try boolean(pair.value, field)
          report(field, pair.value, "process.no_new_privs", section: "process")
        case "capabilities":
          for capabilityPair in try mapping(pair.value, field) {
            let listPath = field + "." + (capabilityPair.key.scalar ?? "")
            switch capabilityPair.key.scalar {
            case "add": add = try strings(capabilityPair.value, listPath)
            case "drop": drops = try strings(capabilityPair.value, listPath)
            default: drop(listPath, capabilityPair.value, section: "process", "no nsbuild equivalent")
            }
          }
          report(field, pair.value, "process.capabilities", section: "process")
        case "privileged":
          privileged = try boolean(pair.value, field)
          if privileged {
            report(
              field, pair.value, "process.capabilities", section: "process",
              approximated: "every capability; the host's devices and an unmasked /proc and /sys it also gave are not")
          }
        default:
          drop(field, pair.value, section: "process", "no nsbuild equivalent")
        }
      }
    }
    spec.process.noNewPrivs = !(allowEscalation ?? true)
    if allowEscalation == nil {
      notes.append(
        SpecWriter.Note(
          section: "process", "No allowPrivilegeEscalation: Kubernetes' default allows it, so no_new_privs is off."))
    }
    if privileged {
      spec.process.capabilities = Capability.all
      spec.process.noNewPrivs = false
    } else {
      importCapabilities(add: add, drop: drops, security: security?.0)
    }
    importIDs(pod)
  }

  private mutating func importCapabilities(add: [String], drop drops: [String], security: YAMLNode?) {
    let dropsAll = drops.contains { $0.uppercased() == "ALL" }
    var names = dropsAll ? [] : Self.runtimeDefaultCapabilities
    for name in drops where !dropsAll {
      guard let capability = Capability(name: name) else { continue }
      names.removeAll { $0 == capability.description }
    }
    for name in add {
      guard let capability = Capability(name: name) else {
        drop(
          "capabilities.add \(name)", security ?? YAMLNode(.scalar(name, style: .plain)), section: "process",
          "not a capability this nsbuild knows")
        continue
      }
      if !names.contains(capability.description) { names.append(capability.description) }
    }
    spec.process.capabilities = names.compactMap { Capability(name: $0) }
    if !dropsAll {
      notes.append(
        SpecWriter.Note(
          section: "process", "No capabilities.drop ALL: the container runtime's default set (containerd's)."))
    }
  }

  /// runAsUser and runAsGroup (the container's over the Pod's). In a user namespace, an ID other than 0 needs a
  /// map that covers it: Kubernetes maps 65536 IDs, from a range of the node it picks.
  private mutating func importIDs(_ pod: PodFields) {
    if let (uid, field, node) = pod.runAsUser {
      spec.process.uid = uid
      report(field, node, "process.uid", section: "process")
    }
    if let (gid, field, node) = pod.runAsGroup {
      spec.process.gid = gid
      report(field, node, "process.gid", section: "process")
    } else if let uid = spec.process.uid, uid != 0 {
      spec.process.gid = 0
      notes.append(SpecWriter.Note(section: "process", "No runAsGroup: group 0, as the runtime gives."))
    }
    let ids = [spec.process.uid ?? 0, spec.process.gid ?? 0] + (spec.process.groups ?? [])
    guard spec.unshares(.user), ids.contains(where: { $0 != 0 }) else { return }
    let range = IDMapping(inside: 0, outside: .id(100_000), count: 65536)
    spec.user = UserMapping(uidMap: [range], gidMap: [range])
    notes.append(
      SpecWriter.Note(
        section: "user", "Kubernetes maps 0-65535 to a range of the node it picks: pick one of yours (/etc/subuid)."))
  }
}
