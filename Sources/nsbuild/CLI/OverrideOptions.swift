import ArgumentParser
import SpecParser

/// `--set`, `--env` and `--bind`: one-off changes to the spec on the command line, shared by `check`, `plan` and
/// `run`. They are read into the spec's TOML after the file, in that order (every `--set`, then every `--env`, then
/// every `--bind`, each in the order given), and checked as the file is; `plan` names "command line" as their
/// origin (see ``SpecOverride``).
struct OverrideOptions: ParsableArguments {
  @Option(
    name: .customLong("set"),
    help: ArgumentHelp(
      "Set a spec key: a dotted key and a TOML value (a value that is not TOML is a string), such as uts.hostname=box or 'process.args=[\"sh\"]'.",
      valueName: "key=value"))
  var settings: [String] = []

  @Option(
    name: .customLong("env"),
    help: ArgumentHelp("Set a [process] env variable, ${NAME}s substituted.", valueName: "name=value"))
  var variables: [String] = []

  @Option(
    name: .customLong("bind"),
    help: ArgumentHelp(
      "Add a bind mount after the spec's: the host path (${NAME}s and `..` allowed), the path inside, then :ro or :rw if wanted.",
      valueName: "source:target[:ro]"))
  var binds: [String] = []

  /// The overrides in the order they apply.
  var overrides: [SpecOverride] {
    settings.map { SpecOverride(.set, $0) } + variables.map { SpecOverride(.env, $0) }
      + binds.map { SpecOverride(.bind, $0) }
  }
}
