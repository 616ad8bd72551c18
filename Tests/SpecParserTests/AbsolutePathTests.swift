import Testing

@testable import SpecParser

/// "Is this path beneath that mount", in one place (``AbsolutePath``, ``MountsByTarget``): a name that merely
/// starts like a folder's is not inside it, and `/` holds everything.
@Suite struct AbsolutePathTests {
  @Test func withinAndBeneath() {
    #expect(AbsolutePath.isWithin("/proc/sys", "/proc"))
    #expect(AbsolutePath.isWithin("/proc", "/proc"))
    #expect(!AbsolutePath.isWithin("/process", "/proc"))
    #expect(!AbsolutePath.isWithin("/pro", "/proc"))
    #expect(AbsolutePath.isWithin("/a", "/"))
    #expect(AbsolutePath.isWithin("/", "/"))
    #expect(AbsolutePath.isBeneath("/proc/sys", "/proc"))
    #expect(!AbsolutePath.isBeneath("/proc", "/proc"))
    #expect(!AbsolutePath.isBeneath("/", "/"))
    #expect(AbsolutePath.isBeneath("/a", "/"))
  }

  /// A path on one of several mounts: beneath a target, or with `orAt` on it.
  @Test func beneathAnyOf() {
    let targets: Set<String> = ["/proc", "/a/b"]
    #expect(AbsolutePath.isBeneath(anyOf: targets, "/proc/sys", orAt: false))
    #expect(AbsolutePath.isBeneath(anyOf: targets, "/a/b/c/d", orAt: false))
    #expect(!AbsolutePath.isBeneath(anyOf: targets, "/proc", orAt: false))
    #expect(AbsolutePath.isBeneath(anyOf: targets, "/proc", orAt: true))
    #expect(!AbsolutePath.isBeneath(anyOf: targets, "/process", orAt: true))
    #expect(!AbsolutePath.isBeneath(anyOf: targets, "/a", orAt: true))
  }

  @Test func whatLiesBelow() {
    #expect(AbsolutePath.rest(of: "/a/b/c", in: "/a") == "/b/c")
    #expect(AbsolutePath.rest(of: "/b/c", in: "/") == "/b/c")
    #expect(AbsolutePath.rest(of: "/a", in: "/a") == "")
  }

  @Test func foldersAbove() {
    #expect(AbsolutePath.ancestors(of: "/a/b/c") == ["/", "/a", "/a/b"])
    #expect(AbsolutePath.ancestors(of: "/a") == ["/"])
    #expect(AbsolutePath.ancestors(of: "/").isEmpty)
    #expect(AbsolutePath.parent(of: "/a/b") == "/a")
    #expect(AbsolutePath.parent(of: "/a") == "/")
    #expect(AbsolutePath.parent(of: "/") == nil)
  }

  /// The deepest mount strictly above a path; of two on one target, the later (the one on top).
  @Test func theMountAPathIsMadeOn() {
    let mounts = MountsByTarget([
      Mount(kind: .tmpfs, target: "/a"), Mount(kind: .bind, source: "/srv", target: "/a/b"),
      Mount(kind: .proc, target: "/a/b"),
    ])
    #expect(mounts.deepest(above: "/a/b/c")?.target == "/a/b")
    #expect(mounts.deepest(above: "/a/b/c")?.mount.kind == .proc)
    #expect(mounts.deepest(above: "/a/b")?.target == "/a")
    #expect(mounts.deepest(above: "/a") == nil)
    #expect(mounts.deepest(above: "/ab/c") == nil)
  }
}
