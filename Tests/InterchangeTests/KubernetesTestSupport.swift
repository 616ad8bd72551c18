import Foundation
import Interchange
import SpecParser
import Testing

/// What the Kubernetes tests share: specs decoded from text, the repository's folders, programs run to the end.
enum KubeSupport {
  /// The repository's root (this file is Tests/InterchangeTests/…).
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

  /// The spec files of specs/.
  static var exampleSpecs: [String] {
    let folder = root + "/specs"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return names.filter { $0.hasSuffix(".toml") }.sorted().map { folder + "/" + $0 }
  }

  /// `text` decoded as a spec in folder /project; fails the test on an error.
  static func spec(_ text: String) throws -> Spec {
    let check = SpecDecoder.decode(source: Array(text.utf8), file: "test.toml", directory: "/project")
    return try #require(check.spec, "\(check.diagnostics)")
  }

  /// The Pod and report of `text`.
  static func export(_ text: String, version: String = "1.33", image: String? = "debian:12") throws -> (
    pod: KubernetesPod, report: InterchangeReport
  ) {
    let version = try #require(KubernetesVersion(version))
    return KubernetesExport.pod(
      for: try spec(text), source: Array(text.utf8),
      options: KubernetesExportOptions(name: "test", image: image, version: version))
  }

  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// The built nsbuild next to the test bundle, as `swift build` places it.
  static let nsbuild: String = {
    if let path = ProcessInfo.processInfo.environment["NSBUILD_BINARY"] { return path }
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
    let beside = URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("nsbuild").path
    return FileManager.default.isExecutableFile(atPath: beside) ? beside : root + "/.build/debug/nsbuild"
  }()

  /// Runs `program ARGS` to its end, stdout and stderr through files (two pipes read in turn could deadlock).
  static func run(_ program: String, _ arguments: [String]) throws -> Result {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("kube-\(UUID().uuidString)").path
    defer {
      try? FileManager.default.removeItem(atPath: base + ".out")
      try? FileManager.default.removeItem(atPath: base + ".err")
    }
    FileManager.default.createFile(atPath: base + ".out", contents: nil)
    FileManager.default.createFile(atPath: base + ".err", contents: nil)
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".out"))
    let err = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".err"))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try out.close()
    try err.close()
    return Result(
      status: process.terminationStatus,
      stdout: (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "",
      stderr: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
  }

  /// `kubernetes-validate` on PATH or in pip's --user folder (where .ci/run installs it), nil when absent.
  static let validator: String? = {
    let environment = ProcessInfo.processInfo.environment
    let folders =
      (environment["PATH"] ?? "").split(separator: ":").map(String.init)
      + [(environment["HOME"] ?? "/root") + "/.local/bin"]
    return folders.map { $0 + "/kubernetes-validate" }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }()

  /// A new temporary folder, removed by the caller.
  static func temporaryFolder() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("kube-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    return path
  }
}

extension InterchangeReport {
  /// The entries for `field`.
  func entries(_ field: String) -> [InterchangeReportEntry] { entries.filter { $0.field == field } }
}
