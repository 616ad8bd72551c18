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

/// Loads a spec for a subcommand, printing a read error; nil when the file cannot be read.
func loadSpec(_ path: String, terminal: Terminal) -> LoadedSpec? {
  do {
    return try SpecLoader(kernel: terminal.kernel).load(path)
  } catch {
    let reason: String
    switch (error.call, error.errno) {
    case ("open", ErrnoNames.EINVAL): reason = "not a regular file"
    case ("read", ErrnoNames.EFBIG): reason = "larger than \(RealKernel.maximumFileSize >> 20) MiB"
    default: reason = error.description
    }
    terminal.err("nsbuild: error: cannot read spec '\(path)': \(reason)\n")
    return nil
  }
}
