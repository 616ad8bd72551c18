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
}
