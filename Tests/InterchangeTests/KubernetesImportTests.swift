import Foundation
import Interchange
import SpecParser
import Testing
import YAML

/// Manifests as spec files: goldens of real-looking manifests that `nsbuild check` accepts, positioned errors for
/// malformed input, and the round trip spec → Pod → spec → Pod.
@Suite struct KubernetesImportTests {
  static let folder = KubeSupport.root + "/Tests/InterchangeTests/Kubernetes"

  static var manifests: [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
  }

  /// The spec and report of each manifest match their goldens (`NSBUILD_UPDATE_GOLDEN=1` rewrites them), and
  /// `nsbuild check` accepts the spec.
  @Test func manifestsImportAsTheirGoldensAndCheck() throws {
    #expect(Self.manifests.count >= 3)
    let update = ProcessInfo.processInfo.environment["NSBUILD_UPDATE_GOLDEN"] == "1"
    for name in Self.manifests {
      let base = Self.folder + "/" + name.dropLast(".yaml".count)
      let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: Self.folder + "/" + name)))
      let result = try KubernetesImport.spec(from: bytes)
      let toml = SpecWriter.toml(result.spec, notes: result.notes)
      let report = InterchangeReportText.render(result.report, file: name)
      if update {
        try toml.write(toFile: base + ".toml", atomically: true, encoding: .utf8)
        try report.write(toFile: base + ".report", atomically: true, encoding: .utf8)
      }
      #expect(toml == (try? String(contentsOfFile: base + ".toml", encoding: .utf8)), "\(name)")
      #expect(report == (try? String(contentsOfFile: base + ".report", encoding: .utf8)), "\(name)")
      let check = try KubeSupport.run(KubeSupport.nsbuild, ["check", base + ".toml"])
      #expect(check.status == 0, "\(name): \(check.stderr)")
    }
  }

  @Test func theDeploymentsFieldsLandInTheSpec() throws {
    let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: Self.folder + "/web-deployment.yaml")))
    let result = try KubernetesImport.spec(from: bytes)
    let spec = result.spec
    #expect(spec.uts.hostname == "web")
    #expect(spec.root.readonly)
    #expect(spec.process.args == ["nginx", "-g", "daemon off;"])
    #expect(spec.process.env == [EnvironmentVariable("NGINX_PORT", "8080"), EnvironmentVariable("DEBUG", "no")])
    #expect(spec.process.uid == 101 && spec.process.gid == 101 && spec.process.groups == [2000])
    #expect(spec.process.noNewPrivs)
    #expect(spec.process.capabilities == [Capability(name: "NET_BIND_SERVICE")].compactMap { $0 })
    let bind = try #require(spec.mounts.first { $0.kind == .bind })
    #expect(bind.source == "/srv/sites/web" && bind.target == "/srv/www" && bind.options == [.ro])
    #expect(spec.mounts.first { $0.kind == .tmpfs }?.size == 64 << 20)
    let dropped = result.report.entries.filter { $0.outcome == .dropped }.map(\.field)
    for field in [
      "spec.replicas", "spec.template.spec.containers[0].livenessProbe", "spec.template.spec.containers[0].image",
      "spec.template.spec.containers[0].resources", "spec.template.spec.volumes[2]", "document 2",
    ] {
      #expect(dropped.contains(field), "\(field)")
    }
    let probe = try #require(result.report.entries("spec.template.spec.containers[0].livenessProbe").first)
    #expect(probe.line == 48)
    #expect(result.notes.contains { $0.text.hasPrefix("spec.template.spec.containers[0].livenessProbe (line 48)") })
  }

  static let malformed: [(String, String, Int, Int)] = [
    ("kind: Pod\nspec: a: b\n", "mapping values are not allowed", 2, 8),
    ("kind: Pod\nspec:\n  containers: [\n", "flow", 4, 1),
    ("kind: Pod\nspec:\n  containers: 12\n", "spec.containers must be a sequence", 3, 15),
    (
      "kind: Pod\nspec:\n  containers:\n  - securityContext:\n      runAsUser: \"1000\"\n", "runAsUser must be an ID",
      5, 18
    ),
    ("kind: Pod\nspec:\n  hostUsers: maybe\n  containers: [{}]\n", "must be true or false", 3, 14),
    ("kind: Service\nspec: {}\n", "no Pod or workload", 1, 1),
    ("kind: Deployment\nspec:\n  replicas: 1\n", "a Deployment needs spec.template", 3, 3),
    (
      "kind: Pod\nspec:\n  containers:\n  - volumeMounts: [{name: x, mountPath: /x}]\n", "no volume is named 'x'", 4,
      27
    ),
    ("kind: Pod\nspec:\n  containers:\n  - workingDir: srv\n", "absolute path", 4, 17),
  ]

  @Test(arguments: malformed)
  func malformedInputIsRefusedAtItsPlace(_ source: String, _ message: String, _ line: Int, _ column: Int) {
    do {
      _ = try KubernetesImport.spec(from: Array(source.utf8))
      Issue.record("accepted: \(source)")
    } catch {
      #expect(error.message.contains(message), "\(error.message)")
      #expect(error.line == line && error.column == column, "\(error.line):\(error.column) \(error.message)")
    }
  }

  @Test func theCommandNamesTheFileLineAndColumn() throws {
    let folder = try KubeSupport.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n   image: b\n".write(
      toFile: folder + "/bad.yaml", atomically: true, encoding: .utf8)
    let result = try KubeSupport.run(KubeSupport.nsbuild, ["import", folder + "/bad.yaml"])
    #expect(result.status == 1)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.hasPrefix(folder + "/bad.yaml:6:4: error: "), "\(result.stderr)")
  }

  @Test func aCronJobsTemplateIsFoundAndTheReportIsJSON() throws {
    let folder = try KubeSupport.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let manifest = """
      apiVersion: batch/v1
      kind: CronJob
      metadata: {name: nightly}
      spec:
        schedule: "0 3 * * *"
        jobTemplate:
          spec:
            template:
              spec:
                restartPolicy: OnFailure
                containers:
                - name: backup
                  command: [/usr/bin/rsync, -a, /data/, /backup/]
                  securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}

      """
    try manifest.write(toFile: folder + "/cron.yaml", atomically: true, encoding: .utf8)
    let result = try KubeSupport.run(
      KubeSupport.nsbuild, ["import", folder + "/cron.yaml", "--report-format", "json"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("args = [\"/usr/bin/rsync\", \"-a\", \"/data/\", \"/backup/\"]"))
    let report = try JSONDecoder().decode(InterchangeReport.self, from: Data(result.stderr.utf8))
    #expect(report.direction == .import && report.format == "kubernetes")
    let schedule = try #require(report.entries("spec.schedule").first)
    #expect(schedule.outcome == .dropped && schedule.line == 5)
    let restart = try #require(report.entries("spec.jobTemplate.spec.template.spec.restartPolicy").first)
    #expect(restart.outcome == .dropped && restart.line == 10)
    try result.stdout.write(toFile: folder + "/cron.toml", atomically: true, encoding: .utf8)
    #expect(try KubeSupport.run(KubeSupport.nsbuild, ["check", folder + "/cron.toml"]).status == 0)
  }

  /// The YAML fuzz seeds, through the whole import: a spec or a placed error, never a crash.
  @Test func fuzzSeedsNeverCrashTheImport() throws {
    let seeds = KubeSupport.root + "/fuzz/yaml-seeds"
    let names = try FileManager.default.contentsOfDirectory(atPath: seeds)
    #expect(!names.isEmpty)
    for name in names {
      let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: seeds + "/" + name)))
      do {
        _ = try KubernetesImport.spec(from: bytes)
      } catch {
        #expect(error.line >= 1 && error.column >= 1, "\(name)")
      }
    }
  }

  /// Each example spec exported, imported and exported again gives the same Pod: what the export wrote, the
  /// import reads back, and `check` accepts the imported spec. (A `plan` cannot match the original's: a Pod's root is its image, never the host's tree.)
  @Test func exportImportExportGivesTheSamePod() throws {
    for path in KubeSupport.exampleSpecs {
      let source = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
      let check = SpecDecoder.decode(source: source, file: path, directory: KubeSupport.root + "/specs")
      let spec = try #require(check.spec, "\(path)")
      let options = KubernetesExportOptions(name: "round", image: "debian:12")
      let first = KubernetesExport.pod(for: spec, source: source, options: options).pod
      let yaml = try KubernetesExport.yaml(first)
      let imported = try KubernetesImport.spec(from: Array(yaml.utf8))
      let toml = SpecWriter.toml(imported.spec, notes: imported.notes)
      let reread = SpecDecoder.decode(source: Array(toml.utf8), file: "imported.toml", directory: "/")
      let again = try #require(reread.spec, "\(path): \(reread.diagnostics)\n\(toml)")
      var second = KubernetesExport.pod(for: again, source: Array(toml.utf8), options: options).pod
      // The one field that moves: an imported spec always clears the environment (a container inherits nobody's),
      // which exports as enableServiceLinks: false.
      #expect(again.process.clearEnv)
      if !spec.process.clearEnv, second.enableServiceLinks == false { second.enableServiceLinks = nil }
      let secondYAML = try KubernetesExport.yaml(second)
      #expect(second == first, "\(path)\n\(yaml)\n---\n\(secondYAML)")
    }
  }
}
