import FoundationEssentials

/// The part of ArgumentParser's description of a command tree (`nsbuild --experimental-dump-help`, "ToolInfo"
/// version 0) that the manual page reads: the same definitions `--help` and the completion scripts come from.
struct ToolInfo: Decodable {
  struct Command: Decodable {
    var commandName: String
    var abstract: String?
    var discussion: String?
    var shouldDisplay: Bool?
    var subcommands: [Command]?
    var arguments: [Argument]?
  }

  struct Argument: Decodable {
    struct Name: Decodable {
      var kind: String
      var name: String
    }

    /// "positional", "option" or "flag".
    var kind: String
    var names: [Name]?
    var preferredName: Name?
    var valueName: String?
    var defaultValue: String?
    var allValues: [String]?
    var isOptional: Bool
    var isRepeating: Bool
    /// "postTerminator" for the words after `--`.
    var parsingStrategy: String?
    var abstract: String?
    var shouldDisplay: Bool?
  }

  var command: Command

  /// The tree rooted at ``NSBuild``.
  /// - Throws: DecodingError when ArgumentParser's description changes shape.
  static func nsbuild() throws -> ToolInfo {
    try JSONDecoder().decode(ToolInfo.self, from: Data(NSBuild._dumpHelp().utf8))
  }
}
