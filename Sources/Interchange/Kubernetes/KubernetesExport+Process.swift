import SpecParser

/// `[process]` as the container's command, environment and security context.
extension KubernetesExporter {
  mutating func exportProcess() {
    let process = spec.process
    if let args = process.args, let program = args.first {
      pod.container.command = [program]
      if args.count > 1 { pod.container.args = Array(args.dropFirst()) }
      report("process.args", .exported, "containers[0].command, args")
    } else {
      report("process.args", .approximated, note: "no command: the image's entrypoint runs")
    }
    exportEnvironment(process)
    if let cwd = process.cwd {
      pod.container.workingDir = cwd
      if writtenRelative("process.cwd") {
        report("process.cwd", .resolved, "containers[0].workingDir", note: "written relative: \(cwd) here")
      } else {
        report("process.cwd", .exported, "containers[0].workingDir")
      }
    }
    exportCredentials(process)
    exportPrivileges(process)
    for limit in process.rlimits {
      report(
        SpecKeyPath("process.rlimits").appending(limit.resource.rawValue), .dropped,
        note: "no Kubernetes field sets resource limits (setrlimit(2)); the runtime's stay")
    }
    if process.umask != nil { report("process.umask", .dropped, note: "no Kubernetes field sets the umask") }
    if writes("process.new_session") {
      report(
        "process.new_session", process.newSession ? .exported : .dropped,
        note: process.newSession ? "runtimes start the process in a session of its own" : "runtimes always do")
    }
    if writes("process.die_with_parent") {
      report("process.die_with_parent", .dropped, note: "a Pod lives on its own, apart from whoever made it")
    }
    if writes("process.terminal") {
      report("process.terminal", .dropped, note: "`kubectl run -t` or `kubectl exec -t` asks for a terminal")
    }
  }

  /// The container's environment starts from the image's ENV, never from the caller's: an inherited environment
  /// is not written in (it would carry this machine's secrets into a manifest).
  private mutating func exportEnvironment(_ process: Process) {
    pod.container.env = process.env
    if writes("process.env") { report("process.env", .exported, "containers[0].env") }
    if process.clearEnv {
      pod.enableServiceLinks = false
      report(
        "process.clear_env", .approximated, "spec.enableServiceLinks: false",
        note: "the image's ENV and Kubernetes' HOSTNAME remain")
    } else {
      report(
        "process.clear_env", .approximated,
        note: "nothing is inherited: the container starts from the image's ENV and the cluster's service variables")
    }
    if !process.unset.isEmpty {
      report("process.unset", .dropped, note: "no Kubernetes field removes a variable of the image")
    }
  }

  /// IDs: nsbuild's default is 0, which the image's USER would otherwise decide, so it is written out.
  private mutating func exportCredentials(_ process: Process) {
    pod.container.runAsUser = process.uid ?? 0
    pod.container.runAsGroup = process.gid ?? 0
    report("process.uid", .exported, "securityContext.runAsUser")
    report("process.gid", .exported, "securityContext.runAsGroup")
    if let groups = process.groups {
      pod.supplementalGroups = groups
      report(
        "process.groups", .approximated, "spec.securityContext.supplementalGroups",
        note: "the groups the image's /etc/group gives the user are added too")
    }
  }

  /// capabilities(7) and no_new_privs: nsbuild keeps none unless listed, so every export drops ALL first.
  private mutating func exportPrivileges(_ process: Process) {
    pod.container.allowPrivilegeEscalation = !process.noNewPrivs
    report("process.no_new_privs", .exported, "securityContext.allowPrivilegeEscalation: \(!process.noNewPrivs)")
    pod.container.dropCapabilities = ["ALL"]
    pod.container.addCapabilities = process.capabilities.map { String($0.description.dropFirst("CAP_".count)) }
    report("process.capabilities", .exported, "securityContext.capabilities (drop ALL, add the kept ones)")
  }
}
