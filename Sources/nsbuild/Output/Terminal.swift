import Builder
import SpecParser

/// Where output goes, and whether it may be coloured: only on a terminal, and never when NO_COLOR is set
/// (https://no-color.org).
struct Terminal {
  let kernel = RealKernel()

  func colorEnabled(fd: Int32) -> Bool {
    kernel.isTerminal(fd) && !kernel.environment().contains { $0.hasPrefix("NO_COLOR=") && $0.count > 9 }
  }

  /// Writes a command's product (a plan, a report, JSON) to stdout. A write that fails (a full disk, a closed pipe
  /// with SIGPIPE ignored, a closed stdout) ends nsbuild with status 1 and the errno on stderr, as GNU tools do:
  /// output cut short must not pass for whole, and the rest of a large plan is not rendered for nobody.
  func out(_ text: String) {
    out(bytes: Array(text.utf8))
  }

  /// ``out(_:)`` of bytes (a piece of a JSON document).
  func out(bytes: [UInt8]) {
    do throws(SyscallError) {
      try kernel.write(1, bytes)
    } catch {
      err("nsbuild: error: cannot write standard output: \(error.description)\n")
      kernel.exit(1)
    }
  }

  /// Writes a line about work already done (`up`, `apply`, `down`) to stdout. A failed write is ignored: the exit
  /// status says how the work went, and a sandbox that was started or ended is not undone for want of a reader.
  func tell(_ text: String) {
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

/// What a subcommand does with a spec another user could change (sshd's StrictModes).
enum StrictModes {
  /// Refuse it: `run` and `plan`, unless given --no-strict-modes.
  case refuse
  /// Read it, with a warning: `check`, `diff`, and `run`/`plan` with --no-strict-modes.
  case warn
  /// Read it without a word: `check` and `diff` with --no-strict-modes (which already says the caller knows).
  case ignore

  /// `run` and `plan`: refuse unless --no-strict-modes. `check` and `diff`: warn; refuse with --strict-modes (to see
  /// what `run` would say), say nothing with --no-strict-modes.
  static func given(_ flag: Bool?, default fallback: StrictModes) -> StrictModes {
    switch flag {
    case nil: fallback
    case true?: .refuse
    case false?: fallback == .refuse ? .warn : .ignore
    }
  }
}

/// Loads a spec for a subcommand. A file that cannot be read, or that another user could change when `strictModes`
/// refuses that, is reported on stderr, and comes back as the diagnostic the JSON outputs carry.
func loadSpec(
  _ path: String, terminal: Terminal, strictModes: StrictModes = .warn,
  maxDiagnostics: Int = SpecDecoder.defaultDiagnosticLimit, directory: String? = nil, overrides: [SpecOverride] = []
) -> Result<LoadedSpec, UnreadableSpec> {
  var loaded: LoadedSpec
  do {
    loaded = try SpecLoader(reader: terminal.kernel).load(
      path, maxDiagnostics: maxDiagnostics, directory: directory, overrides: overrides)
  } catch {
    let reason: String
    switch (error.call, error.errno) {
    case ("open", ErrnoNames.EINVAL), ("openat", ErrnoNames.EINVAL): reason = "not a regular file or a pipe"
    case ("read", ErrnoNames.EFBIG): reason = "larger than \(RealKernel.maximumFileSize >> 20) MiB"
    default: reason = error.description
    }
    terminal.err(TerminalText.printable("nsbuild: error: cannot read spec '\(path)': \(reason)") + "\n")
    return .failure(UnreadableSpec(path: path, reason: reason))
  }
  guard let unsafe = loaded.unsafePath else { return .success(loaded) }
  let message = "\(unsafe): someone other than root and you could change the spec, and with it what nsbuild runs"
  let hint =
    "make root or yourself the owner and remove group and other write access (chmod go-w), or pass "
    + "--no-strict-modes to `run` and `plan` (as sshd's StrictModes no)"
  switch strictModes {
  case .refuse:
    terminal.err(
      TerminalText.printable("nsbuild: error: refusing spec '\(path)': \(message)") + "\n  = help: \(hint)\n")
    return .failure(
      UnreadableSpec(path: path, reason: message, code: "strict-modes", verb: "refusing spec", hint: hint))
  case .warn:
    let start = SourceRange(at: SourceLocation(line: 1, column: 1, offset: 0))
    let warning = Diagnostic(.warning, code: "strict-modes", message: message, file: path, range: start, hint: hint)
    loaded.check = loaded.check.adding([warning])
    return .success(loaded)
  case .ignore:
    return .success(loaded)
  }
}

/// A spec file that could not be read, or was refused, and why.
struct UnreadableSpec: Error {
  var path: String
  var reason: String
  var code = "unreadable"
  var verb = "cannot read spec"
  /// The help line the text output shows under the error, if any.
  var hint: String?

  /// The diagnostic for the JSON outputs (the text is on stderr).
  var diagnostic: Diagnostic {
    let start = SourceRange(at: SourceLocation(line: 1, column: 1, offset: 0))
    return Diagnostic(
      .error, code: code, message: "\(verb) '\(path)': \(reason)", file: path, range: start, hint: hint)
  }
}
