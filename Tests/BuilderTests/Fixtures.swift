import Foundation
import SpecParser

/// The package root, from this file's path (Tests/BuilderTests/Fixtures.swift).
let packageRoot: String = {
  var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
  parts.removeLast(3)
  return parts.joined(separator: "/")
}()

let specsDirectory = packageRoot + "/specs"

struct TestFailure: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// Loads and checks `specs/NAME`, failing the test on any error.
func exampleSpec(_ name: String) throws -> Spec {
  let path = specsDirectory + "/" + name
  guard let data = FileManager.default.contents(atPath: path) else { throw TestFailure("cannot read \(path)") }
  let check = SpecDecoder.decode(source: [UInt8](data), file: "specs/" + name, directory: specsDirectory)
  guard let spec = check.spec else { throw TestFailure("\(name): \(check.diagnostics.map(\.message))") }
  return spec
}

func exampleSpecNames() throws -> [String] {
  try FileManager.default.contentsOfDirectory(atPath: specsDirectory).filter { $0.hasSuffix(".toml") }.sorted()
}

func decodeSpec(_ text: String) throws -> Spec {
  let check = SpecDecoder.decode(source: Array(text.utf8), file: "test.toml", directory: "/work")
  guard let spec = check.spec else { throw TestFailure("\(check.diagnostics.map(\.message))") }
  return spec
}

/// A user, mount and pid namespace whose root is 100000 on the host, 65536 IDs wide: the caller (root) left out of
/// its own map, as a runtime maps a container. TOML, the start of a spec (before its `[root]`).
let shiftedUserNamespace = """
  version = 1
  [namespaces]
  unshare = ["user", "mount", "pid"]
  [user]
  uid_map = [{ inside = 0, outside = 100000, count = 65536 }]
  gid_map = [{ inside = 0, outside = 100000, count = 65536 }]
  """

/// The host's /usr bound read-only into a root of its own, with the merged-/usr links beside it: the least a tmpfs
/// root or a root folder needs to run the host's programs. TOML, to interpolate into a spec after its `[root]`.
let usrFromHost = """
  [[mounts]]
  type = "bind"
  source = "/usr"
  target = "/usr"
  options = ["ro"]
  [[files]]
  type = "symlink"
  path = "/bin"
  link = "usr/bin"
  [[files]]
  type = "symlink"
  path = "/lib"
  link = "usr/lib"
  [[files]]
  type = "symlink"
  path = "/lib64"
  link = "usr/lib64"
  """
