import SpecParser
import Testing

@testable import Builder

/// The observer reads through ``SystemReader`` alone, and the planner plans from what it read: a host that offers
/// no changing call at all (``FakeHost``) is enough for `plan`.
@Suite struct ObserverTests {
  static let spec = """
    version = 1
    [namespaces]
    unshare = ["user", "uts", "time"]
    [user]
    uid_map = [{ inside = 0, outside = "caller", count = 1 }, { inside = 1, outside = 100000, count = 65536 }]
    gid_map = [{ inside = 0, outside = "caller", count = 1 }]
    [uts]
    hostname = "inside"
    [time]
    monotonic = -400
    """

  func host() -> FakeHost {
    let host = FakeHost()
    host.files = [
      "/proc/sys/user/max_user_namespaces": "0\n", "/proc/self/ns/time": "", "/etc/subuid": "me:100000:65536\n",
    ]
    host.executables = ["/bin/newuidmap", "/usr/bin/newgidmap"]
    host.namespaces = [.uts: "uts:[4026531838]", .user: "user:[4026531837]"]
    return host
  }

  @Test func readsTheCallerTheClocksAndTheNamespaces() throws {
    let state = Observer(reader: host()).observe(try decodeSpec(Self.spec))
    #expect((state.uid, state.gid, state.euid) == (1000, 1000, 1000))
    #expect((state.hostname, state.domainname) == ("fakehost", "(none)"))
    #expect((state.monotonicSeconds, state.boottimeSeconds) == (500, 600))
    #expect(state.namespaceIDs == [.uts: "uts:[4026531838]", .user: "user:[4026531837]"])
    // The first of each helper's places that this process may execute.
    #expect(state.newuidmap == "/bin/newuidmap")
    #expect(state.newgidmap == "/usr/bin/newgidmap")
    #expect(state.host.maxUserNamespaces == 0)
    #expect(state.host.hasSubordinateIDs)
    #expect(state.host.hasTimeNamespaces)
  }

  /// Root needs no helper: the observer does not look for one.
  @Test func rootIsNotLookedForHelpers() throws {
    let host = host()
    (host.uid, host.euid) = (0, 0)
    let state = Observer(reader: host).observe(try decodeSpec(Self.spec))
    #expect(state.newuidmap == nil && state.newgidmap == nil)
    #expect(!host.log.contains("read /etc/subuid"))
  }

  /// Only what the spec can need is read: no user namespace, no user-namespace sysctl and no /etc/subuid.
  @Test func readsOnlyWhatTheSpecNeeds() throws {
    let host = host()
    _ = Observer(reader: host).observe(try decodeSpec("version = 1\n[namespaces]\nunshare = [\"uts\"]\n"))
    #expect(!host.log.contains("read /proc/sys/user/max_user_namespaces"))
    #expect(!host.log.contains("read /etc/subuid"))
  }

  /// The plan follows from what was observed: the map goes through the helper found, the offset is checked against
  /// the clock read, and the disabled user namespaces become a warning.
  @Test func plansFromWhatWasObserved() throws {
    let spec = try decodeSpec(Self.spec)
    let plan = try Planner(spec: spec, state: Observer(reader: host()).observe(spec)).plan(command: ["true"])
    let calls = plan.steps.flatMap(\.calls).map(\.description).joined(separator: "\n")
    #expect(calls.contains("/bin/newuidmap"))
    #expect(
      plan.warnings.map(\.message).contains("user namespaces are disabled here (sysctl user.max_user_namespaces = 0)"))
  }
}
