import Foundation
import SpecParser
import Testing

/// `nsbuild schema`, checked in a real TOML toolkit (taplo) against the example specs and a misspelt key.
struct SchemaTests {
  @Test func schemaIsJSONWithTheSwiftNamespaceNames() throws {
    let schema = try schemaObject()
    #expect(schema["$schema"] as? String == "http://json-schema.org/draft-07/schema#")
    let properties = schema["properties"] as? [String: Any]
    let namespaces = properties?["namespaces"] as? [String: Any]
    let unshare = (namespaces?["properties"] as? [String: Any])?["unshare"] as? [String: Any]
    let names = (unshare?["items"] as? [String: Any])?["enum"] as? [String]
    #expect(names == Namespace.allCases.map(\.rawValue))
    #expect(schema["additionalProperties"] as? Bool == false)
    #expect((schema["required"] as? [String]) == ["version"])
  }

  @Test func joinTakesEveryNamespaceTypeAsAKey() throws {
    let properties = try schemaObject()["properties"] as? [String: Any]
    let namespaces = (properties?["namespaces"] as? [String: Any])?["properties"] as? [String: Any]
    let join = (namespaces?["join"] as? [String: Any])?["properties"] as? [String: Any]
    #expect(Set((join ?? [:]).keys) == Set(Namespace.allCases.map(\.rawValue)))
  }

  /// Every table's keys in the schema are the keys the decoder knows, so a key added to the decoder but not to the
  /// schema (or the other way round) fails here. The decoder lists its keys in the hint for a key it cannot place.
  @Test(arguments: [
    ("", "zzzzzzzz = 1\nversion = 1\n", ["properties"]),
    ("namespaces", "[namespaces]\nzzzzzzzz = 1\n", ["properties", "namespaces", "properties"]),
    ("uts", "[uts]\nzzzzzzzz = 1\n", ["properties", "uts", "properties"]),
    ("user", "[user]\nzzzzzzzz = 1\n", ["properties", "user", "properties"]),
    (
      "uid_map", "[user]\nuid_map = [{ zzzzzzzz = 1 }]\n",
      ["properties", "user", "properties", "uid_map", "items", "properties"]
    ),
    ("time", "[time]\nzzzzzzzz = 1\n", ["properties", "time", "properties"]),
    ("net", "[net]\nzzzzzzzz = 1\n", ["properties", "net", "properties"]),
    ("mounts", "[[mounts]]\nzzzzzzzz = 1\n", ["properties", "mounts", "items", "properties"]),
    ("process", "[process]\nzzzzzzzz = 1\n", ["properties", "process", "properties"]),
  ])
  func schemaKeysMatchTheDecoder(table: String, toml: String, schemaPath: [String]) throws {
    let check = SpecDecoder.decode(source: Array(toml.utf8), file: "keys.toml", directory: "/work")
    let hint = check.diagnostics.first { $0.code == "unknown-key" && $0.message.contains("zzzzzzzz") }?.hint ?? ""
    #expect(hint.hasPrefix("known keys: "), "[\(table)]: \(check.diagnostics.map(\.message))")
    var decoderKeys = Set(hint.dropFirst("known keys: ".count).split(separator: ", ").map(String.init))
    // The decoder names `realtime` only to refuse it with its own error; the schema leaves it out.
    if table == "time" { decoderKeys.remove("realtime") }
    var node: Any? = try schemaObject()
    for key in schemaPath { node = (node as? [String: Any])?[key] }
    let schemaKeys = Set(((node as? [String: Any]) ?? [:]).keys)
    #expect(schemaKeys == decoderKeys, "[\(table)]")
  }

  @Test(.enabled(if: taploPath != nil, "taplo not installed: pip install taplo"))
  func taploAcceptsEveryExampleSpec() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let schema = try writeSchema(into: folder)
    let specs = try exampleSpecNames()
    #expect(!specs.isEmpty)
    for name in specs {
      let result = try taplo(["check", "--schema", schema.absoluteString, specsDirectory + "/" + name], in: folder)
      #expect(result.status == 0, "taplo rejects specs/\(name):\n\(result.output)")
    }
  }

  @Test(.enabled(if: taploPath != nil, "taplo not installed: pip install taplo"))
  func misspeltKeyFailsInTaploAndNSBuildSuggestsTheKey() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let schema = try writeSchema(into: folder)
    let spec = folder.appendingPathComponent("typo.toml").path
    let text = """
      version = 1

      [namespaces]
      unshare = ["uts"]

      [uts]
      hostnme = "devbox"

      """
    try Data(text.utf8).write(to: URL(fileURLWithPath: spec))

    let taploResult = try taplo(["check", "--schema", schema.absoluteString, spec], in: folder)
    #expect(taploResult.status != 0)
    #expect(taploResult.output.contains("hostnme"), "\(taploResult.output)")

    let check = try NSBuildProcess.run(["check", spec])
    #expect(check.status == 1)
    let errors = (check.stdout + check.stderr).split(separator: "\n").filter { $0.contains(": error: ") }
    #expect(errors.count == 1, "\(check.stderr)")
    #expect(check.stderr.contains("did you mean 'hostname'?"), "\(check.stderr)")
  }

  /// The README's way: a `#:schema` first line naming the schema next to the spec, with no `--schema` flag.
  @Test(.enabled(if: taploPath != nil, "taplo not installed: pip install taplo"))
  func schemaDirectiveOnTheFirstLineIsHonoured() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    _ = try writeSchema(into: folder)
    let header = "#:schema ./sandbox.schema.json\nversion = 1\n\n[namespaces]\nunshare = [\"uts\"]\n\n[uts]\n"
    let good = folder.appendingPathComponent("good.toml")
    let bad = folder.appendingPathComponent("bad.toml")
    try Data((header + "hostname = \"devbox\"\n").utf8).write(to: good)
    try Data((header + "hostnme = \"devbox\"\n").utf8).write(to: bad)
    let goodResult = try taplo(["check", good.path], in: folder)
    #expect(goodResult.status == 0, "\(goodResult.output)")
    #expect(try taplo(["check", bad.path], in: folder).status != 0)
    #expect(try NSBuildProcess.run(["check", good.path]).status == 0)
  }
}

// MARK: - Helpers

/// taplo, from PATH, the Python user scripts folder or /usr/local/bin (where `pip install taplo` puts it); nil
/// when it is not installed, so the taplo tests skip instead of failing.
private let taploPath: String? = {
  var folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
  if let userBase = try? runTool("/usr/bin/env", ["python3", "-m", "site", "--user-base"]), userBase.status == 0 {
    folders.append(userBase.output.trimmingCharacters(in: .whitespacesAndNewlines) + "/bin")
  }
  folders.append("/usr/local/bin")
  return folders.map { $0 + "/taplo" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}()

private struct ToolResult {
  var status: Int32
  /// stdout and stderr together: taplo writes its diagnostics to stderr.
  var output: String
}

/// Runs a program and waits for it, collecting its output.
private func runTool(_ path: String, _ arguments: [String], in directory: URL? = nil) throws -> ToolResult {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: path)
  process.arguments = arguments
  if let directory { process.currentDirectoryURL = directory }
  let pipe = Pipe()
  process.standardOutput = pipe
  process.standardError = pipe
  process.standardInput = FileHandle.nullDevice
  try process.run()
  let data = pipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return ToolResult(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
}

/// Runs taplo in `folder` (so no stray `.taplo.toml` from the checkout applies) with colours off.
private func taplo(_ arguments: [String], in folder: URL) throws -> ToolResult {
  guard let taploPath else { throw TestFailure("taplo not installed") }
  return try runTool(taploPath, ["--colors", "never"] + arguments, in: folder)
}

private func temporaryFolder() throws -> URL {
  let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nsbuild-schema-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  return folder
}

/// `nsbuild schema`'s output, failing the test when the command fails.
private func schemaText() throws -> String {
  let result = try NSBuildProcess.run(["schema"])
  guard result.status == 0 else { throw TestFailure("nsbuild schema exited \(result.status): \(result.stderr)") }
  return result.stdout
}

private func schemaObject() throws -> [String: Any] {
  let json = try JSONSerialization.jsonObject(with: Data(try schemaText().utf8))
  guard let object = json as? [String: Any] else { throw TestFailure("the schema is not a JSON object") }
  return object
}

/// Writes `sandbox.schema.json` into `folder` and returns its file URL.
private func writeSchema(into folder: URL) throws -> URL {
  let url = folder.appendingPathComponent("sandbox.schema.json")
  try Data(try schemaText().utf8).write(to: url)
  return url
}
