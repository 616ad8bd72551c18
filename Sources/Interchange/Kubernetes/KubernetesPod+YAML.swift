import YAML

extension KubernetesPod {
  /// The Pod manifest as a YAML tree, keys in the order `kubectl get -o yaml` shows them; fields left at their API
  /// default are left out.
  public var yaml: YAMLNode {
    var spec: [(String, YAMLNode)] = []
    if let hostname { spec.append(("hostname", .string(hostname))) }
    if let hostUsers { spec.append(("hostUsers", .boolean(hostUsers))) }
    if hostNetwork { spec.append(("hostNetwork", .boolean(true))) }
    if hostPID { spec.append(("hostPID", .boolean(true))) }
    if hostIPC { spec.append(("hostIPC", .boolean(true))) }
    if shareProcessNamespace { spec.append(("shareProcessNamespace", .boolean(true))) }
    if let enableServiceLinks { spec.append(("enableServiceLinks", .boolean(enableServiceLinks))) }
    spec.append(("restartPolicy", .string("Never")))
    if let supplementalGroups {
      spec.append(
        ("securityContext", .mapping([("supplementalGroups", .sequence(supplementalGroups.map { .integer($0) }))])))
    }
    spec.append(("containers", .sequence([container.yaml])))
    if !volumes.isEmpty { spec.append(("volumes", .sequence(volumes.map(\.yaml)))) }
    return .mapping([
      ("apiVersion", .string("v1")), ("kind", .string("Pod")), ("metadata", .mapping([("name", .string(name))])),
      ("spec", .mapping(spec)),
    ])
  }
}

extension KubernetesPod.Volume {
  var yaml: YAMLNode {
    switch source {
    case .hostPath(let path):
      return .mapping([("name", .string(name)), ("hostPath", .mapping([("path", .string(path))]))])
    case .memory(let sizeLimit):
      var emptyDir: [(String, YAMLNode)] = [("medium", .string("Memory"))]
      if let sizeLimit { emptyDir.append(("sizeLimit", .string(KubernetesQuantity.text(bytes: sizeLimit)))) }
      return .mapping([("name", .string(name)), ("emptyDir", .mapping(emptyDir))])
    }
  }
}

extension KubernetesPod.VolumeMount {
  var yaml: YAMLNode {
    var fields: [(String, YAMLNode)] = [("name", .string(name)), ("mountPath", .string(mountPath))]
    if readOnly { fields.append(("readOnly", .boolean(true))) }
    if recursiveReadOnly { fields.append(("recursiveReadOnly", .string("Enabled"))) }
    if let mountPropagation { fields.append(("mountPropagation", .string(mountPropagation))) }
    return .mapping(fields)
  }
}

extension KubernetesPod.Container {
  var yaml: YAMLNode {
    var fields: [(String, YAMLNode)] = [("name", .string(name))]
    if let image { fields.append(("image", .string(image))) }
    if let command { fields.append(("command", .sequence(command.map { .string($0) }))) }
    if let args { fields.append(("args", .sequence(args.map { .string($0) }))) }
    if !env.isEmpty {
      fields.append(
        ("env", .sequence(env.map { .mapping([("name", .string($0.name)), ("value", .string($0.value))]) })))
    }
    if let workingDir { fields.append(("workingDir", .string(workingDir))) }
    var security: [(String, YAMLNode)] = []
    if let runAsUser { security.append(("runAsUser", .integer(runAsUser))) }
    if let runAsGroup { security.append(("runAsGroup", .integer(runAsGroup))) }
    if let readOnlyRootFilesystem { security.append(("readOnlyRootFilesystem", .boolean(readOnlyRootFilesystem))) }
    if let allowPrivilegeEscalation {
      security.append(("allowPrivilegeEscalation", .boolean(allowPrivilegeEscalation)))
    }
    var capabilities: [(String, YAMLNode)] = []
    if !dropCapabilities.isEmpty { capabilities.append(("drop", .sequence(dropCapabilities.map { .string($0) }))) }
    if !addCapabilities.isEmpty { capabilities.append(("add", .sequence(addCapabilities.map { .string($0) }))) }
    if !capabilities.isEmpty { security.append(("capabilities", .mapping(capabilities))) }
    if !security.isEmpty { fields.append(("securityContext", .mapping(security))) }
    if !volumeMounts.isEmpty { fields.append(("volumeMounts", .sequence(volumeMounts.map(\.yaml)))) }
    return .mapping(fields)
  }
}

/// Kubernetes resource quantities (apimachinery's resource.Quantity) for byte counts.
public enum KubernetesQuantity {
  /// The shortest exact form: `64Mi`, `1Gi`, `1536Ki`, or the bare number of bytes.
  public static func text(bytes: UInt64) -> String {
    for (suffix, shift) in [("Ei", 60), ("Pi", 50), ("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)]
      as [(String, UInt64)]
    where bytes != 0 && bytes % (1 << shift) == 0 {
      return "\(bytes >> shift)\(suffix)"
    }
    return "\(bytes)"
  }

  /// Bytes of a quantity: a whole number with a binary (`Ki`..`Ei`) or decimal (`k`, `M`, `G`, `T`, `P`, `E`)
  /// suffix, or none; nil for fractions, exponents, milli-units and overflow, which a size does not take.
  public static func bytes(_ text: String) -> UInt64? {
    let digits = text.prefix { $0.isASCII && $0.isNumber }
    guard !digits.isEmpty, let value = UInt64(digits) else { return nil }
    let multipliers: [Substring: UInt64] = [
      "": 1, "Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40, "Pi": 1 << 50, "Ei": 1 << 60,
      "k": 1_000, "M": 1_000_000, "G": 1_000_000_000, "T": 1_000_000_000_000, "P": 1_000_000_000_000_000,
      "E": 1_000_000_000_000_000_000,
    ]
    guard let multiplier = multipliers[text.dropFirst(digits.count)] else { return nil }
    let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
    return overflow ? nil : product
  }
}
