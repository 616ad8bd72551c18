import SpecParser
import Testing

@testable import Builder

/// What a `[[files]]` entry does to what already stands at its path on the host's tree: every kind of entry against
/// every kind of host entry.
@Suite struct FileChangeTests {
  static let entries = [
    FileEntry(kind: .dir, path: "/e"), FileEntry(kind: .file, path: "/e", content: "hi"),
    FileEntry(kind: .symlink, path: "/e", link: "/t"),
  ]

  func change(_ file: FileEntry, _ existing: HostEntry?) -> Change {
    FileChange.of(file, existing: existing)
  }

  @Test func nothingThereIsMade() {
    for file in Self.entries { #expect(change(file, nil) == .create) }
  }

  @Test func theSameEntryIsLeft() {
    #expect(change(Self.entries[0], .directory) == .unchanged(value: "a directory"))
    #expect(change(Self.entries[1], .file(contents: Array("hi".utf8))) == .unchanged(value: "these contents"))
    #expect(change(Self.entries[2], .symlink(to: "/t")) == .unchanged(value: "a link to /t"))
  }

  /// A link where a folder should be is a change; anything else in the way is a conflict, named as it stands.
  @Test func anythingElseIsInTheWay() {
    #expect(change(Self.entries[0], .symlink(to: "/t")) == .modify(before: "something else is there", after: "dir"))
    let others: [(FileEntry, HostEntry, String)] = [
      (Self.entries[0], .file(contents: nil), "a file with other contents"),
      (Self.entries[0], .other, "something else"),
      (Self.entries[1], .file(contents: Array("ho".utf8)), "a file with other contents"),
      (Self.entries[1], .file(contents: nil), "a file with other contents"),
      (Self.entries[1], .directory, "a folder"), (Self.entries[1], .symlink(to: "/t"), "a link to /t"),
      (Self.entries[1], .other, "something else"), (Self.entries[2], .symlink(to: "/u"), "a link to /u"),
      (Self.entries[2], .directory, "a folder"), (Self.entries[2], .file(contents: nil), "a file with other contents"),
      (Self.entries[2], .other, "something else"),
    ]
    for (file, existing, before) in others {
      #expect(change(file, existing) == .conflict(before: before, after: file.kind.rawValue), "\(file) \(existing)")
    }
  }
}
