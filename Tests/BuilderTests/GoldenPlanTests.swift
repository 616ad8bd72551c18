import Foundation
import SpecParser
import Testing

@testable import Builder
@testable import nsbuild

/// `plan` text and JSON for every spec in specs/, against files in Tests/BuilderTests/Golden. The state is fixed
/// (root, hostname "host", no clock offsets), so the output is the same on every machine; values read from the host
/// are marked in the output itself. Run with NSBUILD_UPDATE_GOLDEN=1 to rewrite the files after a deliberate change.
@Suite struct GoldenPlanTests {
  static let golden = packageRoot + "/Tests/BuilderTests/Golden"
  static let state: ObservedState = {
    var state = ObservedState(
      uid: 0, gid: 0, euid: 0, hostname: "host", domainname: "(none)", monotonicSeconds: 1000, boottimeSeconds: 1000)
    state.newuidmap = "/usr/bin/newuidmap"
    state.newgidmap = "/usr/bin/newgidmap"
    for (index, namespace) in Namespace.allCases.enumerated() {
      state.namespaceIDs[namespace] = "\(namespace.procName):[40265318\(30 + index)]"
    }
    return state
  }()

  func rendered(_ name: String, terminal: Bool = false) throws -> (text: String, json: String) {
    // Decoded as if the specs sat in /specs, so paths relative to the spec read the same on every machine.
    let source = try Data(contentsOf: URL(fileURLWithPath: specsDirectory + "/" + name))
    let check = SpecDecoder.decode(source: [UInt8](source), file: "specs/" + name, directory: "/specs")
    var spec = try #require(check.spec, "\(check.diagnostics.map(\.message))")
    spec.process.terminal = spec.process.terminal || terminal
    let plan = try Planner(spec: spec, state: Self.state).plan(command: spec.process.args == nil ? ["true"] : nil)
    let file = "specs/" + name
    // What `plan --format json` writes a step at a time: the same bytes as Foundation's encoding of the document.
    let json = try Self.written { try PlanJSON.write(plan, file: file, to: $0) }
    #expect(json == (try JSONText.encode(PlanJSON(plan, file: file)) + "\n"), "\(name): streamed JSON differs")
    return (PlanTextRenderer(color: false, file: file).render(plan), json)
  }

  /// The pieces `write` hands on, joined.
  static func written(_ write: (@escaping ([UInt8]) -> Void) throws -> Void) throws -> String {
    final class Gathered { var bytes: [UInt8] = [] }
    let gathered = Gathered()
    try write { gathered.bytes += $0 }
    return String(decoding: gathered.bytes, as: UTF8.self)
  }

  func compare(_ actual: String, _ path: String) throws {
    if ProcessInfo.processInfo.environment["NSBUILD_UPDATE_GOLDEN"] == "1" {
      try FileManager.default.createDirectory(atPath: Self.golden, withIntermediateDirectories: true)
      try Data(actual.utf8).write(to: URL(fileURLWithPath: path))
    }
    let expected = try String(contentsOfFile: path, encoding: .utf8)
    #expect(actual == expected, "\(path) differs; rerun with NSBUILD_UPDATE_GOLDEN=1 after a deliberate change")
  }

  @Test(arguments: try exampleSpecNames())
  func planMatchesGolden(_ name: String) throws {
    let (text, json) = try rendered(name)
    let base = Self.golden + "/" + name.replacingOccurrences(of: ".toml", with: "")
    try compare(text, base + ".plan.txt")
    try compare(json, base + ".plan.json")
  }

  /// `run -t`: the pseudo-terminal's steps, from its opening before the first fork to the relay after the last.
  @Test func terminalPlanMatchesGolden() throws {
    let (text, json) = try rendered("dev.toml", terminal: true)
    try compare(text, Self.golden + "/dev.tty.plan.txt")
    try compare(json, Self.golden + "/dev.tty.plan.json")
  }

  @Test func hostValuesAreMarked() throws {
    let (text, json) = try rendered("minimal.toml")
    #expect(text.contains("(host: host → minimal)"))
    #expect(json.contains("\"host_specific\" : true"))
  }
}
