import SpecParser
import Testing

@testable import Builder

/// A `[process]` change in a live sandbox without a main command: its plan has no command steps, so the steps the
/// next `exec` takes (``NextExecSteps``) are compared, as the spec was last applied and as it is now. Each that
/// differs is `~` for the next `exec` only: counted as a change, no step taken (`apply` only records the spec).
@Suite struct NextExecPlanTests {
  typealias T = TargetPlanTests

  /// ``TargetPlanTests/spec(_:extra:user:)`` without a main command, with `process` as its `[process]` table.
  static func spec(_ process: String = "") -> String {
    T.spec(["[process]": "", "args = [\"/bin/sleep\", \"1000\"]": ""], extra: "[process]\n" + process)
  }

  static func decode(_ text: String) throws -> Spec {
    let check = SpecDecoder.decode(source: Array(text.utf8), file: "live.toml", directory: "/specs")
    return try #require(check.spec, "\(check.diagnostics.map(\.message))")
  }

  /// `up`'s plan of `text`: with no command, init holds the namespaces.
  static func upPlan(_ text: String) throws -> Plan {
    try Planner(spec: try decode(text), state: GoldenPlanTests.state).plan(
      live: LiveLaunch(output: "/state/live/output.log"))
  }

  static func target(applied: String, spec: String) throws -> TargetPlan {
    let record = try T.record(try upPlan(applied))
    let live = LiveObserver(reader: T.host()).observe(record)
    let state = GoldenPlanTests.state
    let nextExec = NextExecSteps(
      old: NextExecSteps.steps(of: try decode(applied), state: state),
      new: NextExecSteps.steps(of: try decode(spec), state: state))
    return try TargetPlanner(record: record, live: live, nextExec: nextExec).plan(try upPlan(spec))
  }

  @Test func capabilitiesAddedAreAChangeForTheNextExecOnly() throws {
    let target = try Self.target(applied: Self.spec(), spec: Self.spec("capabilities = [\"CAP_SYS_ADMIN\"]\n"))
    let changed = target.entries.filter { $0.action != .unchanged && !$0.isSetup }
    #expect(!changed.isEmpty)
    #expect(changed.allSatisfy { $0.forNextExec && $0.action == .inPlace && $0.apply.isEmpty })
    #expect(changed.allSatisfy { $0.note == TargetPlanner.nextExecNote })
    #expect(changed.contains { $0.step.kind == .capabilities })
    #expect(target.toChange == changed.count && target.nextExecChanges == changed.count)
    #expect(target.hasChanges && target.changesOnlyNextExec && target.applySteps.isEmpty)
    #expect(target.summary.contains("\(changed.count) of the changes for the next `exec` only"), "\(target.summary)")
    // Ids name one step each, in the JSON too.
    let ids = target.entries.map(\.step.id)
    #expect(Set(ids).count == ids.count)
  }

  @Test func aSettingDroppedOrAddedIsMarkedWithWhatItWas() throws {
    // no_new_privs is on unless the spec turns it off.
    let target = try Self.target(
      applied: Self.spec("umask = \"0077\"\nno_new_privs = false\n"), spec: Self.spec())
    let changed = target.entries.filter(\.forNextExec)
    let umask = try #require(changed.first { $0.step.kind == .umask })
    #expect(umask.step.change == .modify(before: umask.step.title, after: "absent") && umask.step.origin == nil)
    let privileges = try #require(changed.first { $0.step.kind == .noNewPrivs })
    #expect(privileges.step.change == .modify(before: "absent", after: privileges.step.title))
  }

  @Test func theSameSettingsAreNoChange() throws {
    let spec = Self.spec("capabilities = [\"CAP_SYS_ADMIN\"]\n")
    let target = try Self.target(applied: spec, spec: spec)
    #expect(!target.entries.contains { $0.forNextExec })
    #expect(!target.hasChanges && target.summary == "0 to add, 0 to change, 0 to remove")
  }

  @Test func anInPlaceChangeBesideThemIsNotOnlyTheNextExecs() throws {
    let target = try Self.target(
      applied: Self.spec(), spec: Self.spec("umask = \"0077\"\n").replacingOccurrences("livebox", "newbox"))
    #expect(target.nextExecChanges == 1 && target.toChange == 2 && !target.changesOnlyNextExec)
  }

  /// Read for the CLI: the record's spec text against the spec now, only when neither has a main command.
  @Test func readFromTheRecordedSpecText() throws {
    let applied = Self.spec()
    var record = try T.record(try Self.upPlan(applied))
    record.specSource = applied
    let new = Self.spec("capabilities = [\"CAP_SYS_ADMIN\"]\n")
    let read = try #require(
      NextExecSteps.read(record, plan: try Self.upPlan(new), spec: try Self.decode(new), reader: T.host()))
    #expect(read.old.map(\.kind) != read.new.map(\.kind) || read.old != read.new)
    #expect(read.new.contains { $0.kind == .capabilities })
    // A record without the text: nothing to compare with.
    record.specSource = nil
    let (newPlan, newSpec) = (try Self.upPlan(new), try Self.decode(new))
    #expect(NextExecSteps.read(record, plan: newPlan, spec: newSpec, reader: T.host()) == nil)
    // A main command: its own steps are in the plan, marked as they are.
    var running = try T.record(try T.plan(T.spec()))
    running.specSource = T.spec()
    let (runningPlan, runningSpec) = (try T.plan(T.spec()), try Self.decode(T.spec()))
    #expect(NextExecSteps.read(running, plan: runningPlan, spec: runningSpec, reader: T.host()) == nil)
  }
}

extension String {
  fileprivate func replacingOccurrences(_ old: String, _ new: String) -> String {
    split(separator: old, omittingEmptySubsequences: false).joined(separator: new)
  }
}
