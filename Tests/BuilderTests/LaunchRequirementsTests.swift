import SpecParser
import Testing

@testable import Builder

/// A plan without the steps a launch takes its processes from is refused with a message, before any fork(2).
@Suite struct LaunchRequirementsTests {
  private func plan() throws -> Plan {
    try Planner(spec: try exampleSpec("rootless.toml"), state: PlannerTests.user).plan(command: ["true"])
  }

  /// Runs `plan` on the recording kernel; the outcome, and whether anything was forked.
  private func launch(_ plan: Plan) -> (outcome: RunOutcome, forked: Bool) {
    let kernel = RecordingKernel()
    let outcome = Launcher(kernel: kernel, plan: plan).run()
    return (outcome, kernel.log.contains("fork()"))
  }

  @Test func aPlannedPlanHasEveryStep() throws {
    #expect(LaunchRequirements.problem(in: try plan()) == nil)
  }

  @Test(arguments: LaunchRequirements.required.map(\.kind))
  func aPlanWithoutAStepIsRefused(_ kind: Step.Kind) throws {
    var plan = try plan()
    let actor = try #require(plan.steps.first { $0.kind == kind }?.actor)
    plan.steps.removeAll { $0.kind == kind }
    let (outcome, forked) = launch(plan)
    #expect(outcome == .refused(.missingStep(kind, actor: actor)))
    #expect(!forked)
    #expect("\(LaunchRequirementError.missingStep(kind, actor: actor))".contains("no \(kind.rawValue) step"))
  }

  @Test(arguments: LaunchRequirements.required.map(\.kind))
  func aStepTakenByAnotherProcessIsRefused(_ kind: Step.Kind) throws {
    var plan = try plan()
    let index = try #require(plan.steps.firstIndex { $0.kind == kind })
    let actor = plan.steps[index].actor
    plan.steps[index].actor = actor == .parent ? .initProcess : .parent
    let (outcome, forked) = launch(plan)
    #expect(outcome == .refused(.missingStep(kind, actor: actor)))
    #expect(!forked)
  }

  @Test(arguments: LaunchRequirements.required.map(\.kind))
  func aStepWithoutItsCallIsRefused(_ kind: Step.Kind) throws {
    var plan = try plan()
    let index = try #require(plan.steps.firstIndex { $0.kind == kind })
    plan.steps[index].operations.removeAll { operation in
      if case .execve = operation.call { return true }
      return operation.call == .fork
    }
    let (outcome, forked) = launch(plan)
    guard case .refused(.missingCall(kind, _)) = outcome else {
      Issue.record("\(kind.rawValue) without its call: \(outcome)")
      return
    }
    #expect(!forked)
  }

  @Test func stepsOutOfOrderAreRefused() throws {
    var plan = try plan()
    let fork = try #require(plan.steps.firstIndex { $0.kind == .fork })
    let command = try #require(plan.steps.firstIndex { $0.kind == .spawnCommand })
    plan.steps.swapAt(fork, command)
    let (outcome, forked) = launch(plan)
    #expect(outcome == .refused(.outOfOrder(.spawnCommand, after: .fork)))
    #expect(!forked)
  }
}
