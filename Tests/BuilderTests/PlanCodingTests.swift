import Foundation
import SpecParser
import Testing

@testable import Builder

/// A plan's `Codable` form is how a live sandbox's applied plan is stored and compared with a new one: decoding what
/// was encoded must give the same plan, every call, subject and spec position included.
@Suite struct PlanCodingTests {
  /// A caller without root (the ID helpers, the parent-side steps) beside the golden root one.
  static let user: ObservedState = {
    var state = ObservedState(uid: 1000, gid: 1001, euid: 1000, hostname: "host", domainname: "(none)")
    state.newuidmap = "/usr/bin/newuidmap"
    state.newgidmap = "/usr/bin/newgidmap"
    return state
  }()

  func roundTrip(_ plan: Plan) throws -> Plan {
    try JSONDecoder().decode(Plan.self, from: try JSONEncoder().encode(plan))
  }

  @Test(arguments: try exampleSpecNames())
  func everySpecsPlanRoundTrips(_ name: String) throws {
    let spec = try exampleSpec(name)
    let command = spec.process.args == nil ? ["true"] : nil
    var planned = 0
    for state in [GoldenPlanTests.state, Self.user] {
      // Some specs cannot be planned for a caller without root (groups with setgroups denied): the root one is.
      guard let plan = try? Planner(spec: spec, state: state).plan(command: command) else { continue }
      planned += 1
      #expect(!plan.steps.isEmpty)
      #expect(try roundTrip(plan) == plan)
    }
    #expect(planned > 0)
  }

  @Test func flagsAndCapabilitiesAreCodedByTheirKernelNames() throws {
    let plan = try Planner(spec: try exampleSpec("dev.toml"), state: GoldenPlanTests.state).plan()
    let text = String(decoding: try JSONEncoder().encode(plan), as: UTF8.self)
    #expect(text.contains(#""CLONE_NEWUSER""#) || text.contains(#""CLONE_NEWNS""#))
    // mount(2) flags and mount_setattr(2)/fsmount(2) attributes alike.
    #expect(text.contains(#""MS_PRIVATE""#))
    #expect(text.contains(#""MOUNT_ATTR_NOSUID""#))
    #expect(!text.contains(#""_0""#), "every associated value has a label")
  }

  @Test(arguments: [
    (#"["CLONE_NEWNOTHING"]"#, CloneFlags.self as any Decodable.Type), (#""CAP_NOTHING""#, Capability.self),
    ("12", MountFlags.self),
  ])
  func anUnknownNameIsADecodingErrorNotACrash(_ json: String, _ type: any Decodable.Type) {
    #expect(throws: DecodingError.self) { try JSONDecoder().decode(type, from: Data(json.utf8)) }
  }
}

/// The planner says what each step acts on and where each call comes from, so nothing matches paths back to the spec.
@Suite struct StepSubjectTests {
  func plan(_ text: String, as state: ObservedState = PlannerTests.root) throws -> (Spec, Plan) {
    let spec = try decodeSpec(text)
    return (spec, try Planner(spec: spec, state: state).plan(command: ["true"]))
  }

  static let twoBinds = """
    version = 1
    [namespaces]
    unshare = ["mount", "pid", "time"]
    [root]
    path = "/srv/root"
    [time]
    monotonic = "1s"
    [[mounts]]
    type = "tmpfs"
    target = "/tmp"
    [[mounts]]
    type = "bind"
    source = "/opt"
    target = "/opt"
    [[mounts]]
    type = "bind"
    source = "/usr"
    target = "/usr"
    [[files]]
    type = "file"
    path = "/etc/motd"
    content = "hi"
    [process.rlimits]
    nofile = 64
    core = 0

    """

  @Test func eachHostPathOpenComesFromTheEntryThatNamesIt() throws {
    let (spec, plan) = try plan(Self.twoBinds)
    let sources = try #require(plan.steps.first { $0.kind == .sources })
    #expect(sources.subject == .hostPaths(paths: ["/srv/root", "/opt", "/usr"]))
    let origins = sources.operations.map(\.origin)
    #expect(
      origins == [
        spec.origins["root.path"], spec.origins[SpecKeyPath("mounts").index(1)],
        spec.origins[SpecKeyPath("mounts").index(2)],
      ])
    #expect(!origins.contains(nil))
    // The step itself comes from no single entry; its calls do.
    #expect(sources.origin == nil)
    #expect(sources.origin(ofCall: 2) == spec.origins[SpecKeyPath("mounts").index(2)])
  }

  @Test func eachLimitComesFromItsOwnLine() throws {
    let (spec, plan) = try plan(Self.twoBinds)
    let limits = try #require(plan.steps.first { $0.kind == .rlimits })
    #expect(limits.subject == .processAttribute(attribute: .resourceLimits))
    let expected = limits.calls.map { call -> SourceRange? in
      guard case .setrlimit(let limit) = call else { return nil }
      return spec.origins[SpecKeyPath("process.rlimits").appending(limit.resource.rawValue)]
    }
    #expect(limits.operations.map(\.origin) == expected)
    #expect(Set(expected.map { $0?.start.line }).count == 2)
  }

  @Test func stepsNameWhatTheyActOn() throws {
    let (_, plan) = try plan(Self.twoBinds)
    let subjects = plan.steps.filter { [.mount, .file, .timeOffsets, .unshare].contains($0.kind) }.map(\.subject)
    #expect(
      subjects == [
        .namespaces(flags: [.newns, .newpid, .newtime]), .clock(name: .monotonic), .mountTarget(path: "/tmp"),
        .mountTarget(path: "/opt"), .mountTarget(path: "/usr"), .file(path: "/etc/motd"),
      ])
  }

  @Test func eachMissingMountPointOnAReadOnlyHostTreeComesFromItsMount() throws {
    let text = """
      version = 1
      [namespaces]
      unshare = ["mount"]
      [root]
      readonly = true
      [[mounts]]
      type = "tmpfs"
      target = "/nsbuild-test-a"
      [[mounts]]
      type = "tmpfs"
      target = "/nsbuild-test-b"

      """
    let (spec, plan) = try plan(text)
    let readOnly = try #require(plan.steps.first { $0.kind == .readonlyRoot })
    #expect(
      readOnly.operations.map(\.origin) == [
        spec.origins[SpecKeyPath("mounts").index(0)], spec.origins[SpecKeyPath("mounts").index(1)],
        spec.origins["root.readonly"],
      ])
    #expect(readOnly.origin == spec.origins["root.readonly"])
  }
}
