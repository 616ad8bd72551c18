import Testing

@testable import SpecParser

/// Lexical path resolution: already-normal paths come back as they are, the rest are normalised the same way.
@Suite struct PathsTests {
  @Test(arguments: [
    ("/", "/"), ("/a", "/a"), ("/a/b/c", "/a/b/c"), ("/a//b", "/a/b"), ("/a/./b", "/a/b"), ("/a/", "/a"),
    ("//", "/"), ("/.", "/"), ("/a/.b", "/a/.b"), ("/a/...", "/a/..."), ("/..a/b..", "/..a/b.."), ("x", "/d/x"),
    ("./x/", "/d/x"), ("/é/ü", "/é/ü"), ("/a/\u{301}b", "/a/\u{301}b"),
  ])
  func resolvesLexically(path: String, expected: String) {
    #expect(Paths.resolve(path, against: "/d") == .success(expected))
  }

  @Test(arguments: ["/..", "/a/../b", "..", "/a/..", "a/.."])
  func parentComponentsAreRefused(path: String) {
    #expect(Paths.resolve(path, against: "/d") == .failure(.parentComponent))
  }

  @Test(arguments: [
    ("/..", "/"), ("/a/../b", "/b"), ("..", "/"), ("../x", "/x"), ("a/..", "/d"), ("/a/b/../../..", "/"),
  ])
  func hostPathsClimbLexically(path: String, expected: String) {
    #expect(Paths.resolve(path, against: "/d", climbing: true) == .success(expected))
  }

  @Test func emptyAndNulAreRefused() {
    #expect(Paths.resolve("", against: "/d") == .failure(.empty))
    #expect(Paths.resolve("/a\u{0}b", against: "/d") == .failure(.nulByte))
  }
}
