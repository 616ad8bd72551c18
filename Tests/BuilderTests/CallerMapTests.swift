import Testing

@testable import Builder
@testable import SpecParser

/// `inside = "caller"`: the caller's own ID inside, written in when the plan is made, and checked then with it.
@Suite struct CallerMapTests {
  static let user = ObservedState(uid: 1000, gid: 1001, euid: 1000, hostname: "host", domainname: "(none)")

  static func spec(_ uidMap: String, gidMap: String = "[{ inside = \"caller\", outside = \"caller\", count = 1 }]")
    throws -> Spec
  {
    try decodeSpec(
      """
      version = 1
      [namespaces]
      unshare = ["user"]
      [user]
      uid_map = \(uidMap)
      gid_map = \(gidMap)
      [process]
      args = ["id"]
      uid = 1000
      gid = 1001
      """)
  }

  @Test func decodesCallerOnEitherSide() throws {
    let spec = try Self.spec("[{ inside = \"caller\", outside = \"caller\", count = 1 }]")
    #expect(spec.user.uidMap == [IDMapping(inside: .caller, outside: .caller, count: 1)])
  }

  @Test func theMapWrittenHoldsTheCallersOwnIDs() throws {
    let plan = try Planner(
      spec: try Self.spec("[{ inside = \"caller\", outside = \"caller\", count = 1 }]"), state: Self.user
    )
    .plan()
    let writes = plan.steps.filter { [.uidMap, .gidMap].contains($0.kind) }.flatMap(\.calls).map(\.description)
    #expect(writes.contains { $0.contains("uid_map") && $0.contains("1000 1000 1") })
    #expect(writes.contains { $0.contains("gid_map") && $0.contains("1001 1001 1") })
  }

  @Test func anOverlapOnceResolvedIsAnErrorAtItsLine() throws {
    let spec = try Self.spec(
      "[{ inside = 0, outside = 100000, count = 2000 }, { inside = \"caller\", outside = \"caller\", count = 1 }]")
    let result = Result { () throws(PlanError) -> Plan in try Planner(spec: spec, state: Self.user).plan() }
    guard case .failure(.callerMaps(let problems)) = result else {
      Issue.record("planned an overlapping map: \(result)")
      return
    }
    #expect(
      problems.map(\.message) == [
        "uid_map entry 2 overlaps entry 1 (line 5, column 12) inside the namespace once \"caller\" is 1000"
      ])
    #expect(problems.first?.range.start.line == 5)
    #expect(problems.first?.range.start.column == 60)
  }

  @Test func anUnmappedProcessIDOnceResolvedIsAnError() throws {
    // uid 1000 is mapped only when the caller is 1000; a root caller maps 0 instead.
    let spec = try Self.spec("[{ inside = \"caller\", outside = \"caller\", count = 1 }]")
    let root = ObservedState(uid: 0, gid: 0, euid: 0, hostname: "host", domainname: "(none)")
    #expect(throws: PlanError.self) { try Planner(spec: spec, state: root).plan() }
    let problems = CallerMapRules.check(spec, uid: 0, gid: 0, file: "s.toml")
    #expect(problems.map(\.code) == ["unmapped-id", "unmapped-id"])
    #expect(problems.first?.range.start.line == 9)
  }

  @Test func checkLeavesCallerLinesToThePlan() throws {
    // Nothing is known of the caller when the spec is read: no overlap and no unmapped-ID error yet.
    let check = SpecDecoder.decode(
      source: Array(
        """
        version = 1
        [namespaces]
        unshare = ["user"]
        [user]
        uid_map = [{ inside = 0, outside = 100000, count = 2000 }, { inside = "caller", outside = 5, count = 1 }]
        [process]
        uid = 1500
        """.utf8), file: "s.toml", directory: "/")
    #expect(check.diagnostics.filter { $0.severity == .error }.isEmpty)
  }

  @Test func insideMustBeAnIDOrCaller() {
    let check = SpecDecoder.decode(
      source: Array(
        "version = 1\n[namespaces]\nunshare = [\"user\"]\n[user]\nuid_map = [{ inside = \"me\", outside = 0, count = 1 }]\n"
          .utf8), file: "s.toml", directory: "/")
    let error = check.diagnostics.first { $0.severity == .error }
    #expect(error?.message == "`inside` must be an ID or \"caller\"")
    #expect((error?.range.start.line, error?.range.start.column) == (5, 23))
  }
}
