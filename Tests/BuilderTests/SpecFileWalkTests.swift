import SpecParser
import Testing

@testable import Builder

/// Which folders count against StrictModes: those the walk goes down from (not those it only leaves by `..`), and
/// for a spec given as a pipe, the pipe itself and the current directory its relative paths resolve in.
@Suite struct SpecFileWalkTests {
  static let groupWritable = FileStatus(kind: .directory, owner: 0, group: 100, mode: 0o775)

  @Test func aFolderLeftByDotDotDoesNotCount() throws {
    let kernel = RecordingKernel()
    kernel.statuses["gw"] = Self.groupWritable
    let result = try SpecFileReader(reader: kernel).read("/srv/gw/../proj/s.toml")
    #expect(result.folder == "/srv/proj")
    #expect(result.unsafe == nil)
    // Going down from it (to the spec, or to a folder on the way) still counts, with the group named.
    let inside = try #require(try SpecFileReader(reader: kernel).read("/srv/gw/s.toml").unsafe)
    #expect(inside.description == "folder /srv/gw (owner uid 0, mode 0775) is writable by its group (gid 100 users)")
    #expect(try SpecFileReader(reader: kernel).read("/srv/gw/sub/../s.toml").unsafe?.path == "/srv/gw")
  }

  @Test func dotDotAfterASymlinkLeavesThePhysicalFolder() throws {
    let kernel = RecordingKernel()
    kernel.statuses["via"] = FileStatus(kind: .symlink, owner: 0, group: 0, mode: 0o777)
    kernel.links["via"] = "real/sub"
    kernel.statuses["sub"] = Self.groupWritable
    // /srv/via/.. is /srv/real (where the link led), not /srv: sub is only left, so it does not count.
    let result = try SpecFileReader(reader: kernel).read("/srv/via/../s.toml")
    #expect(result.folder == "/srv/real")
    #expect(result.unsafe == nil)
    kernel.statuses["real"] = Self.groupWritable
    #expect(try SpecFileReader(reader: kernel).read("/srv/via/../s.toml").unsafe?.path == "/srv/real")
  }

  /// /proc/self -> 4242, and fd 0 a magic link to a pipe.
  func pipeKernel() -> RecordingKernel {
    let kernel = RecordingKernel()
    kernel.statuses["self"] = FileStatus(kind: .symlink, owner: 0, group: 0, mode: 0o777)
    kernel.links["self"] = "4242"
    kernel.statuses["0"] = FileStatus(kind: .symlink, owner: 0, group: 0, mode: 0o500)
    kernel.links["0"] = "pipe:[997237]"
    kernel.files["0"] = Array("version = 1\n".utf8)
    return kernel
  }

  @Test func aPipeIsReadThroughItsLinkAndResolvesInTheCurrentDirectory() throws {
    let kernel = pipeKernel()
    let result = try SpecFileReader(reader: kernel).read("/proc/self/fd/0")
    #expect(result.source == Array("version = 1\n".utf8))
    #expect(result.throughPipe)
    #expect(result.folder == "/work")
    #expect(result.unsafe == nil)
    #expect(kernel.log.contains("openat(25, 0, O_RDONLY)"))
  }

  @Test func aPipeMadeByAnotherUserOrAGroupWritableCurrentDirectoryCounts() throws {
    let kernel = pipeKernel()
    kernel.statuses["read:0"] = FileStatus(kind: .other, owner: 65534, group: 65534, mode: 0o600)
    let pipe = try #require(try SpecFileReader(reader: kernel).read("/proc/self/fd/0").unsafe)
    #expect(pipe.description == "pipe /proc/4242/fd/0 (owner uid 65534, mode 0600) belongs to another user")
    kernel.statuses["read:0"] = nil
    kernel.statuses["work"] = Self.groupWritable
    let folder = try #require(try SpecFileReader(reader: kernel).read("/proc/self/fd/0").unsafe)
    #expect(folder.path == "/work")
    #expect(folder.reason == .groupWritable)
  }

  @Test func nsbuildsOwnDescriptorIsReadAsItIs() throws {
    let kernel = pipeKernel()
    kernel.links["self"] = "\(kernel.processID())"
    let result = try SpecFileReader(reader: kernel).read("/proc/self/fd/0")
    #expect(result.throughPipe)
    #expect(result.folder == "/work")
    // No open through the link (a socket would fail it with ENXIO): read(2) of fd 0 itself.
    #expect(!kernel.log.contains { $0.hasSuffix("O_RDONLY)") })
  }

  @Test func onlyProcDescriptorFoldersHoldMagicLinks() {
    #expect(SpecFileReader<RecordingKernel>.isDescriptorFolder("/proc/4242/fd"))
    #expect(SpecFileReader<RecordingKernel>.isDescriptorFolder("/proc/4242/task/4243/fd"))
    #expect(!SpecFileReader<RecordingKernel>.isDescriptorFolder("/proc/self/fd"))
    #expect(!SpecFileReader<RecordingKernel>.isDescriptorFolder("/srv/4242/fd"))
    #expect(!SpecFileReader<RecordingKernel>.isDescriptorFolder("/proc/4242/fdinfo"))
  }
}
