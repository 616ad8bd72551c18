import SpecParser

/// A spec file read from disk and checked.
public struct LoadedSpec: Sendable {
  /// The path as the user gave it, used in messages.
  public var path: String
  /// The file's bytes, for showing source lines under diagnostics.
  public var source: [UInt8]
  public var check: SpecCheck

  public init(path: String, source: [UInt8], check: SpecCheck) {
    self.path = path
    self.source = source
    self.check = check
  }
}

/// Reads spec files through the kernel and checks them.
public struct SpecLoader<Kernel: LinuxKernel> {
  let kernel: Kernel

  public init(kernel: Kernel) {
    self.kernel = kernel
  }

  /// Reads and checks the spec at `path`; relative paths inside it resolve against its folder.
  ///
  /// - Throws: ``SyscallError`` when the file cannot be read.
  public func load(_ path: String) throws(SyscallError) -> LoadedSpec {
    let source = try kernel.readFile(path)
    let check = SpecDecoder.decode(source: source, file: path, directory: directory(of: path))
    return LoadedSpec(path: path, source: source, check: check)
  }

  /// The absolute, canonical folder holding `path` (realpath(3) of its folder), so `../proj/sandbox.toml` resolves
  /// relative paths against `proj` itself. A symlinked spec file resolves against the link's folder.
  func directory(of path: String) -> String {
    let absolute = path.hasPrefix("/") ? path : kernel.currentDirectory() + "/" + path
    guard let slash = absolute.lastIndex(of: "/") else { return "/" }
    let folder = String(absolute[..<slash])
    return kernel.realPath(folder.isEmpty ? "/" : folder) ?? folder
  }
}
