import SpecParser
import Testing

@testable import Builder

/// The one choice between 125, 126 and 127 (``ExitStatus``), which the launcher's processes, the uid-map helper
/// and the CLI's failure report all take.
@Suite struct ExitStatusTests {
  @Test func aProgramThatDidNotStart() {
    #expect(ExitStatus.notExecuted(errno: ErrnoNames.ENOENT) == 127)
    #expect(ExitStatus.notExecuted(errno: ErrnoNames.EACCES) == 126)
    #expect(ExitStatus.notExecuted(errno: 8) == 126)  // ENOEXEC
  }

  /// Only the command's own exec step gives 126 or 127; any other failed step is nsbuild's (125), ENOENT or not.
  @Test func dependsOnTheStepThatFailed() throws {
    let plan = try Planner(spec: try decodeSpec("version = 1\n"), state: PlannerTests.root).plan(command: ["true"])
    let exec = try #require(plan.steps.first { $0.kind == .exec })
    let other = try #require(plan.steps.first { $0.kind != .exec })
    let missing = SyscallError(call: "execve", errno: ErrnoNames.ENOENT, path: "true")
    let denied = SyscallError(call: "execve", errno: ErrnoNames.EACCES, path: "true")
    #expect(ExitStatus.of(StepFailure(stepID: exec.id, callIndex: 0, error: missing), in: plan) == 127)
    #expect(ExitStatus.of(StepFailure(stepID: exec.id, callIndex: 0, error: denied), in: plan) == 126)
    #expect(ExitStatus.of(StepFailure(stepID: other.id, callIndex: 0, error: missing), in: plan) == 125)
    #expect(ExitStatus.of(StepFailure(stepID: 999, callIndex: 0, error: missing), in: plan) == 125)
  }
}
