import SpecParser

extension Launcher {
  /// Takes the step `step` that starts the command with ``Syscall/cloneVM``, in the process of `role` (init, or the
  /// joiner of `exec`): builds the child's list of calls from the plan (the calls of `step` after the clone, each
  /// command step's, the program's check, the pause of ``Handoff/Kind/commandReady``, the exec step's), then clones
  /// the child, which makes them. The fds in `closing` (and the channel ends of the processes above the command)
  /// are closed in the child first, as a forked command closed them.
  ///
  /// The command's steps are traced here, before the clone; the exec step too, unless the command pauses for its
  /// parent, which then traces it once it has released the command (``traceExec()``).
  func spawn(
    _ step: Step, making child: PlannedProcess, from role: Step.Actor, channels: inout ChainChannels,
    link own: ParentLink, closing: [Int32]
  ) -> Result<Forked, StepFailure> {
    trace(step)
    let below = subtree(child.role)
    do { try channels.make(for: role, toward: below, handoffs: plan.handoffs, kernel) } catch {
      return .failure(StepFailure(stepID: step.id, callIndex: 0, error: error))
    }
    let cloneIndex = step.calls.firstIndex(of: .cloneVM) ?? 0
    do { try StepRunner(kernel: kernel, parent: own).run(step, calls: 0..<cloneIndex) } catch {
      return .failure(error)
    }
    var lifeline: (read: Int32, write: Int32)?
    if child.watchesParent == .lifeline, step.calls[(cloneIndex + 1)...].contains(.checkParent) {
      do { lifeline = try kernel.pipe() } catch {
        return .failure(StepFailure(stepID: step.id, callIndex: cloneIndex, error: error))
      }
    }
    let link = ParentLink(lifeline: lifeline?.read, parentPID: kernel.processID())
    let closed = channels.closedAfterFork(by: role, toward: below, inChild: true) + closing + [lifeline?.write]
    var spawn: CommandSpawn
    switch commandSpawn(after: step, at: cloneIndex, link: link, channels) {
    case .failure(let failure):
      if let lifeline { [lifeline.read, lifeline.write].forEach(kernel.close) }
      return .failure(failure)
    case .success(let built): spawn = built
    }
    spawn.operations.insert(contentsOf: closed.compactMap { $0 }.map { .init(call: .close(fd: $0)) }, at: 0)
    for traced in commandSteps(tracingExec: channels.waiting(.command) == nil) { trace(traced) }
    let forwarded = Self.signals(passedOnBy: step)
    if !forwarded.isEmpty { kernel.blockSignals(forwarded) }
    let pid: Int32
    do { pid = try kernel.spawnCommand(spawn) } catch {
      kernel.unblockSignals()
      return .failure(StepFailure(stepID: step.id, callIndex: cloneIndex, error: error))
    }
    channels.closeAfterFork(by: role, toward: below, inChild: false, kernel)
    if let lifeline { kernel.close(lifeline.read) }
    let toGroup = step.calls.contains { if case .forwardSignals(_, true) = $0 { return true } else { return false } }
    if !forwarded.isEmpty { try? kernel.forwardSignals(forwarded, to: toGroup ? -pid : pid) }  // installs, unblocks
    return .success(.parent(pid))
  }

  /// The command's steps the child takes: those before its exec step, and that too with `tracingExec`.
  private func commandSteps(tracingExec: Bool) -> [Step] {
    let steps = steps(.command)
    let exec = steps.last { $0.kind == .exec }?.id ?? Int.max
    return steps.filter { $0.id < exec || tracingExec }
  }

  /// `run -v` under a pause: the exec step's trace, once the parent released the command.
  func traceExec() {
    if let exec = steps(.command).last(where: { $0.kind == .exec }) { trace(exec) }
  }

  /// The child's list: the calls of `step` after the clone at `cloneIndex`, then each command step's in plan order,
  /// with the check of the program and the pause (if the plan has one) just before the exec step.
  private func commandSpawn(after step: Step, at cloneIndex: Int, link: ParentLink, _ channels: ChainChannels)
    -> Result<CommandSpawn, StepFailure>
  {
    var operations: [CommandSpawn.Operation] = []
    var program = CommandSpawn.Program(args: [], env: [], candidates: [], search: false, failures: [])
    let steps = [step] + self.steps(.command)
    for taken in steps where !taken.change.isUnchanged {
      let first = taken.id == step.id ? cloneIndex + 1 : 0
      for index in first..<taken.calls.count {
        let call = taken.calls[index]
        if case .execve(let command) = call {
          program = CommandSpawn.program(command, step: taken.id, call: index, in: plan, kernel: kernel)
          operations.insert(.init(call: .checkProgram), at: firstExecCall(in: operations, step: taken))
          if let pause = channels.waiting(.command) {
            operations.insert(
              .init(call: .pause(ready: pause.ready, go: pause.go)), at: firstExecCall(in: operations, step: taken))
          }
          operations.append(.init(call: .execve))
          continue
        }
        guard let converted = Self.spawnCall(call, link: link) else {
          if case .forwardSignals = call { continue }  // the clone's parent's; the child sets each handler back
          let error = SyscallError(call: "clone", errno: ErrnoNames.EINVAL, path: "\(call) in the command's child")
          return .failure(StepFailure(stepID: taken.id, callIndex: index, error: error))
        }
        let failure = converted.name.map { name in
          let error = SyscallError(call: name, errno: 0, path: converted.path)
          return CommandSpawn.Report(StepFailure(stepID: taken.id, callIndex: index, error: error), in: plan)
        }
        operations.append(.init(call: converted.call, failure: failure))
      }
    }
    return .success(CommandSpawn(operations: operations, program: program, report: channels.reportFD))
  }

  /// Where the exec step's calls begin in `operations` (its own calls are appended last).
  private func firstExecCall(in operations: [CommandSpawn.Operation], step: Step) -> Int {
    operations.firstIndex { $0.failure?.failure.stepID == step.id } ?? operations.count
  }

  /// `call` as the child makes it, with the call name and path its failure reports (as ``StepRunner/perform(_:)``
  /// and ``RealKernel`` name them); nil for a call the child cannot make.
  static func spawnCall(_ call: Syscall, link: ParentLink) -> (call: CommandSpawn.Call, name: String?, path: String?)? {
    switch call {
    case .setsid: (.setsid, "setsid", nil)
    case .setControllingTerminal: (.setControllingTerminal(fd: 0), "ioctl(TIOCSCTTY)", nil)
    case .setrlimit(let limit):
      (
        .setrlimit(resource: limit.resource.number, soft: limit.soft ?? .max, hard: limit.hard ?? .max),
        "setrlimit", "RLIMIT_\(limit.resource.rawValue.uppercased())"
      )
    case .keepCapabilities: (.keepCapabilities, "prctl", nil)
    case .dropBoundingSet(let keep): (.dropBoundingSet(keep: StepRunner<Kernel>.mask(keep)), "prctl", nil)
    case .setgroups(let groups): (.setgroups(groups: groups), "setgroups", nil)
    case .setresgid(let gid): (.setresgid(gid: gid), "setresgid", nil)
    case .setresuid(let uid): (.setresuid(uid: uid), "setresuid", nil)
    case .setParentDeathSignal(let signal): (.setParentDeathSignal(signal: signal), "prctl", nil)
    case .checkParent:
      (link.lifeline.map { .checkLifeline(fd: $0) } ?? .checkParentPID(pid: link.parentPID ?? 0), nil, nil)
    case .capset(let keep): (.capset(capabilities: StepRunner<Kernel>.mask(keep)), "capset", nil)
    case .raiseAmbient(let keep): (.raiseAmbient(capabilities: StepRunner<Kernel>.mask(keep)), "prctl", nil)
    case .setNoNewPrivs: (.setNoNewPrivs, "prctl", nil)
    case .umask(let mask): (.umask(mask: mask), nil, nil)
    case .chdir(let path): (.chdir(path: path), "chdir", path)
    case .closeOnExecFrom(let first): (.closeOnExec(from: first), "close_range", nil)
    case .fork, .cloneVM, .setDumpable, .forwardSignals, .unshare, .writeProcFile, .idMapHelper, .mount,
      .mountSetattr, .sethostname, .setdomainname, .openPath, .openDirectoryNoSymlinks, .openNoSymlinks, .lockShared,
      .closeSlots, .resolve, .mountAt, .mountOverlay, .readOnlyPath, .maskPath, .setattrAt, .restoreWritable,
      .propagateAt, .fsopen, .fsconfigString, .fsconfigFD, .fsconfigCreate, .fsmount, .openTree, .moveMount,
      .setPropagation, .makeDirectory, .createFile, .symlink, .changeDirectoryTo, .pivotRoot, .detachOldRoot,
      .loopbackUp, .loopbackDown, .scrubEnvironment, .nameProcess, .openPseudoTerminal, .copyWindowSize,
      .useTerminalReplica, .relayTerminal, .openTerminalReplica, .execve, .takeBackForeground, .enterMountNamespace,
      .saveMountNamespace, .returnToMountNamespace, .sendSlots, .receiveSlots, .redirectStandardStreams,
      .holdUntilSignalled, .endSandboxAfterCommand, .closeInheritedDescriptors, .unmount, .keepMount, .restoreMount,
      .reconfigure, .changeMode, .changeOwner, .prlimit, .replaceFile, .removeFile, .openNamespace, .pidfdOpen,
      .setns, .sendHandoffSignal, .endProcess, .openSandboxNamespace, .rtnetlink, .startPasta, .startLivePasta,
      .checkProgram:
      nil
    }
  }
}
