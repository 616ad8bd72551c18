import Foundation
import SpecParser
import Testing

/// What the OCI tests share: the package's folders, the example specs, and running programs (the built `nsbuild`,
/// runc, crun) as subprocesses, since a `swift test` process has several threads and cannot make namespaces itself.
enum OCIFixtures {
  /// The package root, from this file's path (Tests/InterchangeTests/OCIFixtures.swift).
  static let packageRoot: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
  }()

  static let specs = packageRoot + "/specs"
  static let golden = packageRoot + "/Tests/InterchangeTests/Golden/oci"
  static let fixtures = packageRoot + "/Tests/InterchangeTests/Fixtures/oci"

  /// The built binary next to the test bundle, or `$NSBUILD_BINARY`.
  static let nsbuild: String = {
    if let path = ProcessInfo.processInfo.environment["NSBUILD_BINARY"] { return path }
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
    let beside = URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("nsbuild").path
    return FileManager.default.isExecutableFile(atPath: beside) ? beside : packageRoot + "/.build/debug/nsbuild"
  }()

  static var isRoot: Bool { geteuid() == 0 }

  /// The example specs' file names, sorted.
  static func specNames() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: specs).filter { $0.hasSuffix(".toml") }.sorted()
  }

  /// Decodes `specs/NAME` as the CLI does (relative paths against specs/).
  static func spec(_ name: String) throws -> (Spec, [UInt8]) {
    let source = [UInt8](try Data(contentsOf: URL(fileURLWithPath: specs + "/" + name)))
    let check = SpecDecoder.decode(source: source, file: specs + "/" + name, directory: specs)
    let spec = try #require(check.spec, "\(name): \(check.diagnostics.map(\.message))")
    return (spec, source)
  }

  struct Output {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// Runs `path ARGS` and waits; stdin is /dev/null, stdout and stderr go through files (two pipes read one after
  /// the other could deadlock).
  static func run(_ path: String, _ arguments: [String]) throws -> Output {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("oci-out-\(UUID().uuidString)").path
    FileManager.default.createFile(atPath: base + ".out", contents: nil)
    FileManager.default.createFile(atPath: base + ".err", contents: nil)
    defer {
      try? FileManager.default.removeItem(atPath: base + ".out")
      try? FileManager.default.removeItem(atPath: base + ".err")
    }
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".out"))
    let err = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".err"))
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try out.close()
    try err.close()
    return Output(
      status: process.terminationStatus,
      stdout: try String(contentsOfFile: base + ".out", encoding: .utf8),
      stderr: try String(contentsOfFile: base + ".err", encoding: .utf8))
  }

  static func nsbuild(_ arguments: [String]) throws -> Output { try run(nsbuild, arguments) }

  /// A fresh temporary folder path (not made), removed by the caller.
  static func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)").path
  }

  /// Compares `actual` with the golden file `name`; NSBUILD_UPDATE_GOLDEN=1 rewrites it.
  static func compareGolden(_ actual: String, _ name: String) throws {
    let path = golden + "/" + name
    if ProcessInfo.processInfo.environment["NSBUILD_UPDATE_GOLDEN"] == "1" {
      try FileManager.default.createDirectory(atPath: golden, withIntermediateDirectories: true)
      try Data(actual.utf8).write(to: URL(fileURLWithPath: path))
    }
    let expected = try String(contentsOfFile: path, encoding: .utf8)
    #expect(actual == expected, "\(path) differs; rerun with NSBUILD_UPDATE_GOLDEN=1 after a deliberate change")
  }
}
