import Builder
import Glibc

/// SEAM until the state store (`SandboxStore`, on the `live` branch) is merged: the records `apply` loads and saves,
/// and its lock. Replaced by `terminal.sandboxStore` once merged.
struct ApplyStore {
  let directory: StateDirectory
  let kernel: RealKernel

  func load(_ name: SandboxName) throws -> SandboxRecord? {
    let bytes: [UInt8]
    do { bytes = try kernel.readFile(directory.record(of: name)) } catch {
      if error.errno == ErrnoNames.ENOENT { return nil }
      throw error
    }
    return try SandboxRecord.decode(bytes)
  }

  func save(_ record: SandboxRecord) throws {
    let fd = try kernel.openDirectoryWithoutSymlinks(directory.folder(of: record.name))
    defer { kernel.close(fd) }
    try? kernel.removeEntry(fd, ".state.json.new", directory: false)
    try kernel.writeFile(fd, ".state.json.new", contents: try record.encoded(), mode: 0o600)
    try kernel.rename(fd, ".state.json.new", to: "state.json")
  }
}

extension ApplyStore {
  /// SEAM: the live branch's `SandboxStore.lock(_:creating:)`; nothing until it is merged.
  func lock(_ name: SandboxName) throws -> Int32? { nil }
  func unlock(_ lock: Int32?) {}

  /// The spec's path as the record keeps it: absolute.
  func absolutePath(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    let cwd = kernel.environment().first { $0.hasPrefix("PWD=/") }.map { String($0.dropFirst(4)) } ?? "/"
    return cwd + "/" + path
  }

  /// SEAM: the live branch's SHA-256 of the spec; nil (the record keeps its digest) until it is merged.
  func digest(_ source: [UInt8]) -> String? { nil }

  /// Seconds since the Unix epoch.
  func now() -> Int64 { Int64(time(nil)) }
}
