import ArgumentParser
import Builder
import Glibc
import SpecParser

/// `nsbuild down NAME [--timeout SECONDS]`: ends a live sandbox and removes its state.
struct DownCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "down",
    abstract: "End a sandbox `up` made, and remove its state.",
    discussion: """
      Sends SIGTERM to the sandbox's init (through a pidfd, once its pid and start time are the recorded ones, so \
      a recycled pid is never signalled), SIGKILL after the timeout, waits until it and the sandbox process ended, \
      then removes the state folder. pasta ([net.pasta]) ends with the sandbox process; one still running then is \
      ended the same way, by its recorded pid and start time, also when init is already dead. A sandbox whose init is already dead, or whose recorded pid and start time name \
      a process outside the recorded namespaces (not the sandbox: never signalled), only has its state removed. A \
      folder with no record (an `up` killed before it recorded the sandbox, whose processes die with it) is removed \
      once no process writes to its output.log any more; if some still do after the timeout, down says which and \
      fails.

      Exit status: 0 when the sandbox is gone; 1 when there is no sandbox of that name or it cannot be ended.

      Examples:
        nsbuild down dev
        nsbuild down --timeout 30 web
      """
  )

  @Option(help: "Seconds to wait after SIGTERM before SIGKILL.")
  var timeout: Double = 10

  @Argument(help: "The sandbox's name.", completion: .liveSandbox)
  var name: String

  func validate() throws {
    guard timeout >= 0, timeout <= 86_400 else { throw ValidationError("--timeout must be 0 to 86400 seconds") }
  }

  func run() throws {
    let terminal = Terminal()
    let sandbox = try terminal.sandboxName(name, failureCode: 1)
    let store = terminal.sandboxStore
    let lock: SandboxLock
    do { lock = try store.lock(sandbox, creating: false) } catch { throw terminal.fail(error, failureCode: 1) }
    defer { store.unlock(lock) }
    do {
      // No record: an `up` that never finished (nsbuild killed); its processes die with it, as they may be doing.
      if let record = try store.load(sandbox) {
        let check = LiveSandboxCheck.checkInit(record, reader: terminal.kernel)
        if let problem = check.problem(sandbox, pid: record.initProcess.pid) {
          // Dead, or a process that is not the sandbox's init: nothing of the sandbox to signal.
          terminal.err("nsbuild: \(TerminalText.printable(problem)); signalling nothing, removing its state\n")
        } else {
          // Read while the sandbox holds them: deleted by index once it ended (the kernel frees them a moment later).
          let hostEnds = VethHostEnds.read(madeBy: record.plan, kernel: terminal.kernel)
          try end(record, terminal)
          try hostEnds.delete(kernel: terminal.kernel)
        }
        // Its keeper ends pasta with the sandbox process; one left (its keeper killed by hand) ends here, by its
        // recorded pid and start time, also when init was already dead.
        if let pasta = record.pasta {
          _ = try SandboxProcesses.end(pasta, graceMilliseconds: Int32(timeout * 1000), kernel: terminal.kernel)
        }
      } else {
        let left = unrecordedProcesses(store.directory.folder(of: sandbox), terminal.kernel)
        guard left.isEmpty else {
          throw terminal.fail(
            "'\(sandbox)' has no record (its `up` never finished) and processes still write to its output.log: pids \(left.map(String.init).joined(separator: ", ")); they are not nsbuild's to end",
            failureCode: 1)
        }
      }
      try store.remove(sandbox)
    } catch let exit as ExitCode {
      throw exit
    } catch let error as SyscallError where error.errno == ErrnoNames.EPERM && error.call == "pidfd_send_signal" {
      throw terminal.fail(
        "sandbox '\(sandbox)' belongs to another user: this user may not signal its processes (\(error)); run `nsbuild down` as the user that made it",
        failureCode: 1)
    } catch { throw terminal.fail(error, failureCode: 1) }
    terminal.tell("\(sandbox)\n")
  }

  /// The processes still writing to `folder`'s output.log once the timeout passed (none, as soon as none is left).
  private func unrecordedProcesses(_ folder: String, _ kernel: RealKernel) -> [Int32] {
    let log = folder + "/" + SandboxStore<RealKernel>.outputFile
    let tries = max(1, Int(timeout * 20))
    for _ in 1..<tries {
      if SandboxProcesses.writing(to: log, reader: kernel).isEmpty { return [] }
      usleep(50_000)
    }
    return SandboxProcesses.writing(to: log, reader: kernel)
  }

  /// Ends init, then waits for the sandbox process, which exits once it has reaped init, and for the keeper of a
  /// main command `apply` started anew, which exits once its command ended with the pid namespace.
  private func end(_ record: SandboxRecord, _ terminal: Terminal) throws {
    let kernel = terminal.kernel
    let grace = Int32(timeout * 1000)
    _ = try SandboxProcesses.end(record.initProcess, graceMilliseconds: grace, kernel: kernel)
    if let keeper = record.mainKeeper {
      // A process outside the sandbox's pid namespace is not its keeper, whatever the record says: never signalled.
      if let stranger = LiveSandboxCheck.mismatch(
        of: keeper, "main command's keeper", link: "pid_for_children", in: record, reader: kernel)
      {
        terminal.err("nsbuild: \(TerminalText.printable(stranger)); not signalling it\n")
      } else {
        _ = try SandboxProcesses.end(keeper, graceMilliseconds: grace, kernel: kernel)
      }
    }
    if let holder = record.sandboxProcess {
      _ = try SandboxProcesses.end(holder, graceMilliseconds: grace, kernel: kernel)
    }
  }
}
