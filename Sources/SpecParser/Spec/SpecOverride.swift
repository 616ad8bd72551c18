/// A one-off change to a spec given on the command line instead of in the file: `--set KEY=VALUE` (a dotted key
/// path and a TOML value; a value that is not TOML is taken as a string), `--env NAME=VALUE` (a `[process] env`
/// entry) or `--bind SOURCE:TARGET[:ro|:rw]` (one more bind mount, after the spec's). Each is read into the spec's
/// TOML before it is decoded, so it passes every rule the file does, and its values' origin is the command line.
public struct SpecOverride: Sendable, Hashable {
  /// The command-line flag it was given with.
  public enum Flag: String, Sendable, Hashable, CaseIterable {
    case set = "--set"
    case env = "--env"
    case bind = "--bind"
  }

  public var flag: Flag
  /// What follows the flag, as given.
  public var argument: String

  public init(_ flag: Flag, _ argument: String) {
    self.flag = flag
    self.argument = argument
  }

  /// The flag and its argument, as diagnostics show them: `--set uts.hostname=x`.
  public var text: String { flag.rawValue + " " + argument }
}

extension SourceRange {
  /// Where the range is, for a message: `FILE:LINE:COL`, or `command line` for a value an override gave.
  public func place(in file: String) -> String {
    argument == nil ? "\(file):\(start.line):\(start.column)" : "command line"
  }
}
