import Foundation
import Interchange
import SpecParser
import Testing

/// For each runtime installed and each example spec the OCI format expresses without dropping a field: `RUNTIME run`
/// of the exported bundle prints the same probes as `nsbuild run` of the spec. What a runtime's version lacks
/// (`RUNTIME features`), or a spec the export drops fields of, makes that case a known issue with the reason.
@Suite(.enabled(if: OCIFixtures.isRoot, "runtimes make namespaces as root; CI runs as root"), .serialized)
struct OCIRuntimeTests {
  static let runtimes = ["runc", "crun"]

  /// What the sandbox prints: hostname, domainname, the uid map, `id`, the open-files limit, CapEff and NoNewPrivs, then for
  /// each path given the per-mount and filesystem options of the mount on top there, with its type.
  static let probe = """
    hostname; cat /proc/sys/kernel/domainname /proc/self/uid_map; id; ulimit -n; grep -E '^(CapEff|NoNewPrivs)' /proc/self/status
    for t in "$@"; do
      awk -v t="$t" '$5 == t { s = ""; for (i = 7; i <= NF; i++) if ($i == "-") { s = $(i + 1) " " $(i + 3); break }
        o = $6 " " s } END { print t ": " o }' /proc/self/mountinfo
    done
    """

  static func path(of program: String) -> String? {
    ["/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/", "/usr/local/bin/", "/usr/local/sbin/"].map { $0 + program }
      .first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// The namespaces and mount options `RUNTIME features` lists (runtime-spec features.md); nil when the runtime
  /// has no `features` command (crun before 1.9, runc before 1.1).
  static func features(_ runtime: String) -> (namespaces: Set<String>, mountOptions: Set<String>)? {
    guard let path = path(of: runtime), let output = try? OCIFixtures.run(path, ["features"]), output.status == 0,
      let json = try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
    else { return nil }
    let linux = json["linux"] as? [String: Any]
    return (
      Set(linux?["namespaces"] as? [String] ?? []), Set(json["mountOptions"] as? [String] ?? [])
    )
  }

  /// The paths whose mounts the probe prints: `/` (unless the export approximates the root) and each mount target of
  /// the spec (a dev mount's pts too).
  static func probedTargets(_ spec: Spec, approximated: Set<String>) -> [String] {
    var targets = approximated.contains("root.type") ? [] : ["/"]
    for mount in spec.mounts {
      targets.append(mount.target)
      if mount.kind == .dev { targets.append(mount.target + "/pts") }
    }
    return targets
  }

  static var cases: [(String, String)] {
    let specs = (try? OCIFixtures.specNames()) ?? []
    return runtimes.flatMap { runtime in specs.map { (runtime, $0) } }
  }

  @Test(arguments: cases)
  func runtimePrintsWhatNsbuildRunPrints(_ runtime: String, _ name: String) throws {
    guard let program = Self.path(of: runtime) else { return skip("\(runtime) is not installed") }
    let (spec, _) = try OCIFixtures.spec(name)
    let bundle = OCIFixtures.temporaryPath("oci-bundle")
    let state = OCIFixtures.temporaryPath("oci-state")
    defer {
      try? FileManager.default.removeItem(atPath: bundle)
      try? FileManager.default.removeItem(atPath: state)
    }
    let export = try OCIFixtures.nsbuild([
      "export", OCIFixtures.specs + "/" + name, "--format", "oci", "--out", bundle, "--report-format", "json",
    ])
    if export.status == 2 {
      let dropped = try Self.fields(export.stderr, .dropped)
      return skip("\(name) is not fully exportable: dropped \(dropped.sorted().joined(separator: ", "))")
    }
    #expect(export.status == 0, "\(export.stderr)")
    if let lack = try whatTheRuntimeLacks(runtime, bundle: bundle) { return skip(lack) }
    let targets = Self.probedTargets(spec, approximated: try Self.fields(export.stderr, .approximated))
    try setArgs(["/bin/sh", "-c", Self.probe, "probe"] + targets, bundle: bundle)

    let expected = try OCIFixtures.nsbuild(
      ["run", OCIFixtures.specs + "/" + name, "--", "/bin/sh", "-c", Self.probe, "probe"] + targets)
    #expect(expected.status == 0, "\(expected.stderr)")
    let id = "nsbuild-test-\(UUID().uuidString.prefix(8).lowercased())"
    let ran = try Self.runtime(runtime, program, ["--root", state, "run", "--bundle", bundle, id])
    _ = try? Self.runtime(runtime, program, ["--root", state, "delete", "--force", id])
    if ran.status != 0, ran.stderr.contains("cgroup") {
      return skip("\(runtime) refuses this host's cgroup setup: \(ran.stderr)")
    }
    #expect(ran.status == 0, "\(ran.stderr)")
    var output = ran.stdout
    if spec.uts.domainname != nil, runtime == "runc", let version = Self.version(program), version < (1, 2) {
      // runc took `domainname` in 1.2; an older one leaves the parent's. The rest must still match.
      skip("runc \(version.0).\(version.1) does not set domainname (runc 1.2 does)")
      output = Self.replacingLine(2, of: output, with: expected.stdout)
    }
    #expect(output == expected.stdout)
    try expectNothingLeft(bundle: bundle, state: state)
  }

  /// The runtime's version, major and minor, from the first line of `--version` (`runc version 1.1.5+ds1`).
  static func version(_ program: String) -> (Int, Int)? {
    guard let output = try? OCIFixtures.run(program, ["--version"]),
      let first = output.stdout.split(separator: "\n").first,
      let number = first.split(separator: " ").last
    else { return nil }
    let parts = number.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
    return parts.count == 2 ? (parts[0], parts[1]) : nil
  }

  /// `text` with its line `number` (1-based) taken from `other`.
  static func replacingLine(_ number: Int, of text: String, with other: String) -> String {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let others = other.split(separator: "\n", omittingEmptySubsequences: false)
    if lines.count >= number, others.count >= number { lines[number - 1] = others[number - 1] }
    return lines.joined(separator: "\n")
  }

  /// Whether /sys/fs/cgroup is a cgroup2 mount (the unified hierarchy) rather than a hybrid tree of v1 mounts.
  static let unifiedCgroups: Bool = {
    let mountinfo = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
    return mountinfo.split(separator: "\n").contains { $0.contains(" /sys/fs/cgroup ") && $0.contains(" - cgroup2 ") }
  }()

  /// Runs the runtime. crun 1.8 refuses a hybrid cgroup tree ("cgroups in hybrid mode not supported") whatever the
  /// config; there it runs in a mount namespace of its own with the unified hierarchy at /sys/fs/cgroup and no cgroup
  /// manager, which changes nothing on the host and nothing the probes read.
  static func runtime(_ name: String, _ program: String, _ arguments: [String]) throws -> OCIFixtures.Output {
    guard name == "crun", !unifiedCgroups, let unshare = path(of: "unshare") else {
      return try OCIFixtures.run(program, arguments)
    }
    let script = #"mount -t cgroup2 none /sys/fs/cgroup && exec "$0" --cgroup-manager=disabled "$@""#
    return try OCIFixtures.run(
      unshare, ["--mount", "--propagation", "private", "sh", "-c", script, program] + arguments)
  }

  /// A case that cannot run here, as a known issue with the reason: shown in the results, never a silent pass
  /// (Test.cancel reports a cancelled case as passed).
  private func skip(_ reason: String) {
    withKnownIssue(Comment(rawValue: "skipped: " + reason)) { Issue.record(Comment(rawValue: "skipped: " + reason)) }
  }

  /// The namespace or mount option the bundle needs that the runtime's `features` does not list, if any.
  private func whatTheRuntimeLacks(_ runtime: String, bundle: String) throws -> String? {
    guard let features = Self.features(runtime) else { return nil }
    let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: bundle + "/config.json")))
    let json = try #require(config as? [String: Any])
    let namespaces = ((json["linux"] as? [String: Any])?["namespaces"] as? [[String: Any]] ?? []).compactMap {
      $0["type"] as? String
    }
    if let missing = namespaces.first(where: { !features.namespaces.contains($0) }) {
      return "\(runtime) lacks the \(missing) namespace (`\(runtime) features` does not list it)"
    }
    // The runtimes' own recursive options (rro, rnosuid, rbind...) came with their versions; the filesystems'
    // options (newinstance, mode=) go to the kernel and are not listed.
    let options = (json["mounts"] as? [[String: Any]] ?? []).flatMap { $0["options"] as? [String] ?? [] }
      .filter { $0.hasPrefix("r") && !["ro", "rw", "relatime"].contains($0) }
    if let missing = options.first(where: { !features.mountOptions.contains($0) }) {
      return "\(runtime) lacks the mount option \(missing) (`\(runtime) features` does not list it)"
    }
    return nil
  }

  /// The fields of a JSON report with `outcome`.
  static func fields(_ report: String, _ outcome: InterchangeReportEntry.Outcome) throws -> Set<String> {
    let decoded = try JSONDecoder().decode(InterchangeReport.self, from: Data(report.utf8))
    return Set(decoded.entries.filter { $0.outcome == outcome }.map(\.field))
  }

  /// Replaces the bundle's `process.args`.
  private func setArgs(_ args: [String], bundle: String) throws {
    let url = URL(fileURLWithPath: bundle + "/config.json")
    var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    var process = json["process"] as? [String: Any] ?? [:]
    process["args"] = args
    json["process"] = process
    try JSONSerialization.data(withJSONObject: json).write(to: url)
  }

  /// No mount of the host refers to the bundle, and the runtime's state folder holds no container.
  private func expectNothingLeft(bundle: String, state: String) throws {
    let mountinfo = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
    #expect(!mountinfo.contains(bundle), "a mount of the bundle stayed on the host")
    let left = (try? FileManager.default.contentsOfDirectory(atPath: state)) ?? []
    #expect(left.isEmpty, "the runtime's state stayed: \(left)")
  }
}
