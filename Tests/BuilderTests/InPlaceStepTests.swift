import Foundation
import SpecParser
import Testing

@testable import Builder

/// The steps `plan --target` plans for `apply` in place: made from the new plan's steps, ordered so each call is
/// made where the kernel allows it, and run by the step runner as the plan says.
@Suite struct InPlaceStepTests {
  static let target = ProcessIdentity(pid: TargetPlanTests.pid, startTime: TargetPlanTests.startTime)

  func target(_ spec: String, applied: String = TargetPlanTests.spec()) throws -> TargetPlan {
    try TargetPlanTests.target(applied: applied, spec: spec, host: TargetPlanTests.host())
  }

  /// The namespaces a joiner step enters, in order (its setns(2) calls).
  static func entered(_ calls: [Syscall]) -> [CloneFlags] {
    calls.compactMap { if case .setns(_, let flags) = $0 { flags } else { nil } }
  }

  /// What a joiner does first for `namespaces` when its own calls use no fd slot: opens each of the init's
  /// namespace files (checking its start time), then enters them in order.
  static func joining(_ namespaces: [Namespace]) -> [Syscall] {
    let file = NamespaceFile.process(pid: target.pid, startTime: target.startTime)
    return namespaces.enumerated().map { Syscall.openNamespace(namespace: $1, file: file, slot: $0) }
      + namespaces.enumerated().map { Syscall.setns(slot: $0, namespaces: CloneFlags($1)) }
  }

  func index(_ calls: [Syscall], _ matches: (Syscall) -> Bool) throws -> Int {
    let found = calls.firstIndex(where: matches)
    return try #require(found)
  }

  @Test func aBindIsCopiedFromTheHostBeforeJoining() throws {
    let plan = try target(
      TargetPlanTests.spec(extra: "[[mounts]]\ntype = \"bind\"\nsource = \"/usr\"\ntarget = \"/usr\"\n"))
    let add = try #require(plan.applySteps.first { $0.kind == .mount })
    let opened = try index(add.calls) { if case .openNoSymlinks(path: "/usr", _, _) = $0 { true } else { false } }
    let copied = try index(add.calls) { if case .openTree = $0 { true } else { false } }
    let joined = try index(add.calls) { if case .openNamespace = $0 { true } else { false } }
    let moved = try index(add.calls) { if case .moveMount = $0 { true } else { false } }
    // open_tree(2) clones only mounts of the caller's mount namespace: the host's /usr is copied before setns.
    #expect(opened < copied && copied < joined && joined < moved)
    #expect(Self.entered(add.calls) == [.newns])
  }

  @Test func aProcIsMadeInsideThePidNamespaceByAForkedJoiner() throws {
    let plan = try target(TargetPlanTests.spec(extra: "[[mounts]]\ntype = \"proc\"\ntarget = \"/proc\"\n"))
    let add = try #require(plan.applySteps.first { $0.kind == .mount })
    #expect(Self.entered(add.calls) == [.newns, .newpid])
    let joined = try index(add.calls) { if case .setns(_, .newpid) = $0 { true } else { false } }
    #expect(add.calls[joined + 1] == .fork)
    let made = try index(add.calls) { if case .fsopen(fstype: "proc", _) = $0 { true } else { false } }
    #expect(joined < made)
    // Its protection (read-only kernel settings, masked files) comes with it, beneath the new proc.
    #expect(add.calls.contains { if case .readOnlyPath = $0 { true } else { false } })
  }

  @Test func aUserNamespaceIsJoinedFirst() throws {
    let user = TargetPlanTests.spec(user: true)
    let plan = try target(user.replacingOccurrences(of: "livebox", with: "newbox"), applied: user)
    let step = try #require(plan.applySteps.first)
    #expect(Array(step.calls.prefix(4)) == Self.joining([.user, .uts]))
  }

  @Test func limitsAreSetOnInitWithPrlimit() throws {
    let plan = try target(
      TargetPlanTests.spec([
        "args = [\"/bin/sleep\", \"1000\"]": "args = [\"/bin/sleep\", \"1000\"]\nrlimits = { nofile = 512 }"
      ]))
    let entry = try #require(plan.entries.first { $0.step.kind == .rlimits })
    #expect(entry.action == .add)
    let step = try #require(entry.apply.first)
    #expect(step.actor == .parent)
    #expect(step.calls == [.prlimit(target: Self.target, limit: ResourceLimit(.nofile, soft: 512, hard: 512))])
  }

  @Test func aProcessSettingReplacesTheMainCommand() throws {
    let plan = try target(
      TargetPlanTests.spec(["args = [\"/bin/sleep\", \"1000\"]": "args = [\"/bin/sleep\", \"2000\"]"]))
    let entry = try #require(plan.entries.first { $0.step.kind == .exec })
    #expect(entry.action == .replace(Replacement(.process)))
    #expect(Replacement(.process).scope == .mainCommand && plan.sandboxReplacements.isEmpty)
    #expect(plan.summary == "0 to add, 1 to change, 0 to remove")
  }

  @Test func aMountsOptionsAndPropagationAreChangedWithMountSetattr() throws {
    let bind = "[[mounts]]\ntype = \"bind\"\nsource = \"/usr\"\ntarget = \"/usr\"\n"
    let applied = TargetPlanTests.spec(extra: bind + "options = [\"ro\", \"nosuid\"]\n")
    let spec = TargetPlanTests.spec(extra: bind + "options = [\"nosuid\"]\npropagation = \"slave\"\n")
    let plan = try target(spec, applied: applied)
    #expect(plan.entries.first { PlanDiff.key(of: $0.step) == "mount /usr" }?.action == .inPlace)
    let step = try #require(plan.applySteps.first)
    let setattr = try #require(
      step.calls.first { if case .setattrAt = $0 { true } else { false } })
    guard case .setattrAt(1, "/usr", _, let set, let clear) = setattr else {
      Issue.record("\(setattr)")
      return
    }
    #expect(clear.contains(.rdonly) && !set.contains(.rdonly) && set.contains(.nosuid))
    #expect(step.calls.contains { if case .setPropagation(1, "/usr", _, _) = $0 { true } else { false } })
    // The standing mount is changed: nothing is mounted or taken off.
    #expect(!step.calls.contains { if case .moveMount = $0 { true } else { false } })
  }

  @Test func aTmpfsModeIsChangedOnItsRoot() throws {
    let plan = try target(TargetPlanTests.spec(["size = \"16M\"": "size = \"16M\"\nmode = \"700\""]))
    let step = try #require(plan.applySteps.first)
    #expect(step.calls.last == .changeMode(slot: 1, path: "/tmp", mode: 0o700))
    let owned = try target(TargetPlanTests.spec(["size = \"16M\"": "size = \"16M\"\nuid = 1000"]))
    #expect(owned.applySteps.first?.calls.last == .changeOwner(slot: 1, path: "/tmp", uid: 1000, gid: nil))
  }

  @Test func aChangedFileIsWrittenAnewAndRenamedOverTheOldOne() throws {
    let file = "[[files]]\ntype = \"file\"\npath = \"/tmp/motd\"\ncontent = \"%@\"\n"
    let applied = TargetPlanTests.spec(extra: file.replacingOccurrences(of: "%@", with: "old"))
    let plan = try target(
      TargetPlanTests.spec(extra: file.replacingOccurrences(of: "%@", with: "new")), applied: applied)
    let step = try #require(plan.applySteps.first)
    #expect(plan.entries.first { $0.step.kind == .file }?.action == .inPlace)
    // `run` wrote it beneath the /tmp tmpfs's root (its fd slot): the joiner looks /tmp up again in the sandbox
    // (through no symlink: one the sandbox put there is refused) and writes beneath that, as `run` did.
    let replace = try #require(
      step.calls.first { if case .replaceFile = $0 { true } else { false } })
    guard case .replaceFile(let root, "/motd", "new", 0o644, _) = replace else {
      Issue.record("\(replace)")
      return
    }
    #expect(step.calls.contains(.resolve(root: root + 1, path: "/tmp", create: nil, slot: root, lookup: .noSymlinks)))
    #expect(!step.calls.contains { if case .createFile = $0 { true } else { false } })
  }

  @Test func theRunnerChecksTheInitBeforeAPrlimit() throws {
    let kernel = RecordingKernel()
    let stat = "\(Self.target.pid) (init) S 1 " + Array(repeating: "0", count: 17).joined(separator: " ")
    kernel.files["/proc/\(Self.target.pid)/stat"] = Array((stat + " \(Self.target.startTime) 0").utf8)
    let runner = StepRunner(kernel: kernel, sandboxPID: 0)
    let limit = ResourceLimit(.nofile, soft: 512, hard: 512)
    let step = Step(
      kind: .rlimits, actor: .parent, subject: .processAttribute(attribute: .resourceLimits),
      calls: [.prlimit(target: Self.target, limit: limit)], change: .create)
    try runner.run(step)
    #expect(kernel.log == ["prlimit(4242, 7)"])
    // Another process now has the pid: it is left alone.
    kernel.log = []
    kernel.files["/proc/\(Self.target.pid)/stat"] = Array((stat + " 1 0").utf8)
    let failure = try #require(throws: StepFailure.self) { try runner.run(step) }
    #expect(failure.error.errno == ErrnoNames.ESRCH && kernel.log.isEmpty)
  }
}
