import ArgumentParser
import Builder
import SpecParser

/// `apply`'s `-/+` of a live sandbox's main command, after the in-place steps: the steps of
/// ``TargetPlan/mainCommand`` as `plan --target` printed them, in order, and nothing else.
///
/// 1. nsbuild's own steps (``MainCommandSteps/ending``): the handoff signal to each keeper of the main command
///    (``Syscall/sendHandoffSignal(target:)``: the end of the command it waits for is then not the sandbox's; init
///    takes it only from outside its pid namespace), the command ended through a pidfd (SIGTERM, then SIGKILL after
///    10 s), a keeper other than init waited for.
/// 2. The keeper chain (``MainCommandSteps/chain``): the keeper enters the namespaces, forks the command into the
///    pid namespace and stays.
struct MainCommandReplacement {
  let terminal: Terminal
  let trace: (Step) -> Void
  /// Every step of the target plan, as `apply` numbers them: a failure is reported as `step N/TOTAL`.
  let applySteps: [Step]

  /// How the old main command's ending went.
  enum Ending {
    /// Every ending step was taken.
    case ended
    /// A signal came while the old command was ended, once it had ended: the rest was taken, and nsbuild exits with
    /// `signal` after the new command is started.
    case endedThenSignalled(Int32)
    /// A signal cut the wait short while every old command still ran: the handoffs were taken back.
    case interrupted(Int32)
  }

  /// Takes the ending steps (with signals kept). Throws the `ExitCode` to exit with, having said why.
  func end(_ steps: MainCommandSteps, loaded: LoadedSpec) throws -> Ending {
    let kernel = terminal.kernel
    guard var failure = steps.end(kernel: kernel, trace: trace) else { return .ended }
    if let signal = kernel.takeDeferredSignal() {
      if steps.takeBackEnding(through: failure.stepID, kernel: kernel) { return .interrupted(signal) }
      guard let again = steps.end(kernel: kernel, trace: trace, from: failure.stepID) else {
        return .endedThenSignalled(signal)
      }
      failure = again
    }
    FailureReport(plan: Plan(steps: applySteps), loaded: loaded, terminal: terminal).print(failure)
    terminal.err("nsbuild: the main command could not be ended to be replaced\n")
    throw ExitCode(1)
  }

  /// Starts the new main command once the old one ended: the command and its keeper, as the host sees them. Throws
  /// the `ExitCode` to exit with, having said why.
  func start(_ steps: MainCommandSteps, loaded: LoadedSpec) throws -> (
    command: ProcessIdentity, keeper: ProcessIdentity?
  ) {
    let kernel = terminal.kernel
    let ended = "the old main command was ended; the sandbox holds its namespaces with no main command"
    switch Launcher(kernel: kernel, plan: steps.chain, trace: trace).run() {
    case .started(let commandPID, let keeperPID):
      guard let command = ProcessIdentity.current(of: commandPID, reader: kernel) else {
        throw terminal.fail("the new main command ended as soon as it started, and the sandbox with it", failureCode: 1)
      }
      return (command, ProcessIdentity.current(of: keeperPID, reader: kernel))
    case .failed(let failure):
      FailureReport(plan: Plan(steps: applySteps), loaded: loaded, terminal: terminal).print(failure)
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
}
