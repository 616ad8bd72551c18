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
    // The goldens too: the documents reviewers read, with their structured calls.
    let files = try FileManager.default.contentsOfDirectory(atPath: GoldenPlanTests.golden)
    // One per example spec, `run -t`'s of one (*.tty.plan.json), and the `plan --target` transcripts (live-*), which
    // add `action`, `forced_by` and `target`.
    let specPlans = files.filter {
      $0.hasSuffix(".plan.json") && !$0.hasPrefix("live-") && !$0.hasSuffix(".tty.plan.json")
    }
    #expect(specPlans.count == (try exampleSpecNames()).count)
    #expect(files.contains { $0.hasSuffix(".tty.plan.json") })
    #expect(files.contains { $0.hasPrefix("live-") })
    // `exec`'s plans too (ExecGoldenTests).
    let goldens = files.filter { $0.hasSuffix(".plan.json") || $0.hasSuffix(".exec.json") }.sorted()
    for (index, golden) in goldens.enumerated() {
      try FileManager.default.copyItem(
        atPath: GoldenPlanTests.golden + "/" + golden, toPath: folder + "/plan\(documents.count + index).json")
    }
    // The schema is not vacuous: a valid plan with one part broken is refused, for each part.
    let script = """
      import copy, json, sys, glob, jsonschema
      schema = json.load(open(sys.argv[1] + "/plan.schema.json"))
      jsonschema.Draft7Validator.check_schema(schema)
      paths = sorted(glob.glob(sys.argv[1] + "/plan[0-9]*.json"))
      for path in paths:
          jsonschema.validate(json.load(open(path)), schema)
      print("valid", len(paths))
      plan = json.load(open(sys.argv[1] + "/plan0.json"))
      def broken(change):
          doc = copy.deepcopy(plan)
          change(doc["steps"][0])
          try:
              jsonschema.validate(doc, schema)
              return False
          except jsonschema.ValidationError:
              return True
      changes = [
          lambda step: step.pop("calls"),
          lambda step: step.pop("operations"),
          lambda step: step.pop("subject"),
          lambda step: step["operations"][0].update(name="no_such_call"),
          lambda step: step["operations"][0].pop("arguments"),
          lambda step: step["operations"][0]["arguments"].update(BadName=1),
          lambda step: step["subject"].update(type="no_such_subject"),
      ]
      print("refused", sum(broken(change) for change in changes), "of", len(changes))
      live = json.load(open(sorted(glob.glob(sys.argv[2] + "/live-*.plan.json"))[0]))
      def refused(change):
          doc = copy.deepcopy(live)
          change(doc)
          try:
              jsonschema.validate(doc, schema)
              return False
          except jsonschema.ValidationError:
              return True
      targets = [
          lambda doc: doc["steps"][0].update(action="bogus"),
          lambda doc: doc["target"].pop("drift"),
          lambda doc: doc["target"]["replaced_because"].append({"cause": "bogus"}),
          lambda doc: doc["summary"].update(to_add=-1),
      ]
      print("target refused", sum(refused(change) for change in targets), "of", len(targets))
      """
    let result = try NSBuildProcess.runCommand(
      Self.python ?? "python3", ["-c", script, folder, GoldenPlanTests.golden])
    #expect(
      result.stdout == "valid \(documents.count + goldens.count)\nrefused 7 of 7\ntarget refused 4 of 4\n",
      "\(result.stderr)")
  }
}
