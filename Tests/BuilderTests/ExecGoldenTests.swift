import Foundation
import SpecParser
import Testing

@testable import Builder
@testable import nsbuild

/// `exec`'s plan into a live sandbox, as text and JSON, against files in Tests/BuilderTests/Golden (`NAME.exec.txt`,
/// `NAME.exec.json`): the spec's `[process]` steps after the joiner's setns(2), with and without setns(2) on a pidfd.
/// The target is fixed data (init 4242, started at 91234), so the output is the same on every machine.
@Suite struct ExecGoldenTests {
  @Test(arguments: [("dev.toml", true), ("rootless.toml", false)])
  func execPlanMatchesGolden(_ name: String, _ pidfd: Bool) throws {
    let source = try Data(contentsOf: URL(fileURLWithPath: specsDirectory + "/" + name))
    let check = SpecDecoder.decode(source: [UInt8](source), file: "specs/" + name, directory: "/specs")
    let spec = try #require(check.spec, "\(check.diagnostics.map(\.message))")
    let target = LiveTarget(
      initProcess: ProcessIdentity(pid: 4242, startTime: 91234), namespaces: spec.namespaces,
      setnsTakesPidfd: pidfd)
    let plan = try Planner(spec: spec, state: GoldenPlanTests.state).execPlan(
      into: target, command: spec.process.args == nil ? ["true"] : nil)
    #expect(LaunchRequirements.problem(in: plan) == nil)
    let file = "specs/" + name
    let base = GoldenPlanTests.golden + "/" + name.replacingOccurrences(of: ".toml", with: "")
    let golden = GoldenPlanTests()
    try golden.compare(PlanTextRenderer(color: false, file: file).render(plan), base + ".exec.txt")
    try golden.compare(try JSONText.encode(PlanJSON(plan, file: file)) + "\n", base + ".exec.json")
  }
}
