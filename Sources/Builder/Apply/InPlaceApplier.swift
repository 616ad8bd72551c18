import SpecParser

/// How `apply` ended.
public enum ApplyOutcome: Sendable, Hashable {
  /// Every step of the target plan was taken.
  case applied
  /// `failure` stopped it; the steps already taken were taken back (their ``TargetPlan/Entry/undo`` steps, newest
  /// first). `undoFailures` lists the undo steps that failed in turn, whose change stays in the sandbox.
  case failed(StepFailure, undoFailures: [StepFailure])
  /// A signal (SIGTERM, SIGINT, SIGHUP…) came while steps were taken: it was kept until the step under way ended,
  /// then every step taken was taken back as for a failure.
  case interrupted(signal: Int32, undoFailures: [StepFailure])
}

/// Takes the steps of a ``TargetPlan`` on a live sandbox, in plan order and nothing else (``TargetPlan/applySteps``):
/// a ``Step/Actor/parent`` step in nsbuild itself (prlimit(2) on init), each ``Step/Actor/joiner`` step in a child
/// of its own, which makes the step's calls (setns(2) into the sandbox's namespaces first, as the step says) with a
/// ``StepRunner`` and reports a failure over a close-on-exec pipe, as `run`'s processes do. A `fork` call in a
/// joiner step (a proc made inside the sandbox's pid namespace) forks again there: the child goes on.
///
/// When a step fails, the steps already taken are undone, newest first, with the undo steps the plan made for
/// them, and so is the failed step itself when it failed after its change was made (a protection of a mount
/// attached already): the sandbox is left as it was before `apply`.
public struct InPlaceApplier<Kernel: LinuxKernel> {
  let kernel: Kernel
  let plan: TargetPlan
  /// Called just before each step (and undo step) is taken (`apply --verbose`).
  let trace: (Step) -> Void
  /// The detached copies of the mounts this apply took off (``Syscall/keepMount(slot:path:)``), for their undo.
  let kept = KeptMounts()

  public init(kernel: Kernel, plan: TargetPlan, trace: @escaping (Step) -> Void = { _ in }) {
    self.kernel = kernel
    self.plan = plan
    self.trace = trace
  }

  /// Takes every step. The signals nsbuild passes on in `run` are kept meanwhile (a step is never cut halfway, nor
  /// left without its undo): one that came ends the apply after the step under way, taking back what was taken.
  public func apply() -> ApplyOutcome { apply { kernel.takeDeferredSignal().map(Stop.signal) } }

  /// Why the last part of an apply (``apply(finishing:)``) stopped before it made a change it cannot take back.
  public enum Stop: Sendable, Hashable {
    /// A signal came.
    case signal(Int32)
    /// One of its steps failed (the new main command's program is not there).
    case failed(StepFailure)
  }

  /// Takes every step, then calls `finish` with signals still kept: the last part of the apply (`apply`'s main
  /// command replacement), which returns why it stopped before it made a change it cannot take back, or nil.
  /// When it stopped, every step taken is taken back and the outcome is
  /// ``ApplyOutcome/interrupted(signal:undoFailures:)`` or ``ApplyOutcome/failed(_:undoFailures:)``.
  public func apply(finishing finish: () -> Stop?) -> ApplyOutcome {
    // Once apply ends, the copies go: a mount it took off for good (a tmpfs's files with it) and one it put back.
    defer { kept.closeAll(kernel) }
    _ = try? kernel.forwardSignals(Planner.forwardedSignals, to: 0)
    kernel.deferSignals(true)
    // Newest last; each step's own undo steps, listed in the order they are taken, kept so once all is reversed.
    var undo: [Step] = []
    for entry in plan.entries {
      for (index, step) in entry.apply.enumerated() {
        let back = entry.undo.indices.contains(index) ? entry.undo[index] : []
        trace(step)
        if let failure = take(step) {
          if failure.callIndex > Self.changeIndex(of: step) { undo += back.reversed() }
          return .failed(failure, undoFailures: takeBack(undo))
        }
        undo += back.reversed()
        if let signal = kernel.takeDeferredSignal() {
          return .interrupted(signal: signal, undoFailures: takeBack(undo))
        }
      }
    }
    switch finish() {
    case .signal(let signal): return .interrupted(signal: signal, undoFailures: takeBack(undo))
    case .failed(let failure): return .failed(failure, undoFailures: takeBack(undo))
    case nil: return .applied
    }
  }

  /// Takes `undo` newest first; the failures, each after trying the rest.
  func takeBack(_ undo: [Step]) -> [StepFailure] {
    undo.reversed().compactMap { step in
      trace(step)
      return take(step)
    }
  }

  /// Takes one step where its actor says; its failure, if any.
  func take(_ step: Step) -> StepFailure? {
    switch step.actor {
    case .parent:
      do { try StepRunner(kernel: kernel).run(step) } catch { return error }
      return nil
    case .joiner: return joined(step)
    case .sandbox, .initProcess, .command:
      // An in-place step is never one of `run`'s chain: there is no such process to take it.
      return StepFailure(
        stepID: step.id, callIndex: 0,
        error: SyscallError(call: "apply", errno: ErrnoNames.EINVAL, path: "a step for \(step.actor.rawValue)"))
    }
  }

  /// The index of the first call that changes the sandbox (attaches or detaches a mount, sets a name, changes a
  /// mount, writes a file, sets a limit): a failure after it leaves that change made. Calls before it open, copy
  /// detached host trees and join.
  static func changeIndex(of step: Step) -> Int {
    let joined = step.calls.lastIndex { if case .setns = $0 { true } else { false } } ?? -1
    let index = step.calls.indices.first { index in
      switch step.calls[index] {
      case .moveMount, .unmount, .restoreMount, .sethostname, .setdomainname, .loopbackUp, .loopbackDown, .reconfigure,
        .changeMode,
        .changeOwner, .replaceFile, .removeFile, .createFile, .makeDirectory, .symlink, .prlimit, .setPropagation,
        .sendHandoffSignal, .endProcess, .rtnetlink, .startPasta, .startLivePasta:
        return true
      case .setattrAt: return index > joined
      case .fork, .cloneVM, .forwardSignals, .setParentDeathSignal, .setDumpable, .checkParent, .takeBackForeground,
        .unshare,
        .writeProcFile, .idMapHelper, .mount, .mountSetattr, .scrubEnvironment, .nameProcess, .openPseudoTerminal,
        .copyWindowSize,
        .useTerminalReplica, .setControllingTerminal, .relayTerminal, .openTerminalReplica, .openPath,
        .openDirectoryNoSymlinks,
        .openNoSymlinks, .lockShared, .closeSlots, .resolve, .mountAt, .mountOverlay, .readOnlyPath, .maskPath,
        .fsopen, .fsconfigString, .fsconfigFD, .fsconfigCreate, .fsmount, .openTree, .restoreWritable, .propagateAt,
        .changeDirectoryTo, .pivotRoot, .detachOldRoot, .setsid, .setrlimit, .setgroups, .setresgid, .setresuid,
        .keepCapabilities, .dropBoundingSet, .capset, .raiseAmbient, .setNoNewPrivs, .umask, .chdir, .closeOnExecFrom,
        .execve, .saveMountNamespace, .enterMountNamespace, .returnToMountNamespace, .sendSlots, .receiveSlots,
        .openNamespace, .pidfdOpen, .setns, .redirectStandardStreams, .holdUntilSignalled, .closeInheritedDescriptors,
        .openSandboxNamespace, .endSandboxAfterCommand, .keepMount, .checkProgram:
        return false
      }
    }
    return index ?? step.calls.count
  }

  /// Forks a joiner that takes `step` and waits for it; the failure it reported, or one saying how it ended when
  /// it reported none.
  private func joined(_ step: Step) -> StepFailure? {
    let report: (read: Int32, write: Int32)
    let pid: Int32
    // The socket a mount's copy comes back on (``Syscall/keepMount(slot:path:)``), for a step that keeps one.
    let keeps = step.calls.compactMap { call -> String? in
      if case .keepMount(_, let path) = call { return path }
      return nil
    }
    var passing: (Int32, Int32)?
    var opened: [Int32] = []
    do {
      report = try kernel.pipe()
      opened = [report.read, report.write]
      if !keeps.isEmpty {
        let pair = try kernel.socketPair()
        (passing, opened) = (pair, opened + [pair.0, pair.1])
      }
      pid = try kernel.fork()
    } catch {
      for fd in opened { kernel.close(fd) }
      return StepFailure(stepID: step.id, callIndex: 0, error: error)
    }
    if pid == 0 {
      kernel.close(report.read)
      if let passing { kernel.close(passing.0) }
      kernel.exit(joiner(step, report: report.write, passing: passing?.1))
    }
    kernel.close(report.write)
    if let passing { kernel.close(passing.1) }
    let status = (try? kernel.wait(pid))?.status ?? .exited(ExitStatus.setupFailed)
    if let passing {
      // The joiner has ended: its end is closed, so this reads what it sent and stops.
      kept.add(kernel.receiveFDsUntilClosed(passing.0), for: keeps)
      kernel.close(passing.0)
    }
    // An undo that attached a kept copy again has used it.
    for case .restoreMount(_, let path) in step.calls { kept.drop(path, kernel) }
    let message = kernel.receive(on: report.read)
    kernel.close(report.read)
    if case .failed(let failure) = message { return failure }
    guard status == .exited(0) else {
      return StepFailure(
        stepID: step.id, callIndex: 0,
        error: SyscallError(
          call: "wait", errno: 4, path: "the joiner ended with status \(status.exitCode)"))
    }
    return nil
  }

  /// In the joiner: dies with nsbuild, takes the step's calls (forking again at each `fork`, the child going on),
  /// and returns the status to exit with; a failure is sent on `report` first.
  private func joiner(_ step: Step, report: Int32, passing: Int32?) -> Int32 {
    var runner = StepRunner(
      kernel: kernel, reportFD: report, passing: passing, parent: ParentLink(parentPID: kernel.parentProcessID()))
    runner.keptMounts = kept.copies
    var start = 0
    _ = try? kernel.setParentDeathSignal(9)
    do throws(StepFailure) {
      for (index, call) in step.calls.enumerated() where call == .fork {
        try runner.run(step, calls: start..<index)
        start = index + 1
        let child: Int32
        do { child = try kernel.fork() } catch { throw StepFailure(stepID: step.id, callIndex: index, error: error) }
        if child != 0 {
          // The forked joiner reports on the same pipe; this one ends as it does.
          let status = (try? kernel.wait(child))?.status ?? .exited(ExitStatus.setupFailed)
          return status.exitCode
        }
        _ = try? kernel.setParentDeathSignal(9)
      }
      try runner.run(step, calls: start..<step.calls.count)
    } catch {
      kernel.send(.failed(error), on: report)
      return ExitStatus.setupFailed
    }
    return 0
  }
}

/// The detached copies of mounts an `apply` took off (``Syscall/keepMount(slot:path:)``), which nsbuild holds until
/// the apply ends, by sandbox path, newest last.
final class KeptMounts {
  private(set) var copies: [String: [Int32]] = [:]

  /// `fds`, as received, for the `paths` their step kept, in order.
  func add(_ fds: [Int32], for paths: [String]) {
    for (fd, path) in zip(fds, paths) { copies[path, default: []].append(fd) }
  }

  /// The newest copy of `path` closed: attached again, it no longer needs this fd.
  func drop<Kernel: LinuxKernel>(_ path: String, _ kernel: Kernel) {
    guard let fd = copies[path]?.popLast() else { return }
    kernel.close(fd)
  }

  /// Every copy closed: one still detached goes with its fd (umount(2) of a detached tree on its last close).
  func closeAll<Kernel: LinuxKernel>(_ kernel: Kernel) {
    for fd in copies.values.joined() { kernel.close(fd) }
    copies = [:]
  }
}
