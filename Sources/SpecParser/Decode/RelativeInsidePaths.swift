/// Paths inside the sandbox written relative while `[root]` gives it a root of its own. A relative path resolves
/// against the spec's folder on the host, which is right for the host's tree (the sandbox sees the same folder) but
/// names nothing of a new root: `cwd = "src"` or `target = "scratch"` would land on `/srv/proj/src` inside it.
/// runc resolves a relative destination against the root's `/` instead (and warns it is deprecated), bwrap does the
/// same; nsbuild refuses all three spellings alike, so no path means one thing here and another there.
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
  private func relative(_ range: SourceRange) -> Substring? {
    let quotes: Set<Character> = ["\"", "'"]
    let written = writtenText(range).drop { quotes.contains($0) }.reversed().drop { quotes.contains($0) }
    let text = Substring(String(written.reversed()))
    return text.isEmpty || text.hasPrefix("/") ? nil : text
  }

  /// Suggests the absolute spelling when it can be read off the literal (no escapes), else an example.
  private static func hint(_ written: Substring, example: String) -> String {
    var path = written
    while path.hasPrefix("./") { path = path.dropFirst(2) }
    let absolute = path.contains("\\") || path.isEmpty || path == "." ? example : "/" + path
    return "write the path inside the new root as an absolute path, such as \"\(absolute)\""
  }
}
