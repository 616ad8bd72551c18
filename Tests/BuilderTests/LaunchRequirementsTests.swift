import SpecParser
import Testing

@testable import Builder

/// A plan whose process chain cannot be started is refused with a message, before any fork(2): each process of
/// ``Plan/processes`` needs the fork step its parent takes, in order, and the last one needs the exec step.
@Suite struct LaunchRequirementsTests {
  /// The steps a launch cannot do without: the three forks of today's chain and the command's exec.
  static let launchKinds: [Step.Kind] = [.spawn, .fork, .spawnCommand, .exec]

  private func plan() throws -> Plan {
    try Planner(spec: try exampleSpec("rootless.toml"), state: PlannerTests.user).plan(command: ["true"])
  }

  /// Runs `plan` on the recording kernel; the outcome, and whether anything was forked.
  private func launch(_ plan: Plan) -> (outcome: RunOutcome, forked: Bool) {
    let kernel = RecordingKernel()
    let outcome = Launcher(kernel: kernel, plan: plan).run()
    return (outcome, kernel.log.contains("fork()"))
  }

  /// The refusal expected when the step of `kind` is gone: a fork step's process has no fork; the exec step is
  /// missing from the last process.
  private func refusalWithout(_ kind: Step.Kind, in plan: Plan) throws -> LaunchRequirementError {
    let step = try #require(plan.steps.first { $0.kind == kind })
    if let process = plan.processes.first(where: { $0.forkedBy == step.id }) { return .missingFork(process.role) }
    return .missingStep(kind, actor: try #require(plan.processes.last?.role))
  }

  @Test func aPlannedPlanHasEveryStep() throws {
    #expect(LaunchRequirements.problem(in: try plan()) == nil)
  }

  @Test(arguments: launchKinds)
  func aPlanWithoutAStepIsRefused(_ kind: Step.Kind) throws {
    var plan = try plan()
    let expected = try refusalWithout(kind, in: plan)
    plan.steps.removeAll { $0.kind == kind }
    let (outcome, forked) = launch(plan)
    #expect(outcome == .refused(expected))
    #expect(!forked)
    #expect("\(expected)".hasPrefix("the plan cannot be run"))
  }

  @Test(arguments: launchKinds)
  func aStepTakenByAnotherProcessIsRefused(_ kind: Step.Kind) throws {
    var plan = try plan()
    let index = try #require(plan.steps.firstIndex { $0.kind == kind })
    let actor = plan.steps[index].actor
    plan.steps[index].actor = actor == .parent ? .initProcess : .parent
    let (outcome, forked) = launch(plan)
    #expect(outcome == .refused(.missingStep(kind, actor: actor)))
    #expect(!forked)
  }

  @Test(arguments: launchKinds)
  func aStepWithoutItsCallIsRefused(_ kind: Step.Kind) throws {
    var plan = try plan()
    let index = try #require(plan.steps.firstIndex { $0.kind == kind })
    plan.steps[index].operations.removeAll { operation in
      if case .execve = operation.call { return true }
      return operation.call.startsProcess
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

  @Test func aPlanWithoutAChainIsRefused() throws {
    var plan = try plan()
    plan.processes.removeAll()
    #expect(launch(plan) == (.refused(.noChain), false))
  }
}
