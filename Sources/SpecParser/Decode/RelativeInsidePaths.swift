/// Paths inside the sandbox written relative while `[root]` gives it a root of its own. A relative path resolves
/// against the spec's folder on the host, which is right for the host's tree (the sandbox sees the same folder) but
/// names nothing of a new root: `cwd = "src"` or `target = "scratch"` would land on `/srv/proj/src` inside it.
/// runc 1.1 resolves a relative destination against the root's `/` instead (and warns that support for it goes
/// away), and so does bwrap; nsbuild refuses all three keys alike, so no path means one thing on the host's tree and
/// another in a new root. Relativity is read from the value, not from its spelling (`"\u002Fx"` is absolute).
extension FilesystemRules {
  func relativePathsInANewRoot() {
    guard spec.root.kind != .host else { return }
    if let range = spec.origins["process.cwd"], let written = relative(range) {
      sink.error(
        "relative-cwd",
        "a relative `cwd` resolves against the spec's folder on the host, which the new root does not hold",
        at: range, hint: Self.hint(written, example: "/home/dev"))
    }
    for index in spec.mounts.indices {
      report("target", of: SpecKeyPath("mounts").index(index), example: "/scratch")
    }
    for index in spec.files.indices {
      report("path", of: SpecKeyPath("files").index(index), example: "/etc/app.conf")
    }
  }

  private func report(_ key: String, of entry: SpecKeyPath, example: String) {
    guard let range = spec.origins[entry.appending(key)], let written = relative(range) else { return }
    sink.error(
      "relative-path",
      "a relative `\(key)` resolves against the spec's folder on the host, not against the new root's `/`",
      at: range, hint: Self.hint(written, example: example))
  }

  /// The path as written, when it is a relative one.
  private func relative(_ range: SourceRange) -> String? { relativePaths[range.start.offset] }

  /// Suggests the path as the new root would hold it (`./var//cache` → `/var/cache`), or an example for `.`.
  private static func hint(_ written: String, example: String) -> String {
    let absolute = (try? Paths.resolve(written, against: "/").get()).flatMap { $0 == "/" ? nil : $0 } ?? example
    return "write the path inside the new root as an absolute path, such as \"\(absolute)\""
  }
}
