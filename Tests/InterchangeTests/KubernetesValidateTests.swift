import Foundation
import Interchange
import Testing

/// Exported Pods checked by `kubernetes-validate --strict` (the API's OpenAPI schemas per release), and the CLI's
/// exit status, report and output file.
@Suite struct KubernetesValidateTests {
  /// Releases around the feature gates' changes: no recursiveReadOnly (1.29), its alpha (1.30), user namespaces on
  /// by default (1.33).
  static let versions = ["1.29", "1.30", "1.33"]

  @Test(
    .enabled(if: KubeSupport.validator != nil, "kubernetes-validate is not installed (pip install kubernetes-validate)")
  )
  func everyExampleSpecExportsAValidPod() throws {
    let validator = try #require(KubeSupport.validator)
    let folder = try KubeSupport.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    #expect(KubeSupport.exampleSpecs.count >= 5)
    for version in Self.versions {
      var files: [String] = []
      for spec in KubeSupport.exampleSpecs {
        let name = URL(fileURLWithPath: spec).deletingPathExtension().lastPathComponent
        let out = folder + "/\(name)-\(version).yaml"
        let export = try KubeSupport.run(
          KubeSupport.nsbuild,
          [
            "export", spec, "--format", "kubernetes", "--image", "debian:12", "--kube-version", version, "--out", out,
            "--allow-lossy",
          ])
        #expect(export.status == 0, "\(spec) \(version): \(export.stderr)")
        files.append(out)
      }
      // One run per release: the validator's start-up is most of its time.
      let check = try KubeSupport.run(validator, ["--strict", "--quiet", "-k", version + ".0"] + files)
      #expect(check.status == 0, "for \(version): \(check.stdout) \(check.stderr)")
    }
  }

  /// The validator refuses a field the release lacks, and nsbuild, told that release, does not write it but says
  /// so.
  @Test(
    .enabled(if: KubeSupport.validator != nil, "kubernetes-validate is not installed (pip install kubernetes-validate)")
  )
  func aFieldTheReleaseLacksIsRefusedThereAndReportedByNsbuild() throws {
    let validator = try #require(KubeSupport.validator)
    let folder = try KubeSupport.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let spec = KubeSupport.root + "/specs/dev.toml"
    let newer = folder + "/newer.yaml"
    let older = folder + "/older.yaml"
    let base = ["export", spec, "--format", "kubernetes", "--allow-lossy", "--report-format", "json"]
    let exportNewer = try KubeSupport.run(KubeSupport.nsbuild, base + ["--kube-version", "1.33", "--out", newer])
    #expect(exportNewer.status == 0)
    let refused = try KubeSupport.run(validator, ["--strict", "-k", "1.29.0", newer])
    #expect(refused.status != 0)
    #expect((refused.stdout + refused.stderr).contains("recursiveReadOnly"))
    let exportOlder = try KubeSupport.run(KubeSupport.nsbuild, base + ["--kube-version", "1.29", "--out", older])
    let report = try JSONDecoder().decode(InterchangeReport.self, from: Data(exportOlder.stderr.utf8))
    let readOnly = try #require(report.entries("mounts[1].options[0]").first)
    #expect(readOnly.outcome == .approximated)
    #expect(readOnly.note?.contains("recursiveReadOnly") == true)
    #expect(try KubeSupport.run(validator, ["--strict", "-k", "1.29.0", older]).status == 0)
  }

  @Test func droppedFieldsExitTwoUnlessLossyIsAllowed() throws {
    let spec = KubeSupport.root + "/specs/dev.toml"
    let strict = try KubeSupport.run(KubeSupport.nsbuild, ["export", spec, "--format", "kubernetes"])
    #expect(strict.status == 2)
    #expect(strict.stdout.hasPrefix("apiVersion: v1\nkind: Pod\n"))
    #expect(strict.stderr.contains("dev.toml:10:14: dropped uts.domainname"))
    let lossy = try KubeSupport.run(KubeSupport.nsbuild, ["export", spec, "--format", "kubernetes", "--allow-lossy"])
    #expect(lossy.status == 0)
    let build = try KubeSupport.run(
      KubeSupport.nsbuild,
      ["export", KubeSupport.root + "/specs/build.toml", "--format", "kubernetes", "--image", "debian:12"])
    #expect(build.status == 0, "\(build.stderr)")
    #expect(build.stderr.contains(", 0 dropped, "))
    // Without an image the Pod is one Kubernetes refuses: the export says so and exits 2.
    let noImage = try KubeSupport.run(
      KubeSupport.nsbuild, ["export", KubeSupport.root + "/specs/build.toml", "--format", "kubernetes"])
    #expect(noImage.status == 2)
    #expect(noImage.stderr.contains("dropped root -> containers[0].image (no --image"))
  }

  @Test func jsonReportAndBadVersion() throws {
    let spec = KubeSupport.root + "/specs/minimal.toml"
    let json = try KubeSupport.run(
      KubeSupport.nsbuild, ["export", spec, "--format", "kubernetes", "--report-format", "json"])
    let report = try JSONDecoder().decode(InterchangeReport.self, from: Data(json.stderr.utf8))
    #expect(report.format == "kubernetes" && report.direction == .export && report.formatVersion == 1)
    #expect(report.entries("uts.hostname").first?.line == 8)
    let bad = try KubeSupport.run(
      KubeSupport.nsbuild, ["export", spec, "--format", "kubernetes", "--kube-version", "133"])
    #expect(bad.status == 64)
    #expect(bad.stderr.contains("--kube-version"))
  }

  @Test func outRefusesAnExistingFile() throws {
    let folder = try KubeSupport.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let out = folder + "/pod.yaml"
    let spec = KubeSupport.root + "/specs/build.toml"
    let arguments = ["export", spec, "--format", "kubernetes", "--image", "debian:12", "--out", out]
    let first = try KubeSupport.run(KubeSupport.nsbuild, arguments)
    #expect(first.status == 0)
    #expect(first.stdout.isEmpty)
    #expect(try String(contentsOfFile: out, encoding: .utf8).contains("hostname: build"))
    let second = try KubeSupport.run(KubeSupport.nsbuild, arguments)
    #expect(second.status == 1)
    #expect(second.stderr.contains("EEXIST"))
  }
}
