/// A path inside the sandbox (`[[mounts]] target`, `[[files]] path`, `cwd`) written relative, with where it is.
struct RelativeInsidePath {
  var key: String
  var written: String
  var range: SourceRange
}

extension SpecSections {
  /// A path inside the sandbox, resolved as any other path; one written relative is remembered for the rule below,
  /// whether or not its entry is kept, so a problem of the entry does not hide it.
  func insidePath(_ value: (String, SourceRange), key: String) -> String? {
    if value.0.hasPrefix("~") {
      sink.error(
        "tilde-path", "`\(key)` starts with '~', which nsbuild does not expand", at: value.1,
        hint: "write the absolute path inside the sandbox")
      return nil
    }
    guard let resolved = path(value, key: key) else { return nil }
    if !value.0.hasPrefix("/") {
      context.relativeInsidePaths.append(RelativeInsidePath(key: key, written: value.0, range: value.1))
    }
    return resolved
  }
}

/// Paths inside the sandbox written relative while `[root]` gives it a root of its own. A relative path resolves
/// against the spec's folder on the host, which is right for the host's tree (the sandbox sees the same folder) but
/// names nothing of a new root: `cwd = "src"` or `target = "scratch"` would land on `/srv/proj/src` inside it.
/// runc 1.1 resolves a relative destination against the root's `/` instead (and warns that support for it goes
/// away), and so does bwrap; nsbuild refuses all three keys alike, so no path means one thing on the host's tree and
/// another in a new root. Relativity is read from the value, not from its spelling (`"\u002Fx"` is absolute).
extension FilesystemRules {
  func relativePathsInANewRoot() {
    guard spec.root.kind != .host else { return }
    for path in relativeInsidePaths {
      let example = ["cwd": "/home/dev", "target": "/scratch"][path.key] ?? "/etc/app.conf"
      let hint =
        "write the path inside the new root as an absolute path, such as \"\(Self.absolute(path.written) ?? example)\""
      if path.key == "cwd" {
        sink.error(
          "relative-cwd",
          "a relative `cwd` resolves against the spec's folder on the host, which the new root does not hold",
          at: path.range, hint: hint)
      } else {
        sink.error(
          "relative-path",
          "a relative `\(path.key)` resolves against the spec's folder on the host, not against the new root's `/`",
          at: path.range, hint: hint)
      }
    }
  }

  /// The path as the new root would hold it (`./var//cache` → `/var/cache`); nil for `.`, which names `/`.
  private static func absolute(_ written: String) -> String? {
    (try? Paths.resolve(written, against: "/").get()).flatMap { $0 == "/" ? nil : $0 }
  }
}
