import SpecParser

/// What a `[[files]]` entry does to what already stands at its path: `=` when the host's tree holds exactly this
/// entry (and `run` then skips the step); `+` where nothing stands; `~` or `!` (see ``Change``) otherwise. Shared by
/// the plan's file steps and ``HostChanges``.
enum FileChange {
  static func of(_ file: FileEntry, existing: HostEntry?) -> Change {
    guard let existing else { return .create }
    let conflict = Change.conflict(before: describe(existing), after: file.kind.rawValue)
    switch file.kind {
    case .dir:
      switch existing {
      case .directory: return .unchanged(value: "a directory")
      // Whether run follows a link where a folder should be is not foretold here: shown as a change, as before.
      case .symlink: return .modify(before: "something else is there", after: file.kind.rawValue)
      case .file, .other: return conflict
      }
    case .file:
      switch existing {
      case .file(let contents?) where contents == Array(file.content.utf8): return .unchanged(value: "these contents")
      case .file, .directory, .symlink, .other: return conflict
      }
    case .symlink:
      switch existing {
      case .symlink(let link) where link == file.link: return .unchanged(value: "a link to \(link)")
      case .symlink, .directory, .file, .other: return conflict
      }
    }
  }

  /// What stands in a `[[files]]` entry's way, as the plan shows it.
  static func describe(_ entry: HostEntry) -> String {
    switch entry {
    case .directory: "a folder"
    case .file: "a file with other contents"
    case .symlink(let link): "a link to \(link)"
    case .other: "something else"
    }
  }
}
