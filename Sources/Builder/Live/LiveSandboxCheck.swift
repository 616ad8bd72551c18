/// Whether the process a ``SandboxRecord`` names is still that sandbox's init: the one check `status`, `ls`, `exec`,
/// `down` and `up` make before they trust a record (a record is a file, and a file can be written by hand or left
/// behind by a sandbox whose pid was reused).
///
/// The init is the sandbox's when its pid and start time (`/proc/PID/stat` field 22, proc(5)) are the recorded ones
/// and every namespace the record names is, by `readlink /proc/PID/ns/NAME` (namespaces(7)), the one `up` recorded.
public enum LiveSandboxCheck: Sendable, Hashable {
  /// The recorded init runs, in the recorded namespaces.
  case running
  /// The init has ended; `now` is the process that holds its pid now, if any.
  case dead(now: ProcessIdentity?)
  /// A process with the recorded pid and start time runs, but not in the recorded namespaces (or the record names
  /// none): not the sandbox, never to be signalled or entered. `mismatches` says which, e.g.
  /// `net: recorded net:[4026532210], now net:[4026531840]`.
  case stranger(mismatches: [String])

  /// Checks `record`'s init through `reader` (read-only), then the main command and keeper it names
  /// (``processMismatches(_:reader:)``): a record naming a process outside the sandbox is no sandbox's.
  public static func check<Reader: SystemReader>(_ record: SandboxRecord, reader: Reader) -> LiveSandboxCheck {
    let initCheck = checkInit(record, reader: reader)
    guard initCheck == .running else { return initCheck }
    let mismatches = processMismatches(record, reader: reader)
    return mismatches.isEmpty ? .running : .stranger(mismatches: mismatches)
  }

  /// Checks `record`'s init only: `down` ends a running init, and leaves a stranger main command or keeper alone
  /// (``processMismatches(_:reader:)``).
  public static func checkInit<Reader: SystemReader>(_ record: SandboxRecord, reader: Reader) -> LiveSandboxCheck {
    let holder = record.initProcess
    guard holder.isAlive(reader: reader) else {
      return .dead(now: successor(of: holder, reader: reader))
    }
    let now = SandboxProcesses.namespaceIDs(of: holder.pid, reader: reader)
    var mismatches: [String] = []
    if record.namespaceIDs.isEmpty { mismatches.append("the record names no namespace") }
    for (name, recorded) in record.namespaceIDs.sorted(by: { $0.key < $1.key }) where now[name] != recorded {
      mismatches.append("\(name): recorded \(recorded), now \(now[name] ?? "unreadable")")
    }
    // A namespace the sandbox made is not the caller's own: a record naming a process of the caller's is no sandbox.
    for namespace in record.plan.unsharedNamespaces
    where now[namespace.procName] != nil && now[namespace.procName] == reader.namespaceID(namespace) {
      mismatches.append("\(namespace.procName): the sandbox made its own, but the process is in nsbuild's")
    }
    // The links were read by pid: the process must still be the one checked, not one given its pid since.
    guard holder.isAlive(reader: reader) else {
      return .dead(now: successor(of: holder, reader: reader))
    }
    return mismatches.isEmpty ? .running : .stranger(mismatches: mismatches)
  }

  /// The process that holds `holder`'s pid now, if it is another one; nil when none does, or when it is `holder`
  /// itself, ended (a zombie its parent has not reaped yet: same pid and start time, state `Z`).
  static func successor<Reader: SystemReader>(of holder: ProcessIdentity, reader: Reader) -> ProcessIdentity? {
    guard let now = ProcessIdentity.current(of: holder.pid, reader: reader), now != holder else { return nil }
    return now
  }

  /// Why sandbox `name` is not running, in a sentence; nil when it is.
  public func problem(_ name: SandboxName, pid: Int32) -> String? {
    switch self {
    case .running: return nil
    case .dead(nil): return "sandbox '\(name)' is dead: its init (pid \(pid)) has ended"
    case .dead(.some(let now)):
      return
        "sandbox '\(name)' is dead: its init's pid \(pid) now names another process (started at \(now.startTime))"
    case .stranger(let mismatches):
      return
        "sandbox '\(name)': pid \(pid) is not its init: its namespaces are not the recorded ones (\(mismatches.joined(separator: "; ")))"
    }
  }

  /// Why the running main command and keeper `record` names are not the sandbox's, empty when they are (or are
  /// not running: a dead one is signalled by no one); see ``mismatch(of:_:link:in:reader:)``.
  public static func processMismatches<Reader: SystemReader>(_ record: SandboxRecord, reader: Reader) -> [String] {
    [
      record.mainCommand.flatMap { mismatch(of: $0, "main command", link: "pid", in: record, reader: reader) },
      record.mainKeeper.flatMap {
        mismatch(of: $0, "main command's keeper", link: "pid_for_children", in: record, reader: reader)
      },
    ].compactMap { $0 }
  }

  /// Why running `process` (its `role` in a sentence) is not in `record`'s sandbox; nil when it is, or does not
  /// run. The main command must be in the sandbox's pid namespace (`link` `pid`), and the keeper, which stays
  /// outside it, must fork into it (`pid_for_children`, set by setns(2); pid_namespaces(7)); when the sandbox made
  /// its own pid namespace, neither may be nsbuild's. So a record naming a host process never gets it signalled or
  /// prlimit-ed.
  public static func mismatch<Reader: SystemReader>(
    of process: ProcessIdentity, _ role: String, link: String, in record: SandboxRecord, reader: Reader
  ) -> String? {
    guard process.isAlive(reader: reader) else { return nil }
    let recorded = record.namespaceIDs["pid"]
    let own = record.plan.unsharedNamespaces.contains(.pid) ? reader.namespaceID(.pid) : nil
    let now = SandboxProcesses.namespaceIDs(of: process.pid, reader: reader)[link]
    // Read by pid: a process that ended meanwhile is no longer this one, and is signalled by no one.
    guard process.isAlive(reader: reader) else { return nil }
    guard recorded == nil || now != recorded || (own != nil && now == own) else { return nil }
    return "\(role) pid \(process.pid) is not in the sandbox: its \(link) namespace is \(now ?? "unreadable"), the "
      + "sandbox's is \(recorded ?? "not recorded")"
  }
}
