import Foundation
import Testing

/// `plan --format json` validates against `nsbuild schema --plan`, checked by Python's jsonschema (a real validator).
@Suite struct PlanSchemaTests {
  static let python: String? = {
    let candidates = ["/root/.pyenv/shims/python3", "/usr/local/bin/python3", "/usr/bin/python3"]
    return candidates.first { path in
      FileManager.default.isExecutableFile(atPath: path)
        && (try? NSBuildProcess.runCommand(path, ["-c", "import jsonschema"]).status) == 0
    }
  }()

  @Test(.enabled(if: python != nil, "needs Python with jsonschema (pip install jsonschema)"))
  func everyPlanValidates() throws {
    let folder = try NSBuildProcess.publicCopy(specs: ["broken.toml": "version = 1\n[uts]\nhostname = 5\n"])
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let schema = try NSBuildProcess.run(["schema", "--plan"])
    try Data(schema.stdout.utf8).write(to: URL(fileURLWithPath: folder + "/plan.schema.json"))
    var documents = try exampleSpecNames().map { specsDirectory + "/" + $0 }
    documents.append(folder + "/broken.toml")
    for (index, spec) in documents.enumerated() {
      let plan = try NSBuildProcess.run(["plan", "--format", "json", spec, "--", "true"])
      try Data(plan.stdout.utf8).write(to: URL(fileURLWithPath: folder + "/plan\(index).json"))
    }
    let script = """
      import json, sys, glob, jsonschema
      schema = json.load(open(sys.argv[1] + "/plan.schema.json"))
      jsonschema.Draft7Validator.check_schema(schema)
      for path in sorted(glob.glob(sys.argv[1] + "/plan[0-9]*.json")):
          jsonschema.validate(json.load(open(path)), schema)
      print("valid", len(glob.glob(sys.argv[1] + "/plan[0-9]*.json")))
      """
    let result = try NSBuildProcess.runCommand(Self.python ?? "python3", ["-c", script, folder])
    #expect(result.stdout == "valid \(documents.count)\n", "\(result.stderr)")
    // And the schema is not vacuous: a step missing its calls is refused.
    let broken =
      #"{"format_version": 1, "spec": "x", "steps": [{"id": 1, "kind": "exec", "actor": "init", "title": "t", "change": {"op": "+"}}], "summary": {"steps": 1, "unchanged": 0, "changes": 1}, "warnings": []}"#
    try Data(broken.utf8).write(to: URL(fileURLWithPath: folder + "/bad.json"))
    let refused = try NSBuildProcess.runCommand(
      Self.python ?? "python3",
      [
        "-c",
        "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))",
        folder + "/bad.json", folder + "/plan.schema.json",
      ])
    #expect(refused.status != 0)
  }
}
