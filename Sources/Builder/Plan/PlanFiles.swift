import SpecParser

extension Planner {
  /// `=` when the host's tree already holds exactly this entry (and `run` then skips the step); `+` otherwise.
  func fileChange(_ file: FileEntry) -> Change {
    guard let existing = state.hostEntries[file.path] else { return .create }
    switch (file.kind, existing) {
    case (.dir, .directory): return .unchanged("a directory")
    case (.file, .file(let contents?)) where contents == Array(file.content.utf8): return .unchanged("these contents")
    case (.symlink, .symlink(let link)) where link == file.link: return .unchanged("a link to \(link)")
    default: return .modify(before: "something else is there", after: file.kind.rawValue)
    }
  }
}
