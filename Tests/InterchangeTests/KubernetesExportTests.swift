import Interchange
import SpecParser
import Testing
import YAML

/// What each spec field becomes in a Pod, and what the report says of it.
@Suite struct KubernetesExportTests {
  static let devLike = """
    version = 1
    [namespaces]
    unshare = ["mount", "uts", "ipc", "pid", "net", "cgroup"]
    [uts]
    hostname = "devbox"
    [root]
    readonly = true
    [[mounts]]
    type = "tmpfs"
    target = "/tmp"
    size = "64M"
    mode = "0777"
    [[mounts]]
    type = "bind"
    source = "/usr"
    target = "/usr"
    options = ["ro"]
    propagation = "private"
    [[mounts]]
    type = "proc"
    target = "/proc"
    [process]
    args = ["/bin/sh", "-c", "echo no"]
    env = { PATH = "/usr/bin:/bin", FLAG = "no" }
    cwd = "/tmp"
    uid = 1000
    gid = 1000
    groups = [10]
    capabilities = ["CAP_NET_BIND_SERVICE"]
    """

  @Test func everyMappedFieldLandsInThePod() throws {
    let (pod, report) = try KubeSupport.export(Self.devLike)
    #expect(pod.hostname == "devbox")
    #expect(pod.hostUsers == nil)
    #expect(pod.shareProcessNamespace)
    #expect(!pod.hostNetwork && !pod.hostPID && !pod.hostIPC)
    #expect(pod.supplementalGroups == [10])
    #expect(
      pod.volumes == [
        .init(name: "tmp", source: .memory(sizeLimit: 64 << 20)), .init(name: "usr", source: .hostPath("/usr")),
      ])
    let container = pod.container
    #expect(container.command == ["/bin/sh"])
    #expect(container.args == ["-c", "echo no"])
    #expect(container.env == [EnvironmentVariable("PATH", "/usr/bin:/bin"), EnvironmentVariable("FLAG", "no")])
    #expect(container.workingDir == "/tmp")
    #expect(container.runAsUser == 1000 && container.runAsGroup == 1000)
    #expect(container.readOnlyRootFilesystem == true)
    #expect(container.allowPrivilegeEscalation == false)
    #expect(container.dropCapabilities == ["ALL"] && container.addCapabilities == ["NET_BIND_SERVICE"])
    #expect(container.volumeMounts.count == 2)
    #expect(container.volumeMounts[1].readOnly && container.volumeMounts[1].recursiveReadOnly)
    #expect(container.volumeMounts[1].mountPropagation == "None")
    #expect(!report.droppedAny, "\(report.entries.filter { $0.outcome == .dropped })")
    #expect(report.entries("mounts[0].mode").first?.outcome == .exported)
    #expect(report.entries("uts.hostname").first?.line == 5)
  }

  @Test func yamlKeepsStringsThatLookLikeOtherTypesStrings() throws {
    let (pod, _) = try KubeSupport.export(Self.devLike)
    let yaml = try KubernetesExport.yaml(pod)
    let document = try #require(try YAMLParser.parse(Array(yaml.utf8)).first)
    let env = document.value(for: "spec")?.value(for: "containers")?.items?.first?.value(for: "env")?.items
    let flag = try #require(env?.last?.value(for: "value"))
    #expect(flag.scalar == "no")
    #expect(YAMLScalars.boolean(flag) == nil)
    #expect(yaml.contains("sizeLimit: \"64Mi\"") || yaml.contains("sizeLimit: 64Mi"))
  }

  @Test func everyWrittenFieldHasAnEntryWithItsLine() throws {
    let text = """
      version = 1
      [namespaces]
      unshare = ["uts", "mount", "time"]
      [uts]
      hostname = "h"
      domainname = "example"
      [time]
      monotonic = "1d"
      [[files]]
      type = "dir"
      path = "/x"
      [process]
      args = ["true"]
      umask = "022"
      rlimits = { nofile = 64 }
      """
    let (_, report) = try KubeSupport.export(text)
    for (field, line) in [
      ("uts.domainname", 6), ("time.monotonic", 8), ("files[0]", 9), ("process.umask", 14),
      ("process.rlimits.nofile", 15), ("namespaces.unshare[2]", 3),
    ] {
      let entry = try #require(report.entries(field).first, "\(field) has no entry")
      #expect(entry.outcome == .dropped, "\(field)")
      #expect(entry.line == line, "\(field)")
    }
    #expect(report.droppedAny)
  }

  @Test func customIDMapsAreDroppedAndTheCallerAsRootApproximated() throws {
    let base = """
      version = 1
      [namespaces]
      unshare = ["user", "mount", "pid", "ipc", "net", "uts"]
      [user]
      """
    let (_, caller) = try KubeSupport.export(base + "\nuid_map = [{ inside = 0, outside = \"caller\", count = 1 }]\n")
    #expect(caller.entries("user.uid_map").first?.outcome == .approximated)
    let (_, custom) = try KubeSupport.export(base + "\nuid_map = [{ inside = 0, outside = 100000, count = 65536 }]\n")
    #expect(custom.entries("user.uid_map").first?.outcome == .dropped)
  }

  @Test func recursiveReadOnlyFollowsTheRelease() throws {
    let text = """
      version = 1
      [namespaces]
      unshare = ["mount"]
      [[mounts]]
      type = "bind"
      source = "/usr"
      target = "/usr"
      options = ["ro"]
      """
    for (version, written, outcome) in [
      ("1.29", false, InterchangeReportEntry.Outcome.approximated), ("1.30", true, .approximated),
      ("1.31", true, .exported), ("1.33", true, .exported),
    ] {
      let (pod, report) = try KubeSupport.export(text, version: version)
      #expect(pod.container.volumeMounts.first?.readOnly == true, "\(version)")
      #expect(pod.container.volumeMounts.first?.recursiveReadOnly == written, "\(version)")
      #expect(report.entries("mounts[0].options[0]").first?.outcome == outcome, "\(version)")
    }
  }

  @Test func hostUsersFollowsTheRelease() throws {
    let text = """
      version = 1
      [namespaces]
      unshare = ["user", "mount", "pid", "ipc", "net", "uts"]
      """
    let (old, oldReport) = try KubeSupport.export(text, version: "1.24")
    #expect(old.hostUsers == nil)
    #expect(oldReport.entries("namespaces.unshare[0]").first?.outcome == .dropped)
    let (beta, betaReport) = try KubeSupport.export(text, version: "1.30")
    #expect(beta.hostUsers == false)
    #expect(betaReport.entries("namespaces.unshare[0]").first?.outcome == .approximated)
    #expect(betaReport.entries("namespaces.unshare[0]").first?.note?.contains("UserNamespacesSupport") == true)
    let (on, onReport) = try KubeSupport.export(text, version: "1.33")
    #expect(on.hostUsers == false)
    #expect(onReport.entries("namespaces.unshare[0]").first?.outcome == .exported)
  }

  @Test func namespacesLeftOutShareTheNodesUnlessUsersAreTheirOwn() throws {
    let (host, _) = try KubeSupport.export("version = 1\n[namespaces]\nunshare = [\"mount\"]\n")
    #expect(host.hostNetwork && host.hostPID && host.hostIPC)
    #expect(!host.shareProcessNamespace)
    let (own, report) = try KubeSupport.export("version = 1\n[namespaces]\nunshare = [\"user\", \"mount\"]\n")
    #expect(!own.hostNetwork && !own.hostPID && !own.hostIPC)
    #expect(report.entries("namespaces.unshare").filter { $0.outcome == .approximated }.count >= 3)
  }

  @Test func aHostnameKubernetesRefusesIsDropped() throws {
    let (pod, report) = try KubeSupport.export(
      "version = 1\n[namespaces]\nunshare = [\"uts\", \"net\"]\n[uts]\nhostname = \"Build.Box\"\n")
    #expect(pod.hostname == nil)
    #expect(report.entries("uts.hostname").first?.outcome == .dropped)
  }

  @Test func versionsParse() {
    #expect(KubernetesVersion("1.33") == KubernetesVersion(major: 1, minor: 33))
    #expect(KubernetesVersion("v1.30.2") == KubernetesVersion(major: 1, minor: 30))
    for bad in ["", "1", "1.", "2.0", "1.x", "1.33.", "1.33.0.1", "-1.2"] {
      #expect(KubernetesVersion(bad) == nil, "\(bad)")
    }
  }

  @Test func quantities() {
    #expect(KubernetesQuantity.text(bytes: 64 << 20) == "64Mi")
    #expect(KubernetesQuantity.text(bytes: 1536 << 10) == "1536Ki")
    #expect(KubernetesQuantity.text(bytes: 1000) == "1000")
    #expect(KubernetesQuantity.bytes("64Mi") == 64 << 20)
    #expect(KubernetesQuantity.bytes("1G") == 1_000_000_000)
    #expect(KubernetesQuantity.bytes("1.5Gi") == nil)
    #expect(KubernetesQuantity.bytes("99999999999Ei") == nil)
  }
}
