/// What a fork step leaves the process that took it.
enum Forked {
  /// In the parent: the child's pid.
  case parent(Int32)
  /// In the child: where it goes on (its role; or its exit, when a call after fork(2) failed and was reported).
  case child(RoleEnd)
}

extension Launcher {
  /// Takes the fork step `step` that makes `child`, in the process of `role`, after making the channels the two
  /// sides' hand-offs go through.
  ///
  /// The calls written before fork(2) are the forking process's own (nsbuild's PR_SET_PDEATHSIG, init's switch of
  /// its own to SIGKILL), checked against `own`; the parent then passes signals on to the child, and the child makes
  /// the calls after fork(2): PR_SET_PDEATHSIG, then the check that the parent did not die before it took effect.
  ///
  /// A step that clones the command instead (``Syscall/cloneVM``) is taken by ``spawn(_:making:from:channels:link:closing:)``,
  /// whose child closes `closing` first; a forked child is left them to close.
  func fork(
    _ step: Step, making child: PlannedProcess, from role: Step.Actor, channels: inout ChainChannels,
    link own: ParentLink, closing: [Int32] = []
  ) -> Result<Forked, StepFailure> {
    if step.calls.contains(.cloneVM) {
      return spawn(step, making: child, from: role, channels: &channels, link: own, closing: closing)
    }
    trace(step)
    let below = subtree(child.role)
    do { try channels.make(for: role, toward: below, handoffs: plan.handoffs, kernel) } catch {
      return .failure(StepFailure(stepID: step.id, callIndex: 0, error: error))
    }
    let forkIndex = step.calls.firstIndex(where: \.startsProcess) ?? 0
    var before = StepRunner(kernel: kernel, parent: own)
    before.pty = pty
    do { try before.run(step, calls: 0..<forkIndex) } catch {
      return .failure(error)
    }
    let parent = kernel.processID()
    // Into a new pid namespace, where getppid(2) reads 0, the child gets a pipe to poll instead: its write end is
    // closed everywhere once the parent is gone, however it died.
    var lifeline: (read: Int32, write: Int32)?
    if child.watchesParent == .lifeline, step.calls[(forkIndex + 1)...].contains(.checkParent) {
      do { lifeline = try kernel.pipe() } catch {
        return .failure(StepFailure(stepID: step.id, callIndex: forkIndex, error: error))
      }
    }
    // The signals to pass on wait, blocked, from just before the fork until the handler knows the child's pid; one
    // arriving in between is then passed on instead of lost (or, at a PID 1, dropped).
    let forwarded = Self.signals(passedOnBy: step)
    if !forwarded.isEmpty { kernel.blockSignals(forwarded) }
    let pid: Int32
    do { pid = try kernel.fork() } catch {
      kernel.unblockSignals()
      return .failure(StepFailure(stepID: step.id, callIndex: forkIndex, error: error))
    }
    channels.closeAfterFork(by: role, toward: below, inChild: pid == 0, kernel)
    if pid != 0 {
      // The write end stays open for as long as this process lives.
      if let lifeline { kernel.close(lifeline.read) }
      // A command in its own session leads its process group: a signal goes to the whole group, as a terminal's
      // Ctrl-C would, so its children (a compiler under make, a sleep under sh) stop too.
      let toGroup = step.calls.contains { if case .forwardSignals(_, true) = $0 { return true } else { return false } }
      if !forwarded.isEmpty { try? kernel.forwardSignals(forwarded, to: toGroup ? -pid : pid) }  // installs, unblocks
      return .success(.parent(pid))
    }
    if let lifeline { kernel.close(lifeline.write) }
    // Until it has a child of its own, a signal ends this process as it would by default: as PID 1 of a new pid
    // namespace it would otherwise ignore it, and a TERM to nsbuild during setup would be lost.
    if forwarded.isEmpty { kernel.unblockSignals() } else { try? kernel.forwardSignals(forwarded, to: 0) }
    let after = (forkIndex + 1)..<step.calls.count
    let link = ParentLink(lifeline: lifeline?.read, parentPID: parent)
    var runner = StepRunner(kernel: kernel, parent: link)
    runner.pty = pty
    do { try runner.run(step, calls: after) } catch {
      return .success(.child(.exit(fail(error, channels))))
    }
    return .success(.child(.becomes(ChildStart(process: child, link: link, channels: channels))))
  }
}
