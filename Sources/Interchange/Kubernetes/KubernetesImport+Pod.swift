import SpecParser
import YAML

/// The Pod level: namespaces, hostname, the pod security context, and which container and volumes there are.
extension KubernetesImporter {
  /// What the pod spec says, gathered before the spec is built (the container's fields override the Pod's).
  struct PodFields {
    var hostUsers = true
    var hostNetwork = false
    var hostPID = false
    var hostIPC = false
    var hostname: (String, String, YAMLNode)?
    var runAsUser: (UInt32, String, YAMLNode)?
    var runAsGroup: (UInt32, String, YAMLNode)?
    var volumes: [String: (node: YAMLNode, path: String)] = [:]
    var usedVolumes: Set<String> = []
  }

  mutating func importWorkload(
    _ document: YAMLNode, kind: String, podSpec: YAMLNode, path: String
  ) throws(KubernetesImportError) {
    let name = document.value(for: "metadata")?.value(for: "name")?.scalar
    notes.append(
      SpecWriter.Note(
        section: "",
        "Imported by nsbuild from the \(kind)" + (name.map { " \($0)" } ?? "") + " (line \(document.mark.line))."))
    if kind != "Pod", let workload = document.value(for: "spec") {
      for pair in try mapping(workload, "spec") where !["template", "jobTemplate"].contains(pair.key.scalar ?? "") {
        drop(
          "spec.\(pair.key.scalar ?? "?")", pair.value, section: "", "a \(kind)'s own field: nsbuild runs one sandbox")
      }
    }
    var pod = PodFields()
    var containers: (YAMLNode, String)?
    for pair in try mapping(podSpec, path) {
      let key = pair.key.scalar ?? ""
      let field = path + "." + key
      let value = pair.value
      switch key {
      case "hostname": pod.hostname = (try string(value, field), field, value)
      case "hostUsers": pod.hostUsers = try boolean(value, field)
      case "hostNetwork": pod.hostNetwork = try boolean(value, field)
      case "hostPID": pod.hostPID = try boolean(value, field)
      case "hostIPC": pod.hostIPC = try boolean(value, field)
      case "shareProcessNamespace":
        if try boolean(value, field) {
          report(field, value, "namespaces.unshare pid", section: "namespaces")
        } else {
          report(
            field, value, "namespaces.unshare pid", section: "namespaces",
            approximated: "nsbuild's init is pid 1 of the pid namespace, not the command")
        }
      case "securityContext": try importPodSecurity(value, field, &pod)
      case "containers": containers = (value, field)
      case "volumes":
        for (index, volume) in try sequence(value, field).enumerated() {
          let volumePath = "\(field)[\(index)]"
          guard let nameNode = volume.value(for: "name") else {
            throw KubernetesImportError("\(volumePath) needs a name", at: volume.mark)
          }
          pod.volumes[try string(nameNode, volumePath + ".name")] = (volume, volumePath)
        }
      case "restartPolicy" where value.scalar == "Never":
        report(field, value, "nsbuild run", section: "")
      case "enableServiceLinks":
        report(field, value, "process.clear_env", section: "process")
      default:
        drop(field, value, section: "", "no nsbuild equivalent")
      }
    }
    importNamespaces(pod)
    guard let (containersNode, containersPath) = containers else {
      throw KubernetesImportError("\(path) has no containers", at: podSpec.mark)
    }
    let list = try sequence(containersNode, containersPath)
    guard let first = list.first else {
      throw KubernetesImportError("\(containersPath) is empty", at: containersNode.mark)
    }
    try importContainer(first, containersPath + "[0]", &pod)
    for (index, other) in list.enumerated().dropFirst() {
      drop(
        "\(containersPath)[\(index)]", other, section: "",
        "another container: import it on its own, and join this sandbox's namespaces")
    }
    for (name, volume) in pod.volumes.sorted(by: { $0.value.node.mark.line < $1.value.node.mark.line })
    where !pod.usedVolumes.contains(name) {
      drop(volume.path, volume.node, section: "", "the first container does not mount it")
    }
  }

  private mutating func importPodSecurity(
    _ node: YAMLNode, _ path: String, _ pod: inout PodFields
  ) throws(KubernetesImportError) {
    for pair in try mapping(node, path) {
      let key = pair.key.scalar ?? ""
      let field = path + "." + key
      switch key {
      case "runAsUser": pod.runAsUser = (try id(pair.value, field), field, pair.value)
      case "runAsGroup": pod.runAsGroup = (try id(pair.value, field), field, pair.value)
      case "supplementalGroups":
        var groups: [UInt32] = []
        for (index, item) in try sequence(pair.value, field).enumerated() {
          groups.append(try id(item, "\(field)[\(index)]"))
        }
        spec.process.groups = groups
        report(
          field, pair.value, "process.groups", section: "process",
          approximated: "without the groups the image's /etc/group would add")
      default:
        drop(field, pair.value, section: "process", "no nsbuild equivalent")
      }
    }
  }

  /// mount and cgroup are every container's own; uts and net the Pod's unless hostNetwork, ipc unless hostIPC,
  /// pid unless hostPID; user only with hostUsers: false.
  private mutating func importNamespaces(_ pod: PodFields) {
    var unshare: [Namespace] = []
    if !pod.hostUsers { unshare.append(.user) }
    unshare.append(.mount)
    if !pod.hostPID { unshare.append(.pid) }
    if !pod.hostNetwork { unshare += [.net] }
    if !pod.hostIPC { unshare.append(.ipc) }
    if !pod.hostNetwork { unshare.append(.uts) }
    unshare.append(.cgroup)
    spec.namespaces = unshare
    if !pod.hostNetwork {
      notes.append(
        SpecWriter.Note(
          section: "namespaces", "The Pod's network namespace had the cluster's interface; this one has loopback only.")
      )
    }
    if let (hostname, field, node) = pod.hostname {
      if pod.hostNetwork {
        drop(field, node, section: "", "a Pod on the node's network has the node's hostname")
      } else {
        spec.uts.hostname = hostname
        report(field, node, "uts.hostname", section: "uts")
      }
    }
    // The runtime's own filesystems, as every container has them.
    if !pod.hostPID { spec.mounts.append(Mount(kind: .proc, target: "/proc")) }
    spec.mounts.append(Mount(kind: .dev, target: "/dev"))
    notes.append(
      SpecWriter.Note(
        section: "mounts[0]", "The container runtime's own " + (pod.hostPID ? "/dev." : "/proc and /dev.")))
  }
}
