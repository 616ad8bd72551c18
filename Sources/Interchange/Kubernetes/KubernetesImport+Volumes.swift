import SpecParser
import YAML

/// Volume mounts of the first container: hostPath as binds, emptyDir as tmpfs; other volumes have no nsbuild
/// equivalent (their data comes from the cluster).
extension KubernetesImporter {
  mutating func importVolumeMount(
    _ node: YAMLNode, _ path: String, _ pod: inout PodFields
  ) throws(KubernetesImportError) {
    guard let nameNode = node.value(for: "name"), let targetNode = node.value(for: "mountPath") else {
      throw KubernetesImportError("\(path) needs a name and a mountPath", at: node.mark)
    }
    let name = try string(nameNode, path + ".name")
    let target = try absolutePath(targetNode, path + ".mountPath")
    guard let (volume, volumePath) = pod.volumes[name] else {
      throw KubernetesImportError("\(path).name: no volume is named '\(name)'", at: nameNode.mark)
    }
    pod.usedVolumes.insert(name)
    let section = "mounts[\(spec.mounts.count)]"
    guard var mount = try mount(of: volume, volumePath, target: target, section: section) else { return }
    var subPath: String?
    for pair in try mapping(node, path) {
      let key = pair.key.scalar ?? ""
      let field = path + "." + key
      switch key {
      case "name", "mountPath": break
      case "readOnly":
        if try boolean(pair.value, field) { mount.options = [.ro] }
        report(field, pair.value, section + ".options", section: section)
      case "recursiveReadOnly":
        let value = try string(pair.value, field)
        if value == "Disabled" {
          report(field, pair.value, section + ".options", section: section, approximated: "nsbuild's ro is recursive")
        } else {
          report(field, pair.value, section + ".options", section: section)
        }
      case "mountPropagation":
        switch try string(pair.value, field) {
        case "None": break
        case "HostToContainer": mount.propagation = .slave
        case "Bidirectional": mount.propagation = .shared
        case let other:
          throw KubernetesImportError(
            "\(field) must be None, HostToContainer or Bidirectional, not '\(other)'", at: pair.value.mark)
        }
        report(field, pair.value, section + ".propagation", section: section)
      case "subPath":
        subPath = try string(pair.value, field)
        report(field, pair.value, section + ".source", section: section)
      default:
        drop(field, pair.value, section: section, "no nsbuild equivalent")
      }
    }
    if let subPath, let source = mount.source, !subPath.isEmpty {
      mount.source = source == "/" ? "/" + subPath : source + "/" + subPath
    }
    report(path, node, section, section: section)
    spec.mounts.append(mount)
  }

  /// The mount a volume makes at `target`, nil (with a comment) for a volume with no nsbuild equivalent.
  private mutating func mount(
    of volume: YAMLNode, _ path: String, target: String, section: String
  ) throws(KubernetesImportError) -> Mount? {
    if let hostPath = volume.value(for: "hostPath") {
      guard let pathNode = hostPath.value(for: "path") else {
        throw KubernetesImportError("\(path).hostPath needs a path", at: hostPath.mark)
      }
      let source = try absolutePath(pathNode, path + ".hostPath.path")
      if let type = hostPath.value(for: "type"), !(type.scalar ?? "").isEmpty {
        drop(path + ".hostPath.type", type, section: section, "the kubelet's check; nsbuild binds what is there")
      }
      return Mount(kind: .bind, source: source, target: target)
    }
    if let emptyDir = volume.value(for: "emptyDir") {
      var mount = Mount(kind: .tmpfs, target: target)
      if let limit = emptyDir.value(for: "sizeLimit") {
        let text = try string(limit, path + ".emptyDir.sizeLimit")
        guard let bytes = KubernetesQuantity.bytes(text), bytes > 0 else {
          throw KubernetesImportError(
            "\(path).emptyDir.sizeLimit '\(text)' is not a whole number of bytes (64Mi, 1G)", at: limit.mark)
        }
        mount.size = bytes
        report(path + ".emptyDir.sizeLimit", limit, section + ".size", section: section)
      }
      if emptyDir.value(for: "medium")?.scalar != "Memory" {
        notes.append(SpecWriter.Note(section: section, "\(path): a disk-backed emptyDir, here a tmpfs (in memory)."))
      }
      mount.mode = 0o777
      return mount
    }
    let kind = volume.pairs?.first { $0.key.scalar != "name" }?.key.scalar ?? "unknown"
    drop(path, volume, section: "", "a \(kind) volume: its data comes from the cluster, nothing mounts it at \(target)")
    return nil
  }
}
