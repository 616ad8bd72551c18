import Builder
import SpecParser

/// Where output goes, and whether it may be coloured: only on a terminal, and never when NO_COLOR is set
/// (https://no-color.org).
struct Terminal {
  let kernel = RealKernel()

  func colorEnabled(fd: Int32) -> Bool {
    kernel.isTerminal(fd) && !kernel.environment().contains { $0.hasPrefix("NO_COLOR=") && $0.count > 9 }
  }

  func out(_ text: String) {
    try? kernel.write(1, Array(text.utf8))
  }

  func err(_ text: String) {
    try? kernel.write(2, Array(text.utf8))
  }

  /// Prints diagnostics to stderr with their source lines.
  func printDiagnostics(_ diagnostics: [Diagnostic], source: [UInt8]) {
    err(DiagnosticRenderer(color: colorEnabled(fd: 2)).render(diagnostics, source: source))
  }
}

/// Loads a spec for a subcommand. A file that cannot be read is reported on stderr, and comes back as the
/// diagnostic the JSON outputs carry.
func loadSpec(_ path: String, terminal: Terminal) -> Result<LoadedSpec, UnreadableSpec> {
  do {
    return .success(try SpecLoader(kernel: terminal.kernel).load(path))
  } catch {
    let reason: String
    switch (error.call, error.errno) {
    case ("open", ErrnoNames.EINVAL): reason = "not a regular file"
    case ("read", ErrnoNames.EFBIG): reason = "larger than \(RealKernel.maximumFileSize >> 20) MiB"
    default: reason = error.description
    }
    terminal.err("nsbuild: error: cannot read spec '\(path)': \(reason)\n")
    return .failure(UnreadableSpec(path: path, reason: reason))
  }
}

/// A spec file that could not be read, and why.
struct UnreadableSpec: Error {
  var path: String
  var reason: String

  /// The diagnostic for the JSON outputs (the text is on stderr).
  var diagnostic: Diagnostic {
    let start = SourceRange(at: SourceLocation(line: 1, column: 1, offset: 0))
    return Diagnostic(
      .error, code: "unreadable", message: "cannot read spec '\(path)': \(reason)", file: path, range: start)
  }
}
