import SpecParser
import Testing

@testable import Builder

/// The host paths a spec opens before any mount, listed once (``HostSources``) for the plan's first step and for
/// the observer.
@Suite struct HostSourcesTests {
  static let spec = """
    version = 1
    [namespaces]
    unshare = ["mount"]
    [root]
    path = "/srv/root"
    [[mounts]]
    type = "bind"
    source = "/srv/data"
    target = "/data"
    [[mounts]]
    type = "dev"
    target = "/dev"
    [[mounts]]
    type = "overlay"
    target = "/work"
    lower = ["/srv/l1", "/srv/l2"]
    upper = "/srv/up"
    work = "/srv/wk"
    [[mounts]]
    type = "tmpfs"
    target = "/tmp"
    """

  @Test func aRootFolderThenEachMountsInSpecOrder() throws {
    let spec = try decodeSpec(Self.spec)
    let devices = DevicePlan.nodes.map { "/dev/" + $0 }
    #expect(
      HostSources.paths(of: spec, devices: true)
        == ["/srv/root", "/srv/data"] + devices + ["/srv/l1", "/srv/l2", "/srv/up", "/srv/wk"])
    #expect(
      HostSources.paths(of: spec, devices: false) == [
        "/srv/root", "/srv/data", "/srv/l1", "/srv/l2", "/srv/up", "/srv/wk",
      ])
  }

  /// The plan opens exactly these, in this order (no fresh proc here, so no null device for its masks).
  @Test func thePlansFirstStepOpensThem() throws {
    let spec = try decodeSpec(Self.spec)
    let plan = try Planner(spec: spec, state: PlannerTests.root).plan(command: ["true"])
    let step = try #require(plan.steps.first { $0.kind == .sources })
    let opened = step.calls.compactMap { call -> String? in
      if case .openDirectoryNoSymlinks(let path, _) = call { return path }
      if case .openNoSymlinks(let path, _, _) = call { return path }
      return nil
    }
    #expect(opened == HostSources.paths(of: spec, devices: true))
  }

  /// Each path comes with the entry that names it; a path two entries name is listed for each.
  @Test func eachPathWithTheEntryNamingIt() throws {
    let spec = try decodeSpec(Self.spec + "\n[[mounts]]\ntype = \"bind\"\nsource = \"/srv/l1\"\ntarget = \"/l1\"\n")
    let named = HostSources.sources(of: spec, devices: false).map { "\($0.path) \($0.namedBy)" }
    #expect(
      named == [
        "/srv/root rootPath", "/srv/data mount(index: 0)", "/srv/l1 mount(index: 2)", "/srv/l2 mount(index: 2)",
        "/srv/up mount(index: 2)", "/srv/wk mount(index: 2)", "/srv/l1 mount(index: 4)",
      ])
    #expect(HostSources.nullDevice(of: spec) == nil)
  }

  /// The plan's first step opens each path once, from the first entry naming it; the null device a fresh proc's
  /// masks use comes from that proc.
  @Test func eachOpenPointsAtTheEntryNamingIt() throws {
    let text = """
      version = 1
      [namespaces]
      unshare = ["mount", "pid"]
      [root]
      path = "/srv/root"
      [[mounts]]
      type = "bind"
      source = "/srv/data"
      target = "/data"
      [[mounts]]
      type = "bind"
      source = "/srv/data"
      target = "/again"
      [[mounts]]
      type = "proc"
      target = "/proc"
      """
    let spec = try decodeSpec(text)
    let plan = try Planner(spec: spec, state: PlannerTests.root).plan(command: ["true"])
    let step = try #require(plan.steps.first { $0.kind == .sources })
    // `path` on line 5, the first bind on line 6, the proc on line 14.
    #expect(step.operations.map { $0.origin?.start.line ?? 0 } == [5, 6, 14])
    #expect(step.subject == .hostPaths(paths: ["/srv/root", "/srv/data", "/dev/null"]))
    #expect(HostSources.nullDevice(of: spec) == HostSources.Source(path: "/dev/null", namedBy: .mount(index: 2)))
  }
}
