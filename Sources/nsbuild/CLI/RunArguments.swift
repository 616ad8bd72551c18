import SpecParser

/// What `nsbuild run` was asked to do: the values ``RunCommand`` parses, as plain values.
///
/// ``parse(_:)`` reads the usual forms of `run`'s words without swift-argument-parser, which costs about a
/// millisecond of start-up before every sandboxed command (its property wrappers are reflected with `Mirror`, and
/// the first look-up of each protocol scans every conformance record in the binary). It accepts only words whose
/// meaning is not in doubt and gives up (nil) on anything else, which `RunCommand` then parses as it always did:
/// help, usage errors and their hints stay ArgumentParser's.
struct RunArguments: Equatable {
  var spec: String
  var command: [String] = []
  var verbose = false
  var strictModes = true
  var tty = false
  var settings: [String] = []
  var variables: [String] = []
  var binds: [String] = []

  /// The overrides in the order they apply (as ``OverrideOptions/overrides``).
  var overrides: [SpecOverride] {
    settings.map { SpecOverride(.set, $0) } + variables.map { SpecOverride(.env, $0) }
      + binds.map { SpecOverride(.bind, $0) }
  }

  /// `arguments` (those after `run`), or nil when they use anything but one SPEC (or none when ./sandbox.toml exists),
  /// `-v`/`--verbose`, `-t`/`--tty`, `--[no-]strict-modes` (each at most once), `--set`/`--env`/`--bind` VALUE or
  /// `--set=VALUE` (VALUE neither empty nor starting with `-`), and `--` followed by the command.
  static func parse(_ arguments: ArraySlice<String>) -> RunArguments? {
    var parsed = RunArguments(spec: "")
    var strictModesGiven = false
    var spec: String?
    var index = arguments.startIndex
    while index < arguments.endIndex {
      let word = arguments[index]
      index += 1
      switch word {
      case "--":
        parsed.command = Array(arguments[index...])
        index = arguments.endIndex
      case "-v", "--verbose":
        guard !parsed.verbose else { return nil }
        parsed.verbose = true
      case "-t", "--tty":
        guard !parsed.tty else { return nil }
        parsed.tty = true
      case "--strict-modes", "--no-strict-modes":
        guard !strictModesGiven else { return nil }
        strictModesGiven = true
        parsed.strictModes = word == "--strict-modes"
      case "--set", "--env", "--bind":
        guard index < arguments.endIndex, let value = plainValue(arguments[index]) else { return nil }
        index += 1
        parsed.add(value, to: word)
      default:
        if word.hasPrefix("-") {
          guard let equals = word.firstIndex(of: "="),
            let value = plainValue(String(word[word.index(after: equals)...]))
          else { return nil }
          let option = String(word[..<equals])
          guard ["--set", "--env", "--bind"].contains(option) else { return nil }
          parsed.add(value, to: option)
        } else {
          guard spec == nil else { return nil }
          spec = word
        }
      }
    }
    // Without SPEC, ./sandbox.toml; when there is none, RunCommand words the usage error.
    guard let spec = spec ?? (try? DefaultSpec.resolve(nil)) else { return nil }
    parsed.spec = spec
    return parsed
  }

  /// A value that cannot be read as an option: not empty, not starting with `-`.
  private static func plainValue(_ word: String) -> String? {
    word.isEmpty || word.hasPrefix("-") ? nil : word
  }

  private mutating func add(_ value: String, to option: String) {
    switch option {
    case "--set": settings.append(value)
    case "--env": variables.append(value)
    default: binds.append(value)
    }
  }
}
