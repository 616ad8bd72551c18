import SpecParser
import Testing

@testable import Builder

/// Whether the sandbox's root may make entries in a host folder, as path_resolution(7) and capabilities(7) decide,
/// for a root caller whose map leaves it out (0 -> 100000): the planner's side of the prediction, with the folder's
/// owner and mode given (the end-to-end test reads real ones).
@Suite struct WriteAccessWarningTests {
  static let spec = """
    version = 1
    [namespaces]
    unshare = ["user", "mount", "pid"]
    [user]
    uid_map = [{ inside = 0, outside = 100000, count = 65536 }]
    gid_map = [{ inside = 0, outside = 100000, count = 65536 }]
    [root]
    path = "/r"
    [[mounts]]
    type = "tmpfs"
    target = "/mnt"
    """

  func warnings(_ owner: FileOwnership, groups: [UInt32] = []) throws -> [String] {
    let check = SpecDecoder.decode(source: Array(Self.spec.utf8), file: "w.toml", directory: "/work")
    let spec = try #require(check.spec, "\(check.diagnostics.map(\.message))")
    var state = PlannerTests.root
    state.host.supplementaryGroups = groups
    state.makingFolders["/mnt"] = MakingFolder(folder: "/r", name: "/r/mnt", ownership: owner)
    return try Planner(spec: spec, state: state).plan(command: ["true"]).warnings.map(\.message).filter {
      $0.contains("may not write")
    }
  }

  @Test func anUnmappedOwnerWithoutWritePermissionIsForeseen() throws {
    #expect(
      try warnings(FileOwnership(uid: 0, gid: 0, mode: 0o755)) == [
        "/r is 0:0, mode 755, which the sandbox's root (100000:100000 on the host, as the map says) may not write: run would fail making /r/mnt there (EACCES); chown 100000:100000 /r, or map its owner in"
      ])
    // Owner and group both mapped: the namespace's root overrides even 0555; with the group unmapped, the owner
    // bits decide, and 0555 forbids it.
    #expect(try warnings(FileOwnership(uid: 100000, gid: 100000, mode: 0o555)).count == 0)
    #expect(try warnings(FileOwnership(uid: 100000, gid: 0, mode: 0o555)).count == 1)
  }

  /// The namespace's root overrides permissions (CAP_DAC_OVERRIDE) on a folder whose owner and group are both
  /// mapped; otherwise the owner, group (its own, or a supplementary group it keeps) or other bits decide.
  @Test func mappedOwnersAndPermissionBitsAllowIt() throws {
    #expect(try warnings(FileOwnership(uid: 100005, gid: 100007, mode: 0o700)).isEmpty)
    #expect(try warnings(FileOwnership(uid: 0, gid: 100000, mode: 0o775)).isEmpty)
    #expect(try warnings(FileOwnership(uid: 0, gid: 5000, mode: 0o775), groups: [5000]).isEmpty)
    #expect(try warnings(FileOwnership(uid: 0, gid: 5000, mode: 0o775)).count == 1)
    #expect(try warnings(FileOwnership(uid: 0, gid: 0, mode: 0o1777)).isEmpty)
  }
}
