import ArgumentParser
import Builder
import SpecParser

/// `nsbuild apply SPEC --target NAME [--replace]`: changes a live sandbox in place to what the spec says.
struct ApplyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "apply",
    abstract: "Change a live sandbox in place to what the spec says, without stopping what runs in it.",
    discussion: """
      Takes exactly the steps `nsbuild plan SPEC --target NAME` lists under each change (apply 1, apply 2, …), in \
      that order, holding the sandbox's lock; then records the spec's plan as the one applied. A plan that must \
      replace the whole sandbox (-/+ of the namespace set, ID maps, setgroups, clock offsets or the root) is refused \
      unless --replace is given, which downs the sandbox and ups it again. A changed [process] is used by the next \
      `nsbuild exec`, and replaces a running main command (-/+), by the steps plan lists under `-/+ main \
      command replaced`: apply tells the command's keeper (init, for the one `up` started) that its end is not the \
      sandbox's, ends it (SIGTERM, then SIGKILL after 10 s) and starts the new one inside the live sandbox as \
      `exec` does; init and every other process stay. The new main \
      command's end ends the sandbox, as the first one's did.

      When a step fails, the failure is reported as `run` reports it (step, call, path, errno, spec line) and the \
      steps already taken are taken back, newest first (the `undo:` lines of plan), so the sandbox is left as it \
      was; its record is not changed.

      A signal (SIGTERM, SIGINT, …) is kept until the step under way ends (the wait for the old main command to end \
      is cut short: it runs on); then the steps taken are taken back, the record is left as it was and apply exits \
      128+N. A signal that comes once the old main command has ended cannot take that back: the new one is started \
      and recorded, then apply exits 128+N.

      Exit status: 0 when the sandbox matches the spec (changed, or nothing to do); 1 on an error or a failed step; \
      128+N after signal N; with --replace, `up`'s (125) when the new sandbox cannot be started; with \
      --detailed-exitcode, 0 when there was nothing to do and 2 when changes were applied.

      Examples:
        nsbuild apply specs/dev.toml --target dev
        nsbuild apply specs/dev.toml --target dev --replace
      """
  )

  @Option(help: ArgumentHelp("The live sandbox to change.", valueName: "name"), completion: .liveSandbox)
  var target: String

  @Flag(help: "When the plan replaces the whole sandbox, down it and up it again (what runs in it ends).")
  var replace = false

  @Flag(help: "Exit 0 when there was nothing to do, 2 when changes were applied, 1 on error.")
  var detailedExitcode = false

  @Flag(name: .shortAndLong, help: "Print each step as it is taken, numbered as `plan --target` numbers it.")
  var verbose = false

  @Flag(inversion: .prefixedNo, help: .strictModesRefusing)
  var strictModes = true

  @Argument(help: DefaultSpec.help, completion: .specFile)
  var specArgument: String?

  /// SPEC, or ./sandbox.toml when it was left out (validate() checks that it exists).
  var spec: String { specArgument ?? DefaultSpec.path }

  func validate() throws {
    _ = try DefaultSpec.resolve(specArgument)
    do { _ = try SandboxName(validating: target) } catch { throw ValidationError("--target: \(error)") }
  }

  func run() throws {
    let terminal = Terminal()
    let name = try terminal.sandboxName(target, failureCode: 1)
    // Planned as `plan SPEC --target NAME` plans it: for `up`, whose plan the record holds.
    let (loaded, plan) = try planSpec(
      spec, command: nil, terminal: terminal, failureCode: 1, strictModes: strictModes ? .refuse : .warn,
      up: terminal.liveLaunch(name))
    let store = terminal.sandboxStore
    // Held from reading the record to writing the new one: a second apply waits, then plans against this one's
    // result.
    let lock: SandboxLock
    do { lock = try store.lock(name, creating: false) } catch { throw terminal.fail(error, failureCode: 1) }
    defer { store.unlock(lock) }
    let record: SandboxRecord
    let marked: TargetPlan
    do {
      guard let found = try store.load(name) else { throw ApplyError("no sandbox named '\(name)' (see `nsbuild ls`)") }
      record = found
      // The init is checked again under the lock: pid and start time, then its namespaces against the record.
      marked = try TargetPlanner.plan(
        plan, spec: loaded.check.spec, launch: terminal.liveLaunch(name), record: record, reader: terminal.kernel)
    } catch { throw terminal.fail(error, failureCode: 1) }
    // Refused before any step, as plain `run` would fail on it: nsbuild never takes a host interface it did not make,
    // nor follows a symlink another user could change.
    if !marked.blockers.isEmpty {
      var reasons: [String] = []
      for reason in marked.blockers where !reasons.contains(reason) { reasons.append(reason) }
      throw terminal.fail(
        reasons.joined(separator: "; ") + ": apply refuses, and takes no step (sandbox '\(name)' is left as it is)",
        failureCode: 1)
    }
    let causes = marked.sandboxReplacements
    if !causes.isEmpty {
      guard replace else {
        throw terminal.fail(
          "sandbox '\(name)' must be replaced, which apply does only with --replace (what runs in it ends): "
            + causes.map(\.description).joined(separator: "; "), failureCode: 1)
      }
      try replaceSandbox(record, plan: plan, loaded: loaded, store: store, terminal: terminal)
      if detailedExitcode { throw ExitCode(2) }
      return
    }
    guard marked.hasChanges else {
      try recordSpecRead(record, loaded: loaded, store: store, terminal: terminal)
      terminal.tell("No changes: sandbox '\(name)' already stands as \(loaded.path) says.\n")
      return
    }
    try take(marked, plan: plan, record: record, loaded: loaded, store: store, terminal: terminal)
    if detailedExitcode { throw ExitCode(2) }
  }

  /// `--replace`: the sandbox is ended as `down` ends it, then started from the spec as `up` starts it, under the
  /// same lock and name. When the new one cannot be started, the name is free: its state goes.
  private func replaceSandbox(
    _ record: SandboxRecord, plan: Plan, loaded: LoadedSpec, store: SandboxStore<RealKernel>, terminal: Terminal
  ) throws {
    try refuseForeseenFailures(plan, loaded: loaded, terminal: terminal)
    let kernel = terminal.kernel
    do {
      _ = try SandboxProcesses.end(record.initProcess, graceMilliseconds: 10_000, kernel: kernel)
      // A main command's keeper exits once its command ended with the pid namespace.
      if let keeper = record.mainKeeper {
        _ = try SandboxProcesses.end(keeper, graceMilliseconds: 10_000, kernel: kernel)
      }
      if let holder = record.sandboxProcess {
        _ = try SandboxProcesses.end(holder, graceMilliseconds: 10_000, kernel: kernel)
      }
      // The old pasta ends with the old sandbox process; the new sandbox's own is recorded by launchSandbox.
      if let pasta = record.pasta { _ = try SandboxProcesses.end(pasta, graceMilliseconds: 10_000, kernel: kernel) }
    } catch { throw terminal.fail("the sandbox could not be ended: \(error)", failureCode: 1) }
    store.discardOutput(record.name)
    do {
      try launchSandbox(record.name, plan: plan, loaded: loaded, store: store, terminal: terminal, verbose: verbose)
    } catch {
      try? store.remove(record.name)
      terminal.err("nsbuild: sandbox '\(record.name)' was ended and could not be started again\n")
      throw error
    }
    terminal.tell("Replaced sandbox '\(record.name)': ended, and started again from \(loaded.path).\n")
  }

  /// Takes the target plan's steps; on success records `plan` as the one applied.
  private func take(
    _ marked: TargetPlan, plan: Plan, record: SandboxRecord, loaded: LoadedSpec, store: SandboxStore<RealKernel>,
    terminal: Terminal
  ) throws {
    let steps = marked.applySteps
    let trace: (Step) -> Void =
      verbose
      ? { step in terminal.err("nsbuild: step \(step.id)/\(steps.count) \(TerminalText.printable(step.title))\n") }
      : { _ in }
    let replacement = MainCommandReplacement(terminal: terminal, trace: trace, applySteps: steps)
    var applied = record
    // A signal that came once the old main command had ended (no taking back then): the new one is started, then
    // nsbuild exits as the signal says.
    var late: Int32?
    var thrown: Error?
    let outcome = InPlaceApplier(kernel: terminal.kernel, plan: marked, trace: trace).apply {
      if let signal = terminal.kernel.takeDeferredSignal() { return .signal(signal) }
      applied = appliedRecord(record, plan: plan, loaded: loaded, terminal: terminal)
      guard let replacing = marked.mainCommand else { return nil }
      // Nothing is ended while the new program cannot be started: the in-place steps are taken back instead.
      if let failure = replacing.checkProgram(kernel: terminal.kernel, trace: trace) { return .failed(failure) }
      do {
        // Recorded first with the in-place changes and the main command marked as not yet replaced: should the
        // replacement fail or nsbuild be killed halfway, `plan --target` still marks it `-/+`.
        applied.mainCommandOutdated = true
        try save(applied, store: store, terminal: terminal)
        switch try replacement.end(replacing, loaded: loaded) {
        case .ended: return nil
        case .endedThenSignalled(let signal): late = signal
        case .interrupted(let signal):
          // The old command runs on, its keeper told to end the sandbox with it again: the record goes back too.
          try save(record, store: store, terminal: terminal)
          return .signal(signal)
        }
      } catch { thrown = error }
      return nil
    }
    switch outcome {
    case .applied:
      if let thrown { throw thrown }
      if let replacing = marked.mainCommand {
        let started = try replacement.start(replacing, loaded: loaded)
        applied.mainCommandOutdated = nil
        applied.mainCommand = started.command
        applied.mainKeeper = started.keeper
      }
      try save(applied, store: store, terminal: terminal)
      guard !marked.changesOnlyNextExec else {
        terminal.tell(
          "Recorded for sandbox '\(marked.name)': \(marked.summary). Only its record changed: nothing running was "
            + "changed, and the next `nsbuild exec` uses the new [process] settings.\n")
        return
      }
      terminal.tell("Applied to sandbox '\(marked.name)': \(marked.summary).\n")
      if marked.mainCommand != nil {
        terminal.tell(
          "[process] changed: the main command was replaced (pid \(applied.mainCommand?.pid ?? 0)); the next `nsbuild exec` uses it too.\n"
        )
      } else if marked.replacesMainCommand {
        terminal.tell("[process] changed: the next `nsbuild exec` uses it.\n")
      }
      if let signal = late ?? terminal.kernel.takeDeferredSignal() {
        terminal.err(
          "nsbuild: apply was interrupted by signal \(signal) once nothing could be taken back: it was completed\n")
        throw ExitCode(128 + signal)
      }
    case .failed(let failure, let undoFailures):
      FailureReport(plan: Plan(steps: steps), loaded: loaded, terminal: terminal).print(failure)
      if steps.contains(where: { $0.id == failure.stepID && $0.kind == .checkProgram }) {
        terminal.err("nsbuild: the main command was not replaced: the old one still runs\n")
      }
      reportUndo(undoFailures, terminal)
      throw ExitCode(1)
    case .interrupted(let signal, let undoFailures):
      terminal.err("nsbuild: apply was interrupted by signal \(signal)\n")
      reportUndo(undoFailures, terminal)
      throw ExitCode(128 + signal)
    }
  }

  /// `record` with `plan` applied from `loaded`: the mounts as they stand now are the spec's (one not among them later
  /// was made by hand).
  private func appliedRecord(_ record: SandboxRecord, plan: Plan, loaded: LoadedSpec, terminal: Terminal)
    -> SandboxRecord
  {
    var applied = record
    applied.plan = plan
    applied.appliedAt = currentTime()
    applied.specPath = loaded.recordedPath(terminal.kernel)
    applied.specFolder = loaded.pipeFolder
    applied.specDigest = SHA256.hex(loaded.source)
    applied.specSource = String(decoding: loaded.source, as: UTF8.self)
    applied.mainCommandOutdated = nil
    applied.mounts = RecordedMount.read(of: record.initProcess, reader: terminal.kernel)
    return applied
  }

  /// Nothing to apply: the record names the spec file as read now (an edit that changes no step, a comment, a
  /// [process] change with no main command), so `status` and `exec` go by it. The applied time stays.
  private func recordSpecRead(
    _ record: SandboxRecord, loaded: LoadedSpec, store: SandboxStore<RealKernel>, terminal: Terminal
  ) throws {
    var read = record
    read.specPath = loaded.recordedPath(terminal.kernel)
    read.specFolder = loaded.pipeFolder
    read.specDigest = SHA256.hex(loaded.source)
    read.specSource = String(decoding: loaded.source, as: UTF8.self)
    guard read != record else { return }
    do { try store.save(read) } catch {
      throw terminal.fail("the sandbox's record could not be written: \(error)", failureCode: 1)
    }
  }

  private func save(_ record: SandboxRecord, store: SandboxStore<RealKernel>, terminal: Terminal) throws {
    do { try store.save(record) } catch {
      throw terminal.fail("the sandbox was changed, but its record could not be written: \(error)", failureCode: 1)
    }
  }

  /// Says whether the steps taken were all taken back.
  private func reportUndo(_ undoFailures: [StepFailure], _ terminal: Terminal) {
    guard !undoFailures.isEmpty else {
      terminal.err("nsbuild: the steps taken before it were taken back: the sandbox is as it was before apply\n")
      return
    }
    for undo in undoFailures {
      terminal.err(
        TerminalText.printable("nsbuild: error: taking back step \(undo.stepID) failed: \(undo.error)") + "\n")
    }
    terminal.err("nsbuild: the sandbox is not as it was: `nsbuild plan --target` shows what differs\n")
  }

}

/// Why `apply` cannot start.
struct ApplyError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
