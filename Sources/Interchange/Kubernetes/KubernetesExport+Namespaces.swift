import SpecParser

/// Namespaces, names and ID maps: what a Pod has of its own, and what it shares with the node.
extension KubernetesExporter {
  /// A Pod's containers always get their own mount namespace, and a cgroup namespace on cgroup v2; net, ipc and
  /// pid are the Pod's own unless hostNetwork, hostIPC or hostPID share the node's; uts follows net; user follows
  /// hostUsers. Kubernetes refuses hostNetwork, hostPID and hostIPC beside `hostUsers: false` (the API server's
  /// Pod validation), so with a user namespace those stay the Pod's own.
  mutating func exportNamespaces() {
    let ownUsers = spec.unshares(.user) && gated(.UserNamespacesSupport, exported: "") != nil
    for (index, namespace) in spec.namespaces.enumerated() {
      exportUnshared(namespace, SpecKeyPath("namespaces.unshare").index(index), ownUsers: ownUsers)
    }
    let unshare = SpecKeyPath("namespaces.unshare")
    for (namespace, field) in [(Namespace.net, "hostNetwork"), (.pid, "hostPID"), (.ipc, "hostIPC")]
    where !spec.unshares(namespace) {
      if ownUsers {
        report(
          unshare, .approximated, "spec.\(field): false",
          note: "the node's \(namespace.rawValue) namespace is refused beside hostUsers: false; the Pod has its own")
        continue
      }
      switch namespace {
      case .net: pod.hostNetwork = true
      case .pid: pod.hostPID = true
      case .ipc: pod.hostIPC = true
      case .user, .mount, .uts, .cgroup, .time: break
      }
      report(unshare, .exported, "spec.\(field): true", note: "\(namespace.rawValue) is left out: the node's")
    }
    if !spec.unshares(.mount) {
      report(unshare, .approximated, note: "mount is left out, but every container has a mount namespace of its own")
    }
    if !spec.unshares(.uts), !pod.hostNetwork {
      report(unshare, .approximated, note: "uts is left out, but a Pod off the node's network has its own")
    }
    if !spec.unshares(.cgroup) {
      report(unshare, .approximated, note: "cgroup is left out, but on cgroup v2 a container has its own")
    }
    for join in spec.joins {
      report(
        SpecKeyPath("namespaces.join").appending(join.namespace.rawValue), .dropped,
        note: "a Pod cannot enter another's namespaces: run the two as containers of one Pod instead")
    }
  }

  private mutating func exportUnshared(_ namespace: Namespace, _ key: SpecKeyPath, ownUsers: Bool) {
    switch namespace {
    case .user:
      guard let (outcome, note) = gated(.UserNamespacesSupport, exported: "hostUsers: false") else {
        report(key, .dropped, note: "Kubernetes \(options.version) has no spec.hostUsers (1.25 and later)")
        return
      }
      pod.hostUsers = false
      report(key, outcome, "spec.hostUsers: false", note: note)
    case .mount:
      report(key, .exported, note: "every container has a mount namespace of its own")
    case .pid:
      pod.shareProcessNamespace = true
      report(
        key, .exported, "spec.shareProcessNamespace: true",
        note: "the Pod's pause container is pid 1 and reaps orphans, as nsbuild's init is and does")
    case .ipc:
      report(key, .exported, note: "the Pod's own IPC namespace (no hostIPC)")
    case .net:
      report(
        key, .approximated,
        note: "the Pod's own network namespace, which also holds the cluster network's "
          + "interface; nsbuild's has loopback only")
    case .uts:
      if spec.unshares(.net) || ownUsers {
        report(key, .exported, note: "the Pod's own UTS namespace")
      } else {
        report(key, .approximated, note: "a Pod on the node's network (hostNetwork) has the node's UTS namespace")
      }
    case .cgroup:
      report(key, .exported, note: "a container on cgroup v2 has a cgroup namespace of its own")
    case .time:
      report(key, .dropped, note: "Kubernetes makes no time namespace")
    }
  }

  mutating func exportUTS() {
    if let hostname = spec.uts.hostname {
      if pod.hostNetwork {
        report("uts.hostname", .dropped, note: "a Pod on the node's network has the node's hostname")
      } else if KubernetesNames.isLabel(hostname) {
        pod.hostname = hostname
        report("uts.hostname", .exported, "spec.hostname")
      } else {
        report("uts.hostname", .dropped, note: "spec.hostname must be a DNS-1123 label (a-z, 0-9, '-', ≤ 63)")
      }
    }
    if spec.uts.domainname != nil {
      report(
        "uts.domainname", .dropped,
        note: "no Pod field sets the NIS domain name (spec.subdomain is a DNS name, not setdomainname(2))")
    }
  }

  /// Kubernetes maps 65536 IDs from 0 inside to a range of the node it picks; nsbuild's default map (the caller
  /// as 0) is close, a map of several lines or fixed outside IDs is not.
  mutating func exportUser() {
    for (key, map) in [(SpecKeyPath("user.uid_map"), spec.user.uidMap), ("user.gid_map", spec.user.gidMap)]
    where writes(key) {
      let callerAsRoot = map.count == 1 && map[0].inside == .id(0) && map[0].outside == .caller
      if callerAsRoot && pod.hostUsers == false {
        report(
          key, .approximated, "spec.hostUsers: false",
          note: "Kubernetes maps 0-65535 inside to a range of the node it picks, not to the caller")
      } else {
        report(key, .dropped, note: "Kubernetes picks a Pod's ID maps itself: no field for custom ones")
      }
    }
    if writes("user.setgroups") {
      report("user.setgroups", .dropped, note: "no Pod field for /proc/PID/setgroups")
    }
  }

  /// Clock offsets, the network (loopback, veths, pasta) and `[[files]]`.
  mutating func exportOthers() {
    for (index, file) in spec.files.enumerated() {
      let key = SpecKeyPath("files").index(index)
      for part in ["type", "path", "mode", "content", "link"] { covered.insert(key.appending(part).description) }
      report(
        key, .dropped,
        note: "no Pod field makes the \(file.kind.rawValue) \(file.path): build it into the image, or mount a "
          + "ConfigMap")
    }
    for key in ["time.monotonic", "time.boottime"] as [SpecKeyPath] where writes(key) {
      report(key, .dropped, note: "no Kubernetes field for clock offsets (no time namespace)")
    }
    for index in spec.net.veths.indices {
      report(
        SpecKeyPath("net.veth").index(index), .dropped,
        note: "no Pod field: the network plugin (CNI) gives the Pod its interface and address")
    }
    if spec.net.pasta != nil {
      report("net.pasta", .dropped, note: "no Pod field: the network plugin (CNI) connects the Pod")
    }
    if writes("net.loopback") {
      if spec.net.loopback {
        report("net.loopback", .exported, note: "a Pod's loopback is up")
      } else {
        report("net.loopback", .dropped, note: "a Pod's loopback is always up")
      }
    }
  }

  /// The root is the image's: the host's tree, a root folder or an empty tmpfs all become whatever `--image` holds.
  mutating func exportRoot() {
    switch spec.root.kind {
    case .host:
      report(
        "root", .approximated, "containers[0].image",
        note: "the container's root is its image, not the host's tree; host folders the spec binds become hostPath "
          + "volumes")
    case .directory:
      report("root.path", .approximated, "containers[0].image", note: "build the root folder into the image")
    case .tmpfs:
      report("root.type", .approximated, "containers[0].image", note: "the root is the image's (FROM scratch)")
    }
    if options.image == nil {
      // Kubernetes refuses a container without an image: the manifest is incomplete, so `export` exits 2.
      report(
        "root", .dropped, "containers[0].image",
        note: "no --image: the Pod has no image, which Kubernetes requires; pass --image IMG, or set it before applying"
      )
    }
    if spec.root.readonly {
      pod.container.readOnlyRootFilesystem = true
      report("root.readonly", .exported, "securityContext.readOnlyRootFilesystem")
    }
    if writes("root.propagation") {
      report("root.propagation", .approximated, note: "the runtime sets the root's propagation")
    }
  }
}
