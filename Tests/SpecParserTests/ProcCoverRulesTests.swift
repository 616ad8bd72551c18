import Testing

@testable import SpecParser

/// A mount that covers /proc/self/fd, through which run's later steps reach their fds, is refused by check.
@Suite struct ProcCoverRulesTests {
  func codes(_ mounts: String, files: Bool = false) -> [String] {
    let text =
      "version = 1\n[namespaces]\nunshare = [\"mount\", \"pid\"]\n[root]\ntype = \"tmpfs\"\n" + mounts
      + (files ? "[[files]]\ntype = \"dir\"\npath = \"/d\"\n" : "")
    return decode(text).diagnostics.filter { $0.severity == .error }.map(\.code)
  }

  func mount(_ type: String, _ target: String) -> String {
    let source = type == "bind" ? "source = \"/tmp/fake\"\n" : ""
    return "[[mounts]]\ntype = \"\(type)\"\n\(source)target = \"\(target)\"\n"
  }

  @Test func aMountOnProcOrItsProcessFoldersIsRefusedWhenStepsFollow() {
    let later = mount("tmpfs", "/tmp")
    for target in ["/proc", "/proc/self", "/proc/self/fd", "/proc/thread-self", "/proc/1", "/proc/42/fd"] {
      #expect(codes(mount("bind", target) + later) == ["covers-proc-self"], "\(target)")
      #expect(codes(mount("tmpfs", target) + later) == ["covers-proc-self"], "\(target)")
    }
    #expect(codes(mount("bind", "/proc"), files: true) == ["covers-proc-self"])
  }

  @Test func procItselfDeeperFoldersAndALastMountAreFine() {
    let later = mount("tmpfs", "/tmp")
    #expect(codes(mount("proc", "/proc") + later).isEmpty)
    #expect(codes(mount("proc", "/proc") + mount("tmpfs", "/proc/sys") + later).isEmpty)
    #expect(codes(mount("proc", "/proc") + mount("bind", "/proc/driver") + later).isEmpty)
    #expect(codes(mount("tmpfs", "/processes") + later).isEmpty)
    #expect(codes(mount("tmpfs", "/proc")).isEmpty)
  }
}
