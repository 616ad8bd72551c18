extension StepRunner {
  /// Starts pasta(1) on the sandbox process's namespaces and waits until it says the network is set up (see
  /// ``Syscall/startPasta(program:arguments:)``); its pid goes to ``links`` so it is ended with the sandbox.
  ///
  /// - Throws: ``SyscallError`` `execve` when pasta ended before it was ready (its own message is on stderr).
  func startPasta(_ program: String, _ arguments: [String]) throws(SyscallError) {
    let ready = try kernel.pipe()
    let pid: Int32
    do { pid = try kernel.fork() } catch {
      kernel.close(ready.read)
      kernel.close(ready.write)
      throw error
    }
    if pid == 0 {
      kernel.close(ready.read)
      // Dies with nsbuild, even when nsbuild is killed: pasta does not end when the namespace goes.
      _ = try? kernel.setParentDeathSignal(9)
      // pasta starts from the default dispositions (it takes an ignored SIGPIPE for a failure to set its own).
      kernel.ignoreWriteSignals(false)
      kernel.unblockSignals()
      guard (try? kernel.keepAcrossExec(ready.write)) != nil else { kernel.exit(ExitStatus.setupFailed) }
      let args = [program] + arguments + ["--pid", "/dev/fd/\(ready.write)", String(sandboxPID)]
      kernel.exit(ExitStatus.notExecuted(errno: kernel.execve(program, args: args, env: ["PATH=/usr/bin:/bin"]).errno))
    }
    kernel.close(ready.write)
    links.helpers.append(pid)
    let said = (try? kernel.read(ready.read, count: 64)) ?? []
    kernel.close(ready.read)
    guard said.isEmpty else { return }
    // End of file without a pid: pasta ended (or closed the pipe) before the namespace's network was set up.
    links.endHelpers(kernel)
    throw SyscallError(
      call: "execve", errno: ErrnoNames.EPROTO,
      path: "\(program): ended before the sandbox's network was set up (see its message above)")
  }
}

extension StepRunner {
  /// `up`: starts pasta through a keeper that ends it with the sandbox process (see
  /// ``Syscall/startLivePasta(program:arguments:output:)``) and waits until pasta says the network is set up. The
  /// keeper goes to ``links`` (killed, and pasta with it, when setup fails), and so does pasta's pid and start time,
  /// for the sandbox's record.
  ///
  /// - Throws: ``SyscallError`` from pidfd_open(2), pipe(2) or fork(2); `execve` when pasta ended before it was ready
  ///   (its own message is in `output`).
  func startLivePasta(_ program: String, _ arguments: [String], output: String) throws(SyscallError) {
    // nsbuild's unreaped child: its pid names the sandbox process until nsbuild waits for it.
    let watched = try kernel.openProcess(sandboxPID)
    let ready: (read: Int32, write: Int32)
    do { ready = try kernel.pipe() } catch {
      kernel.close(watched)
      throw error
    }
    let keeper: Int32
    do { keeper = try kernel.fork() } catch {
      for fd in [watched, ready.read, ready.write] { kernel.close(fd) }
      throw error
    }
    if keeper == 0 { keep(program, arguments, output: output, ready: ready.write, watched: watched) }
    kernel.close(watched)
    kernel.close(ready.write)
    links.keepers.append(keeper)
    let said = (try? kernel.read(ready.read, count: 64)) ?? []
    kernel.close(ready.read)
    guard let pasta = livePasta(said, keeper: keeper) else {
      links.endHelpers(kernel)
      throw SyscallError(
        call: "execve", errno: ErrnoNames.EPROTO,
        path: "\(program): ended before the sandbox's network was set up (its message is in \(output))")
    }
    links.livePasta = pasta
  }

  /// pasta named by the pid it wrote (`said`), with a pidfd of it, once it is the keeper's child: a pid the keeper
  /// has not reaped names no other process. Nil when it wrote none or already ended.
  private func livePasta(_ said: [UInt8], keeper: Int32) -> (identity: ProcessIdentity, pidfd: Int32)? {
    let text = String(decoding: said.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
    guard let pid = Int32(text), pid > 0, let pidfd = try? kernel.openProcess(pid) else { return nil }
    guard let stat = try? kernel.readFile("/proc/\(pid)/stat"), ProcessIdentity.parentPID(fromStat: stat) == keeper,
      let start = ProcessIdentity.startTime(fromStat: stat)
    else {
      kernel.close(pidfd)
      return nil
    }
    return (ProcessIdentity(pid: pid, startTime: start), pidfd)
  }

  /// The keeper, forked from nsbuild: leaves nsbuild's session, streams, fds and signal handling, forks pasta, and
  /// ends it once the sandbox process (`watched`) ends.
  private func keep(_ program: String, _ arguments: [String], output: String, ready: Int32, watched: Int32) -> Never {
    kernel.defaultSignalHandling()
    // pasta starts from the default dispositions (it takes an ignored SIGPIPE for a failure to set its own).
    kernel.ignoreWriteSignals(false)
    // Named so `ps` does not show a second `nsbuild up` once `up` has exited.
    _ = try? kernel.nameProcess("nsbuild-pasta")
    guard (try? kernel.setsid()) != nil, (try? kernel.redirectStandardStreams(output: output)) != nil,
      (try? kernel.closeAll(from: 3, except: [ready, watched])) != nil,
      let lifeline = try? kernel.pipe()
    else { kernel.exit(ExitStatus.setupFailed) }
    guard let pasta = try? kernel.fork() else { kernel.exit(ExitStatus.setupFailed) }
    if pasta == 0 {
      kernel.close(lifeline.write)
      kernel.close(watched)
      // Dies with the keeper, even when it is killed; a keeper already gone leaves the lifeline hung up.
      guard (try? kernel.setParentDeathSignal(9)) != nil, !kernel.hasHungUp(lifeline.read),
        (try? kernel.keepAcrossExec(ready)) != nil
      else { kernel.exit(ExitStatus.setupFailed) }
      let args = [program] + arguments + ["--pid", "/dev/fd/\(ready)", String(sandboxPID)]
      kernel.exit(ExitStatus.notExecuted(errno: kernel.execve(program, args: args, env: ["PATH=/usr/bin:/bin"]).errno))
    }
    kernel.close(lifeline.read)
    kernel.close(ready)
    kernel.keepHelper(pasta, until: watched)
  }
}
