import CShim
import Glibc

extension RealKernel {
  /// ``CommandSpawn`` laid out as nsb_spawn_command reads it, then the clone(2). Nothing laid out is freed: the child
  /// reads it, in the memory it shares with this process, until its execve(2) or exit, which this process does not
  /// wait for (a few kilobytes, once a sandbox).
  public func spawnCommand(_ spawn: CommandSpawn) throws(SyscallError) -> Int32 {
    let ops = UnsafeMutablePointer<nsb_spawn_op>.allocate(capacity: max(spawn.operations.count, 1))
    for (index, operation) in spawn.operations.enumerated() {
      ops[index] = Self.op(operation)
    }
    let program = UnsafeMutablePointer<nsb_spawn_program>.allocate(capacity: 1)
    program.initialize(to: Self.program(spawn.program))
    let description = UnsafeMutablePointer<nsb_spawn>.allocate(capacity: 1)
    description.initialize(
      to: nsb_spawn(
        ops: UnsafePointer(ops), count: Int32(spawn.operations.count), program: UnsafePointer(program),
        report: spawn.report ?? -1))
    fflush(nil)
    return try retry("clone") { nsb_spawn_command(description) }
  }

  public func awaitSpawnedRelease() { _ = nsb_spawn_await_release() }

  private static func op(_ operation: CommandSpawn.Operation) -> nsb_spawn_op {
    var op = nsb_spawn_op()
    op.fd = -1
    op.fd2 = -1
    if let report = operation.failure { op.failure = record(report) }
    switch operation.call {
    case .close(let fd): (op.kind, op.fd) = (Int32(NSB_SPAWN_CLOSE.rawValue), fd)
    case .setsid: op.kind = Int32(NSB_SPAWN_SETSID.rawValue)
    case .setControllingTerminal(let fd): (op.kind, op.fd) = (Int32(NSB_SPAWN_CONTROLLING_TERMINAL.rawValue), fd)
    case .setrlimit(let resource, let soft, let hard):
      (op.kind, op.number, op.a, op.b) = (Int32(NSB_SPAWN_RLIMIT.rawValue), resource, soft, hard)
    case .keepCapabilities: op.kind = Int32(NSB_SPAWN_KEEP_CAPABILITIES.rawValue)
    case .dropBoundingSet(let keep): (op.kind, op.a) = (Int32(NSB_SPAWN_BOUNDING_SET.rawValue), keep)
    case .setgroups(let groups):
      let list = UnsafeMutablePointer<UInt32>.allocate(capacity: max(groups.count, 1))
      for (index, group) in groups.enumerated() { list[index] = group }
      (op.kind, op.groups, op.count) = (Int32(NSB_SPAWN_SETGROUPS.rawValue), UnsafePointer(list), Int32(groups.count))
    case .setresgid(let gid): (op.kind, op.number) = (Int32(NSB_SPAWN_SETRESGID.rawValue), Int32(bitPattern: gid))
    case .setresuid(let uid): (op.kind, op.number) = (Int32(NSB_SPAWN_SETRESUID.rawValue), Int32(bitPattern: uid))
    case .setParentDeathSignal(let signal):
      (op.kind, op.number) = (Int32(NSB_SPAWN_PARENT_DEATH_SIGNAL.rawValue), signal)
    case .checkParentPID(let pid): (op.kind, op.number) = (Int32(NSB_SPAWN_CHECK_PARENT_PID.rawValue), pid)
    case .checkLifeline(let fd): (op.kind, op.fd) = (Int32(NSB_SPAWN_CHECK_LIFELINE.rawValue), fd)
    case .capset(let caps): (op.kind, op.a) = (Int32(NSB_SPAWN_CAPSET.rawValue), caps)
    case .raiseAmbient(let caps): (op.kind, op.a) = (Int32(NSB_SPAWN_RAISE_AMBIENT.rawValue), caps)
    case .setNoNewPrivs: op.kind = Int32(NSB_SPAWN_NO_NEW_PRIVS.rawValue)
    case .umask(let mask): (op.kind, op.number) = (Int32(NSB_SPAWN_UMASK.rawValue), Int32(bitPattern: mask))
    case .chdir(let path): (op.kind, op.path) = (Int32(NSB_SPAWN_CHDIR.rawValue), UnsafePointer(strdup(path)))
    case .pause(let ready, let go): (op.kind, op.fd, op.fd2) = (Int32(NSB_SPAWN_PAUSE.rawValue), ready, go)
    case .checkProgram: op.kind = Int32(NSB_SPAWN_CHECK_PROGRAM.rawValue)
    case .closeOnExec(let first): (op.kind, op.number) = (Int32(NSB_SPAWN_CLOEXEC_FROM.rawValue), first)
    case .execve: op.kind = Int32(NSB_SPAWN_EXECVE.rawValue)
    }
    return op
  }

  private static func program(_ program: CommandSpawn.Program) -> nsb_spawn_program {
    let records = UnsafeMutablePointer<nsb_spawn_record>.allocate(capacity: max(program.failures.count, 1))
    for (index, report) in program.failures.enumerated() { records[index] = record(report) }
    var result = nsb_spawn_program()
    result.argv = UnsafePointer(strings(program.args))
    result.envp = UnsafePointer(strings(program.env))
    result.candidates = UnsafeRawPointer(strings(program.candidates)).assumingMemoryBound(
      to: UnsafePointer<CChar>?.self)
    result.count = Int32(program.candidates.count)
    result.search = program.search ? 1 : 0
    result.records = UnsafePointer(records)
    result.ready = ChainMessage.ready.encoded.first ?? 1
    return result
  }

  /// A NULL-terminated array of copies of `strings`.
  private static func strings(_ strings: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
    let array = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: strings.count + 1)
    for (index, string) in strings.enumerated() { array[index] = strdup(string) }
    array[strings.count] = nil
    return array
  }

  /// The failure's message with errno 0, which the child fills in.
  private static func record(_ report: CommandSpawn.Report) -> nsb_spawn_record {
    let bytes = ChainMessage.failed(report.failure).encoded
    let copy = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count)
    copy.initialize(from: bytes, count: bytes.count)
    return nsb_spawn_record(
      bytes: copy, length: bytes.count, errno_offset: ChainMessage.failedErrnoOffset, status: report.status,
      status_not_found: report.statusIfNotFound)
  }
}
