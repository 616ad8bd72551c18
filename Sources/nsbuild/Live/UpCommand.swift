import ArgumentParser
import Builder
import SpecParser

/// `nsbuild up SPEC [--name NAME] [-- CMD ARG…]`: builds the sandbox and leaves it running.
struct UpCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "up",
    abstract: "Build the sandbox the spec describes and leave it running, until `nsbuild down`.",
    discussion: """
      Takes exactly the steps `nsbuild plan --up` shows: those of `run`, and the sandbox process then leaves \
      nsbuild's session and streams, and stops dying with nsbuild once the sandbox is ready. Without a command \
      ([process] args, or after `--`), init holds the namespaces until SIGTERM; with one, the sandbox ends when it \
      does. The sandbox's stdout and stderr go to output.log in its state folder. Prints the sandbox's name once it \
      is ready.

      State lives in /run/nsbuild/NAME (root) or $XDG_RUNTIME_DIR/nsbuild/NAME, or $NSBUILD_STATE_DIR/NAME.

      Exit status: 0 once the sandbox is ready; 125 when it cannot be built (bad spec or name, a sandbox of that \
      name running, a failed step); 126 or 127 when its main command cannot be executed or is not found; 128+N \
      after signal N came before the sandbox was recorded (it was ended and its state removed, as Ctrl-C aborts \
      `docker run -d`).

      Examples:
        nsbuild up specs/pod.toml
        nsbuild up --name web specs/pod.toml -- python3 -m http.server
      """
  )

  @Option(help: "The sandbox's name (lower-case letters, digits, '-', '_', '.'; at most 63); default: the spec's stem.")
  var name: String?

  @Flag(name: .shortAndLong, help: "Print each step nsbuild takes, numbered as `plan --up` numbers it.")
  var verbose = false

  @Flag(inversion: .prefixedNo, help: .strictModesRefusing)
  var strictModes = true

  @Argument(help: DefaultSpec.help, completion: .specFile)
  var specArgument: String?

  /// SPEC, or ./sandbox.toml when it was left out (validate() checks that it exists).
  var spec: String { specArgument ?? DefaultSpec.path }

  @Argument(parsing: .postTerminator, help: "The sandbox's main command, instead of [process] args.")
  var command: [String] = []

  func validate() throws {
    _ = try DefaultSpec.resolve(specArgument)
  }

  func run() throws {
    let terminal = Terminal()
    let failed = ExitStatus.setupFailed
    let sandbox = try terminal.sandboxName(given: name, spec: spec, failureCode: failed)
    let store = terminal.sandboxStore
    let lock: SandboxLock
    do { lock = try store.lock(sandbox, creating: true) } catch { throw terminal.fail(error, failureCode: failed) }
    defer { store.unlock(lock) }
    if let running = try? store.load(sandbox), LiveSandboxCheck.check(running, reader: terminal.kernel) == .running {
      throw terminal.fail(
        "a sandbox named '\(sandbox)' is running (init pid \(running.initProcess.pid)); `nsbuild down \(sandbox)` ends it",
        failureCode: failed)
    }
    // A dead sandbox of that name is replaced: its record goes, whatever happens next.
    do { try build(sandbox, store, terminal) } catch {
      try? store.remove(sandbox)
      throw error
    }
  }

  private func build(_ sandbox: SandboxName, _ store: SandboxStore<RealKernel>, _ terminal: Terminal) throws {
    store.discardOutput(sandbox)
    let (loaded, plan) = try planSpec(
      spec, command: command.isEmpty ? nil : command, terminal: terminal, failureCode: ExitStatus.setupFailed,
      strictModes: strictModes ? .refuse : .warn, up: terminal.liveLaunch(sandbox))
    try refuseForeseenFailures(plan, loaded: loaded, terminal: terminal)
    try launchSandbox(sandbox, plan: plan, loaded: loaded, store: store, terminal: terminal, verbose: verbose)
    terminal.tell("\(sandbox)\n")
  }
}

/// Starts the sandbox `plan` (an `up` plan, made with ``Terminal/liveLaunch(_:)``) describes and records it as
/// `sandbox` once it is ready; `up` and `apply --replace` call it holding the sandbox's lock. Throws the `ExitCode`
/// to exit with, having said why.
func launchSandbox(
  _ sandbox: SandboxName, plan: Plan, loaded: LoadedSpec, store: SandboxStore<RealKernel>, terminal: Terminal,
  verbose: Bool
) throws {
  let kernel = terminal.kernel
  let created = currentTime()
  let trace = stepTrace(plan, verbose: verbose, terminal: terminal)
  let launcher = Launcher(kernel: kernel, plan: plan, trace: trace)
  switch launcher.run() {
  case .ready(let initPID, let sandboxPID, let recorded):
    // From here a signal is nsbuild's own, no longer passed on: one that came before the record is saved (or one
    // passed on to the sandbox while it was built, which may be ending it) aborts the sandbox, as Ctrl-C aborts
    // `docker run -d`; one that comes after leaves the recorded sandbox running.
    kernel.deferSignals(true)
    // The sandbox outlives nsbuild only once its record is saved: killed before that, nsbuild takes it along, and
    // waits for init to end so nothing of it is left when `up` exits.
    let found = ProcessIdentity.current(of: initPID, reader: kernel)
    var saved = false
    defer {
      launcher.release(recorded, saved: saved)
      if !saved, let found { _ = try? SandboxProcesses.end(found, graceMilliseconds: 1_000, kernel: kernel) }
      // Its keeper ends pasta with the sandbox process; ended here too, so none is left once `up` exits.
      if !saved, let pasta = recorded.pasta {
        _ = try? SandboxProcesses.end(pasta, graceMilliseconds: 1_000, kernel: kernel)
      }
    }
    if let signal = kernel.takeForwardedSignal() ?? kernel.takeDeferredSignal() { throw interrupted(signal, terminal) }
    guard let identity = found else {
      throw terminal.fail(
        "the sandbox ended as soon as it was ready (its main command ended)", failureCode: ExitStatus.setupFailed)
    }
    var record = SandboxRecord(
      name: sandbox, specPath: loaded.recordedPath(kernel), specDigest: SHA256.hex(loaded.source),
      createdAt: created, appliedAt: currentTime(), initProcess: identity,
      namespaceIDs: SandboxProcesses.namespaceIDs(of: initPID, reader: kernel),
      ownerUID: kernel.effectiveUserID(), plan: plan,
      sandboxProcess: ProcessIdentity.current(of: sandboxPID, reader: kernel),
      specSource: String(decoding: loaded.source, as: UTF8.self))
    record.specFolder = loaded.pipeFolder
    record.mainCommand = SandboxProcesses.mainCommand(of: identity, in: plan, reader: kernel)
    record.pasta = recorded.pasta
    // The mounts it was made with: one not among them later was made by hand (drift).
    record.mounts = RecordedMount.read(of: identity, reader: kernel)
    do { try store.save(record) } catch {
      // Not recorded, it could never be found again: it goes.
      _ = try? SandboxProcesses.end(identity, graceMilliseconds: 0, kernel: kernel)
      throw terminal.fail(error, failureCode: ExitStatus.setupFailed)
    }
    saved = true
  case .finished(let status):
    if let signal = kernel.takeForwardedSignal() { throw interrupted(signal, terminal) }
    throw terminal.fail(
      "the sandbox ended before it was ready (status \(status.exitCode))", failureCode: ExitStatus.setupFailed)
  case .failed(let failure):
    if let signal = kernel.takeForwardedSignal() { throw interrupted(signal, terminal) }
    FailureReport(plan: plan, loaded: loaded, terminal: terminal).print(failure)
    throw ExitCode(ExitStatus.of(failure, in: plan))
  case .refused(let problem):
    throw terminal.fail(problem, failureCode: ExitStatus.setupFailed)
  case .started:  // never: only apply's plan of a main command starts one so
    throw ExitCode(ExitStatus.setupFailed)
  }
}

/// `up` was signalled before the sandbox was recorded: the sandbox was ended; the caller removes its state.
private func interrupted(_ signal: Int32, _ terminal: Terminal) -> ExitCode {
  terminal.err("nsbuild: up was interrupted by signal \(signal): the sandbox was ended before it was recorded\n")
  return ExitCode(128 + signal)
}
