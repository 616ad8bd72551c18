import Builder
import FoundationEssentials
import SpecParser

/// Writes a bundle to disk through ``LinuxKernel``: the bundle folder (made here, so never one that already exists),
/// `config.json`, and `rootfs/` with its entries. On a failure it removes what it made, so a failed export leaves
/// nothing behind.
public struct OCIBundleWriter<Kernel: LinuxKernel> {
  let kernel: Kernel

  public init(kernel: Kernel) {
    self.kernel = kernel
  }

  /// Writes `bundle` as the new folder `path`.
  ///
  /// - Throws: ``SyscallError`` naming the call and path (EEXIST when `path` exists); an `EncodingError` if the
  ///   config cannot be encoded.
  public func write(_ bundle: OCIBundle, to path: String) throws {
    let (parent, name) = Self.split(path)
    let parentFD = try kernel.openPath(parent)
    defer { kernel.close(parentFD) }
    try kernel.makeDirectory(parentFD, name, mode: 0o755)
    var made: [(String, Bool)] = []
    do {
      let folder = try kernel.openInRootWithoutSymlinks(parentFD, name)
      defer { kernel.close(folder) }
      try kernel.writeFile(
        folder, "config.json", contents: Array(try Self.json(bundle.config)), mode: Self.configMode(bundle.config))
      made.append(("config.json", false))
      if bundle.config.root?.path == OCIExporter.bundleRoot {
        try kernel.makeDirectory(folder, OCIExporter.bundleRoot, mode: 0o755)
        made.append((OCIExporter.bundleRoot, true))
        for entry in bundle.rootfs { made.append(try make(entry, in: folder)) }
      }
    } catch {
      removeAll(made, parent: parentFD, name: name)
      throw error
    }
  }

  /// 0600 when config.json holds the environment `export` ran in (its tokens and keys, as runc's `process.env`), so
  /// that only its owner reads it; 0644, as `runc spec` writes it, otherwise.
  static func configMode(_ config: OCIConfig) -> UInt32 {
    config.annotations?[OCIAnnotation.inheritedEnv] == nil ? 0o644 : 0o600
  }

  /// config.json's bytes: pretty, keys sorted, a final newline.
  public static func json(_ config: OCIConfig) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(config) + Data("\n".utf8)
  }

  private func make(_ entry: OCIRootfsEntry, in folder: Int32) throws(SyscallError) -> (String, Bool) {
    let root = OCIExporter.bundleRoot + "/"
    switch entry {
    case .directory(let path, let mode):
      try kernel.makeDirectory(folder, root + path, mode: mode)
      return (root + path, true)
    case .file(let path, let content, let mode):
      try kernel.writeFile(folder, root + path, contents: content, mode: mode)
      return (root + path, false)
    case .symlink(let path, let target):
      try kernel.symlink(target, folder, root + path)
      return (root + path, false)
    }
  }

  /// Removes what was made, deepest first, then the bundle folder.
  private func removeAll(_ made: [(String, Bool)], parent: Int32, name: String) {
    if let folder = try? kernel.openInRootWithoutSymlinks(parent, name) {
      for (path, directory) in made.reversed() { try? kernel.removeEntry(folder, path, directory: directory) }
      kernel.close(folder)
    }
    try? kernel.removeEntry(parent, name, directory: true)
  }

  /// The folder holding `path` and its last name (`.` for a bare name).
  static func split(_ path: String) -> (String, String) {
    var trimmed = Substring(path)
    while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
    guard let slash = trimmed.lastIndex(of: "/") else { return (".", String(trimmed)) }
    let parent = trimmed[..<slash]
    return (parent.isEmpty ? "/" : String(parent), String(trimmed[trimmed.index(after: slash)...]))
  }
}

extension OCIExportHost {
  /// What the calling process and the host's `/` are, and where `spec`'s joins of live sandboxes are, read through
  /// `reader`.
  public static func read<Reader: SystemReader>(_ reader: Reader, for spec: Spec) -> OCIExportHost {
    OCIExportHost(
      uid: reader.realUserID(), gid: reader.realGroupID(), environment: reader.environment(),
      umask: umask(reader), rootEntries: rootEntries(reader), joins: joins(reader, spec),
      missingTargets: missingTargets(reader, spec))
  }

  /// The mount targets of a host-tree spec, below a top folder, that are not on the host.
  static func missingTargets<Reader: SystemReader>(_ reader: Reader, _ spec: Spec) -> Set<String> {
    guard spec.root.kind == .host else { return [] }
    return Set(
      spec.mounts.map(\.target).filter { AbsolutePath.ancestors(of: $0).count > 1 && !reader.exists($0) })
  }

  /// The namespace file of each live sandbox `spec` joins by name, as `plan` finds it (``Observer``).
  static func joins<Reader: SystemReader>(_ reader: Reader, _ spec: Spec) -> [Namespace: Result<String, JoinProblem>] {
    guard spec.joins.contains(where: { if case .sandbox = $0.target { true } else { false } }) else { return [:] }
    let observed = Observer(reader: reader).observe(spec).joinTargets
    var result: [Namespace: Result<String, JoinProblem>] = [:]
    for join in spec.joins {
      guard case .sandbox = join.target, let observation = observed[join.namespace] else { continue }
      if let problem = observation.problem {
        result[join.namespace] = .failure(JoinProblem(problem))
      } else {
        result[join.namespace] = .success(observation.file.path(for: join.namespace))
      }
    }
    return result
  }

  /// The `Umask:` line of /proc/self/status (proc(5)); 022 when it cannot be read.
  static func umask<Reader: SystemReader>(_ reader: Reader) -> UInt32 {
    let status = String(decoding: (try? reader.readFile("/proc/self/status")) ?? [], as: UTF8.self)
    for line in status.split(separator: "\n") where line.hasPrefix("Umask:") {
      let digits = String(line.dropFirst("Umask:".count).filter { $0 != " " && $0 != "\t" })
      if let value = UInt32(digits, radix: 8) { return value }
    }
    return 0o022
  }

  static func rootEntries<Reader: SystemReader>(_ reader: Reader) -> [OCIHostEntry] {
    guard let root = try? reader.openDirectoryWithoutSymlinks("/") else { return [] }
    defer { reader.close(root) }
    let names = ((try? reader.directoryEntries(root)) ?? []).filter { $0 != "." && $0 != ".." }.sorted()
    return names.compactMap { name in
      guard let kind = try? reader.fileKind(root, name) else { return nil }
      switch kind {
      case .directory: return OCIHostEntry(name: name, kind: .directory)
      case .regular: return OCIHostEntry(name: name, kind: .file)
      case .symlink:
        guard let target = try? reader.readLink(root, name) else { return nil }
        return OCIHostEntry(name: name, kind: .symlink(target))
      case .other: return OCIHostEntry(name: name, kind: .other)
      }
    }
  }
}
