import SpecParser

/// Reads the values a spec's `${NAME}`s stand for (``SpecVariables``) through the read-only ``SystemReader``:
/// SpecParser reads nothing from the system itself.
public struct SpecVariablesReader<Reader: SystemReader> {
  let reader: Reader

  public init(reader: Reader) {
    self.reader = reader
  }

  /// The table for a spec whose relative paths resolve against `folder` (absolute).
  ///
  /// `HOME` is the environment variable (environ(7)), taken only when absolute: a relative one would silently name a
  /// folder in the spec's. `USER` is the real user ID's name in /etc/passwd (passwd(5), read by nsbuild), not `$USER`, which
  /// anyone can set; `UID` and `GID` are the real IDs (getuid(2), getgid(2)), so under sudo they are root's, as
  /// `HOME` usually is. `PROJECT_ROOT` is the nearest folder at or above `folder` holding an entry `.git` (a folder,
  /// or the file a git worktree has).
  public func read(folder: String) -> SpecVariables {
    let home = reader.environment().lazy.compactMap { entry -> String? in
      entry.hasPrefix("HOME=") ? String(entry.dropFirst(5)) : nil
    }.first
    let uid = reader.realUserID()
    let user: Result<String?, SyscallError>
    do { user = .success(try reader.userName(uid)) } catch { user = .failure(error) }
    var variables = SpecVariables(
      home: home.flatMap { $0.hasPrefix("/") ? $0 : nil }, user: try? user.get(), uid: uid,
      gid: reader.realGroupID(), projectRoot: projectRoot(above: folder))
    // Not "has no name": the file could not be read, and its error says why.
    if case .failure(let error) = user { variables.missing["USER"] = "the user database cannot be read: \(error)" }
    if let home, !home.hasPrefix("/") {
      variables.missing["HOME"] = "HOME is '\(home)', not an absolute path"
    }
    return variables
  }

  /// The table for `source` and `overrides`, or an empty one when neither can hold a `${NAME}`: reading the
  /// accounts and looking for `.git` up to `/` costs more than decoding a small spec, and most specs name no
  /// variable. A TOML escape (`\u0024{`) can also spell `${`, so text with `\u` or `\U` gets the table too.
  public func read(folder: String, ifUsedIn source: [UInt8], overrides: [SpecOverride] = []) -> SpecVariables {
    let used =
      Self.mayName(source) || overrides.contains { override in Self.mayName(Array(override.argument.utf8)) }
    return used ? read(folder: folder) : SpecVariables()
  }

  /// Whether `bytes` hold `${`, or a `\u`/`\U` escape that could spell its `$`.
  static func mayName(_ bytes: [UInt8]) -> Bool {
    var previous: UInt8 = 0
    for byte in bytes {
      if previous == UInt8(ascii: "$"), byte == UInt8(ascii: "{") { return true }
      if previous == UInt8(ascii: "\\"), byte == UInt8(ascii: "u") || byte == UInt8(ascii: "U") { return true }
      previous = byte
    }
    return false
  }

  /// The nearest folder at or above `folder` that holds `.git`.
  private func projectRoot(above folder: String) -> String? {
    var candidate: String? = folder
    while let current = candidate {
      if reader.exists(current == "/" ? "/.git" : current + "/.git") { return current }
      candidate = AbsolutePath.parent(of: current)
    }
    return nil
  }
}
