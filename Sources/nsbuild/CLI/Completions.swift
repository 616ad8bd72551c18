import ArgumentParser
import Builder

/// What the shell completion scripts (`nsbuild --generate-completion-script bash|zsh|fish`) offer beyond the
/// options themselves; the formats come from ``OutputFormat``'s cases.
extension CompletionKind {
  /// A spec file: the shells offer `*.toml` files (and folders, to walk into).
  static var specFile: CompletionKind { .file(extensions: ["toml"]) }

  /// The caller's live sandboxes, as `nsbuild ls --quiet` prints them. The scripts ask the nsbuild the caller typed
  /// (`nsbuild ---completion …`), which runs ``liveSandboxNames()`` in that process; the shell keeps the names
  /// that start with the word typed so far.
  static var liveSandbox: CompletionKind { .custom { _, _, _ in liveSandboxNames() } }
}

/// The names in the caller's state folder (SandboxStore.list), sorted; none when it cannot be read, since a
/// completion has nowhere to report an error.
func liveSandboxNames() -> [String] {
  ((try? Terminal().sandboxStore.list()) ?? []).map(\.rawValue)
}
