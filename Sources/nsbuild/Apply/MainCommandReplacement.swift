import ArgumentParser
import Builder
import SpecParser

/// `apply`'s `-/+` of a live sandbox's main command, after the in-place steps: a running process's arguments,
/// environment, IDs and capabilities cannot be changed from outside (execve(2) sets them), so the old command is
/// ended and the new one started, in the same sandbox: init, its namespaces and every other process stay.
///
/// 1. The new command is planned (``Planner/mainCommandPlan(into:live:)``): nothing is ended when it cannot be.
/// 2. The current keeper of the main command (init for the one `up` started; the keeper an earlier `apply` left)
///    gets the handoff signal through a pidfd (``LinuxKernel/handoffSignal``): the end of the command it waits for
///    is then not the sandbox's. Init takes it only from outside its pid namespace.
/// 3. The old command is ended through a pidfd: SIGTERM, then SIGKILL after `graceMilliseconds`.
/// 4. The plan runs: the keeper enters the namespaces, forks the command into the pid namespace and stays.
struct MainCommandReplacement {
  let terminal: Terminal
  let verbose: Bool
  var graceMilliseconds: Int32 = 10_000

  /// The main command started and its keeper, as the host sees them. Throws the `ExitCode` to exit with, having
  /// said why.
  func replace(_ record: SandboxRecord, loaded: LoadedSpec) throws -> (
    command: ProcessIdentity, keeper: ProcessIdentity?
  ) {
    let kernel = terminal.kernel
    let plan = try newPlan(record, loaded: loaded)
    let keeper = record.mainKeeper ?? record.initProcess
    let old =
      record.mainCommand ?? SandboxProcesses.mainCommand(of: record.initProcess, in: record.plan, reader: kernel)
    do {
      try handOff(keeper)
      if let old { _ = try SandboxProcesses.end(old, graceMilliseconds: graceMilliseconds, kernel: kernel) }
      // An earlier keeper exits once its command ended, without ending the sandbox: waited for.
      if let earlier = record.mainKeeper {
        _ = try SandboxProcesses.end(earlier, graceMilliseconds: graceMilliseconds, kernel: kernel)
      }
    } catch {
      throw terminal.fail("the main command could not be ended to be replaced: \(error)", failureCode: 1)
    }
    let trace = stepTrace(plan, verbose: verbose, terminal: terminal)
    let ended = "the old main command was ended; the sandbox holds its namespaces with no main command"
    switch Launcher(kernel: kernel, plan: plan, trace: trace).run() {
    case .started(let commandPID, let keeperPID):
      guard let command = ProcessIdentity.current(of: commandPID, reader: kernel) else {
        throw terminal.fail("the new main command ended as soon as it started, and the sandbox with it", failureCode: 1)
      }
      return (command, ProcessIdentity.current(of: keeperPID, reader: kernel))
    case .failed(let failure):
      FailureReport(plan: plan, loaded: loaded, terminal: terminal).print(failure)
      terminal.err("nsbuild: \(ended) until it ended with the new one's failure\n")
      throw ExitCode(1)
    case .finished(let status):
      throw terminal.fail("the new main command's keeper ended (status \(status.exitCode)); \(ended)", failureCode: 1)
    case .refused(let problem):
      throw terminal.fail("\(problem); \(ended)", failureCode: 1)
    case .ready:  // never: not a plan of `up`
      throw ExitCode(1)
    }
  }

  /// The plan that starts the spec's main command in the sandbox `record` describes.
  private func newPlan(_ record: SandboxRecord, loaded: LoadedSpec) throws -> Plan {
    let kernel = terminal.kernel
    guard let spec = loaded.check.spec else { throw ExitCode(1) }
    let target: LiveTarget
    do { target = try LiveTarget.read(record, reader: kernel) } catch { throw terminal.fail(error, failureCode: 1) }
    let state = Observer(reader: kernel).observe(spec)
    do {
      return try Planner(spec: spec, state: state).mainCommandPlan(
        into: target, live: terminal.liveLaunch(record.name))
    } catch { throw terminal.fail("the new main command cannot be planned: \(error)", failureCode: 1) }
  }

  /// The handoff signal to `keeper`, through a pidfd opened and checked against its start time.
  private func handOff(_ keeper: ProcessIdentity) throws {
    let kernel = terminal.kernel
    let pidfd = try kernel.openProcess(keeper.pid)
    defer { kernel.close(pidfd) }
    guard keeper.isAlive(reader: kernel) else {
      throw SyscallError(
        call: "pidfd_open", errno: ErrnoNames.ESRCH, path: "the main command's keeper, pid \(keeper.pid)")
    }
    try kernel.signalProcess(pidfd, kernel.handoffSignal)
  }
}
