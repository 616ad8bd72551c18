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
