import SpecParser
import Testing

@testable import Builder

/// `apply`'s driver on a recording kernel: each joiner step forked, a joiner's reported failure stops the apply, and
/// what was taken before is taken back, newest first, with the plan's undo steps.
@Suite struct InPlaceApplierTests {
  /// The hostname changed, a tmpfs added on /mnt and init's open-files limit set: three steps, each with its undo.
  func plan() throws -> TargetPlan {
    let spec = TargetPlanTests.spec(
      [
        "hostname = \"livebox\"": "hostname = \"newbox\"",
        "args = [\"/bin/sleep\", \"1000\"]": "args = [\"/bin/sleep\", \"1000\"]\nrlimits = { nofile = 512 }",
      ], extra: "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/mnt\"\n")
    let host = TargetPlanTests.host(hostname: "handmade")
    host.files["/proc/\(TargetPlanTests.pid)/limits"] =
      "Limit                     Soft Limit           Hard Limit           Units\n"
      + "Max open files            1024                 4096                 files\n"
    return try TargetPlanTests.target(applied: TargetPlanTests.spec(), spec: spec, host: host)
  }

  /// Runs the plan with joiners that report `failures` (by step id: the failed call's index), recording each step
  /// taken by its title.
  func apply(_ plan: TargetPlan, _ kernel: RecordingKernel, failing failures: [Int: Int]) -> (ApplyOutcome, [String]) {
    var taken: [String] = []
    let joiners = plan.applySteps.filter { $0.actor == .joiner }
    kernel.reads = joiners.map { step in
      failures[step.id].map { index in
        ChainMessage.failed(
          StepFailure(stepID: step.id, callIndex: index, error: SyscallError(call: "x", errno: ErrnoNames.EPERM))
        ).encoded
      } ?? []
    }
    kernel.waits = joiners.map { failures[$0.id] == nil ? .exited(0) : .exited(125) } + [.exited(0), .exited(0)]
    let outcome = InPlaceApplier(kernel: kernel, plan: plan) { taken.append($0.title) }.apply()
    return (outcome, taken)
  }

  @Test func theUndoOfEachStepIsPlanData() throws {
    let plan = try plan()
    let titles = plan.applySteps.map(\.title)
    #expect(titles == ["set hostname newbox", "mount tmpfs on /mnt", "set init's resource limits"], "\(titles)")
    let undo = plan.entries.flatMap(\.undo).flatMap { $0 }
    // The name the sandbox had (read from it, not the applied plan's), the mount taken off, the limits read.
    #expect(undo.map(\.title) == ["set hostname back to handmade", "unmount /mnt", "set init's resource limits back"])
    #expect(undo.first?.calls.contains(.sethostname(name: "handmade")) == true)
    let limit = ResourceLimit(.nofile, soft: 1024, hard: 4096)
    #expect(undo.last?.calls == [.prlimit(target: InPlaceStepTests.target, limit: limit)])
    // Each undo step has the id of the step it takes back.
    #expect(undo.map(\.id) == plan.applySteps.map(\.id))
  }

  /// The main command's limit changed by hand (read from its /proc/PID/limits, once its start time matches): drift
  /// that the limits step brings back on it and on init, and whose undo sets each back to what it read, the
  /// hand-made value included.
  @Test func theMainCommandsLimitsDriftIsBroughtBackAndItsUndoSetsTheHandMadeOnesBack() throws {
    let spec = TargetPlanTests.spec([
      "args = [\"/bin/sleep\", \"1000\"]": "args = [\"/bin/sleep\", \"1000\"]\nrlimits = { nofile = 512 }"
    ])
    let host = TargetPlanTests.host()
    let command = TargetPlanTests.mainCommand
    let limits = "Limit                     Soft Limit           Hard Limit           Units\n"
    host.files["/proc/\(TargetPlanTests.pid)/limits"] = limits + "Max open files            1024  4096  files\n"
    host.files["/proc/\(command.pid)/limits"] = limits + "Max open files            256   512   files\n"
    host.files["/proc/\(command.pid)/stat"] =
      "\(command.pid) (sleep) S 1 " + Array(repeating: "0", count: 17).joined(separator: " ")
      + " \(command.startTime) 0 0"
    var record = try TargetPlanTests.record(try TargetPlanTests.plan(spec))
    record.mainCommand = command
    let live = LiveObserver(reader: host).observe(record)
    let drift = DriftReport.compare(record.plan, live)
    #expect(drift.map(\.description) == ["rlimits: applied nofile 512/512, now nofile 256/512"])
    let plan = try TargetPlanner(record: record, live: live).plan(try TargetPlanTests.plan(spec))
    let entry = try #require(plan.entries.first { !$0.apply.isEmpty })
    #expect(entry.restores == drift.first && entry.step.kind == .rlimits)
    let wanted = ResourceLimit(.nofile, soft: 512, hard: 512)
    let target = InPlaceStepTests.target
    #expect(
      entry.apply.first?.calls == [.prlimit(target: command, limit: wanted), .prlimit(target: target, limit: wanted)])
    #expect(
      entry.undo.first?.first?.calls == [
        .prlimit(target: command, limit: ResourceLimit(.nofile, soft: 256, hard: 512)),
        .prlimit(target: target, limit: ResourceLimit(.nofile, soft: 1024, hard: 4096)),
      ])
    // A main command whose start time is not the recorded one is another process: nothing read, nothing set on it.
    record.mainCommand = ProcessIdentity(pid: command.pid, startTime: 1)
    let other = LiveObserver(reader: host).observe(record)
    #expect(other.commandLimits == nil && DriftReport.compare(record.plan, other).isEmpty)
  }

  @Test func aFailedStepTakesBackThoseBeforeItNewestFirst() throws {
    let plan = try plan()
    let kernel = RecordingKernel()
    // The mount fails at its first call (opening a namespace file): nothing of it was made.
    let (outcome, taken) = apply(plan, kernel, failing: [2: 0])
    guard case .failed(let failure, let undoFailures) = outcome else {
      Issue.record("\(outcome)")
      return
    }
    #expect(failure.stepID == 2 && undoFailures.isEmpty)
    #expect(taken == ["set hostname newbox", "mount tmpfs on /mnt", "set hostname back to handmade"])
    // The limits step, after the failed one, was never taken.
    #expect(!kernel.log.contains { $0.hasPrefix("prlimit") })
  }

  @Test func aStepThatFailedAfterItsChangeIsTakenBackToo() throws {
    let plan = try plan()
    let mount = try #require(plan.applySteps.first { $0.kind == .mount })
    let moved = try #require(mount.calls.firstIndex { if case .moveMount = $0 { true } else { false } })
    #expect(InPlaceApplier<RecordingKernel>.changeIndex(of: mount) == moved)
    let (_, taken) = apply(plan, RecordingKernel(), failing: [2: moved + 1])
    #expect(taken == ["set hostname newbox", "mount tmpfs on /mnt", "unmount /mnt", "set hostname back to handmade"])
  }

  @Test func aFailedPrlimitFromNsbuildIsReportedWithItsStep() throws {
    let plan = try plan()
    let kernel = RecordingKernel()
    let stat = "\(TargetPlanTests.pid) (init) S 1 " + Array(repeating: "0", count: 17).joined(separator: " ")
    kernel.files["/proc/\(TargetPlanTests.pid)/stat"] = Array((stat + " \(TargetPlanTests.startTime) 0").utf8)
    kernel.failures = ["prlimit": ErrnoNames.EPERM]
    let (outcome, taken) = apply(plan, kernel, failing: [:])
    guard case .failed(let failure, let undoFailures) = outcome else {
      Issue.record("\(outcome)")
      return
    }
    #expect(failure.stepID == 3 && failure.error.errno == ErrnoNames.EPERM && failure.error.call == "prlimit")
    #expect(undoFailures.isEmpty)
    #expect(taken.suffix(2) == ["unmount /mnt", "set hostname back to handmade"])
  }

  @Test func aSignalDuringApplyTakesBackWhatWasTaken() throws {
    let plan = try plan()
    let kernel = RecordingKernel()
    // SIGTERM kept while the first step was taken.
    kernel.deferredSignals = [15]
    let (outcome, taken) = apply(plan, kernel, failing: [:])
    #expect(outcome == .interrupted(signal: 15, undoFailures: []))
    #expect(taken == ["set hostname newbox", "set hostname back to handmade"])
  }
}
