import SpecParser
import Testing

@testable import Builder

/// The spec file's owner and mode are those of the fd it is read through, so a swap after the check cannot win.
@Suite struct SpecFileReaderTests {
  @Test func theOwnerCheckedIsTheOwnerOfTheFileRead() throws {
    let kernel = RecordingKernel()
    kernel.files["s.toml"] = Array("version = 1\n".utf8)
    // Looked up by name, the entry is root's; the file then opened and read is another user's (swapped in between).
    kernel.statuses["s.toml"] = FileStatus(kind: .regular, owner: 0, group: 0, mode: 0o644)
    kernel.statuses["read:s.toml"] = FileStatus(kind: .regular, owner: 65534, group: 65534, mode: 0o644)
    let result = try SpecFileReader(reader: kernel).read("/srv/s.toml")
    #expect(result.source == Array("version = 1\n".utf8))
    #expect(result.folder == "/srv")
    let unsafe = try #require(result.unsafe)
    #expect(unsafe.path == "/srv/s.toml")
    #expect(unsafe.status.owner == 65534)
    #expect(unsafe.reason == .owner)
    // Walked from / one name at a time, each beneath the fd of the folder before it.
    #expect(
      kernel.log == [
        "open(/)", "openat(21, srv, O_PATH|O_NOFOLLOW)", "openat(22, s.toml, O_PATH|O_NOFOLLOW)",
        "openat(22, s.toml, O_RDONLY)",
      ])
  }

  @Test func aFolderOthersMayWriteIsNamedWithItsOwnerAndMode() throws {
    let kernel = RecordingKernel()
    kernel.statuses["proj"] = FileStatus(kind: .directory, owner: 1000, group: 1000, mode: 0o775)
    kernel.state.euid = 1000
    let result = try SpecFileReader(reader: kernel).read("proj/s.toml")
    #expect(result.folder == "/work/proj")
    #expect(
      result.unsafe?.description
        == "folder /work/proj (owner uid 1000 (me), mode 0775) is writable by its group (gid 1000)")
    // Sticky, as /tmp: accepted, since only each entry's owner may rename it (and the entry is checked).
    kernel.statuses["proj"]?.mode = 0o1777
    #expect(try SpecFileReader(reader: kernel).read("proj/s.toml").unsafe == nil)
  }
}
