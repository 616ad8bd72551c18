import ArgumentParser
import Glibc

/// The spec a command reads when none is named: `sandbox.toml` in the current folder, as make(1) reads `Makefile`.
enum DefaultSpec {
  /// Relative, so that diagnostics name it as the caller would (`sandbox.toml:3:1: error: …`).
  static let path = "sandbox.toml"

  /// The help of a SPEC argument that may be left out.
  static let help = ArgumentHelp(
    "The spec file (TOML); default: ./sandbox.toml, when it exists.", valueName: "spec")

  /// `given`, or ./sandbox.toml when nothing was given.
  /// - Throws: `ValidationError` (a usage error) when nothing was given and ./sandbox.toml does not exist (access(2)).
  static func resolve(_ given: String?) throws -> String {
    if let given { return given }
    guard access(path, F_OK) == 0 else {
      throw ValidationError("no spec given, and there is no ./sandbox.toml to use instead")
    }
    return path
  }
}
