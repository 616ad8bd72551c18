import SpecParser

/// Reads what each `[namespaces] join` entry names, read-only: a live sandbox's state record (``SandboxRecord``, in
/// the caller's ``StateDirectory``, loaded by ``SandboxRecordReader`` as every command loads one) and whether its init still runs (pid and start time), or a path; then the
/// namespace file itself (ioctl_ns(2)). What it finds is only what `plan` reports: `run` opens the file again and
/// checks the process again when it joins.
struct JoinTargetReader<Reader: SystemReader> {
  let reader: Reader

  /// One observation per join, by namespace.
  func read(for spec: Spec) -> [Namespace: JoinObservation] {
    guard !spec.joins.isEmpty else { return [:] }
    let state = StateDirectory.forCaller(euid: reader.effectiveUserID(), environment: reader.environment())
    var result: [Namespace: JoinObservation] = [:]
    for join in spec.joins {
      var observation = locate(join, in: state)
      if observation.problem == nil { inspect(join.namespace, &observation) }
      result[join.namespace] = observation
    }
    return result
  }

  /// Where the namespace file is: a live sandbox's init's `/proc/PID/ns/TYPE`, a process's, or the path.
  private func locate(_ join: NamespaceJoin, in state: StateDirectory) -> JoinObservation {
    switch join.target {
    case .sandbox(let name): return sandbox(name, join.namespace, in: state)
    case .path(let path):
      guard let pid = Self.processID(inProcPath: path, join.namespace) else {
        return JoinObservation(file: .path(path: path))
      }
      guard let identity = ProcessIdentity.current(of: pid, reader: reader) else {
        return JoinObservation(file: .path(path: path), problem: "\(path): no process \(pid) is running")
      }
      return JoinObservation(file: .process(pid: pid, startTime: identity.startTime))
    }
  }

  private func sandbox(_ name: String, _ namespace: Namespace, in state: StateDirectory) -> JoinObservation {
    let missing = NamespaceFile.unresolvedSandbox(name: name)
    guard let sandboxName = try? SandboxName(validating: name) else {
      return JoinObservation(file: missing, problem: "'\(name)' is not a sandbox name")
    }
    let path = state.record(of: sandboxName)
    // As every command loads a record: no symlink on the way, and one naming another sandbox is refused.
    let found: SandboxRecord?
    do { found = try SandboxRecordReader(directory: state, reader: reader).load(sandboxName) } catch {
      if case .unreadable(let error, let path) = error {
        return JoinObservation(file: missing, problem: "sandbox '\(name)': \(error.description) (\(path))")
      }
      return JoinObservation(file: missing, problem: "sandbox '\(name)': \(error.description)")
    }
    guard let record = found else {
      return JoinObservation(file: missing, problem: "no sandbox named '\(name)' is up (no state at \(path))")
    }
    let holder = record.initProcess
    guard holder.isAlive(reader: reader) else {
      let now = ProcessIdentity.current(of: holder.pid, reader: reader)
      let reason =
        now == nil
        ? "its init (pid \(holder.pid)) has ended"
        : "pid \(holder.pid) now belongs to another process (start time \(now?.startTime ?? 0), not \(holder.startTime)): the pid was recycled"
      return JoinObservation(
        file: missing, problem: "sandbox '\(name)' is dead: \(reason); `nsbuild down \(name)` removes it")
    }
    let file = NamespaceFile.process(pid: holder.pid, startTime: holder.startTime)
    // The record names the namespaces `up` made; one that differs now was not made by that sandbox.
    if let recorded = record.namespaceIDs[namespace.procName],
      let now = try? reader.namespaceFile(file.path(for: namespace)), now.id != recorded
    {
      return JoinObservation(
        file: file, info: now,
        problem:
          "sandbox '\(name)': its init's \(namespace.rawValue) namespace is \(now.id), not \(recorded) as recorded")
    }
    return JoinObservation(file: file)
  }

  /// Reads the namespace file: it must be one, of the joined type.
  private func inspect(_ namespace: Namespace, _ observation: inout JoinObservation) {
    let path = observation.file.path(for: namespace)
    do {
      let info = try reader.namespaceFile(path)
      observation.info = info
      if info.type != namespace {
        observation.problem =
          "\(path) is a \(info.type.rawValue) namespace (\(info.id)), not a \(namespace.rawValue) namespace"
      }
    } catch {
      observation.problem =
        error.errno == ErrnoNames.ENOENT
        ? "\(path) does not exist"
        : error.call == "ioctl" || error.errno == 25 || error.errno == ErrnoNames.EINVAL
          ? "\(path) is not a namespace file (ioctl_ns(2) NS_GET_NSTYPE: \(ErrnoNames.name(error.errno)))"
          : "\(path): \(error)"
    }
  }

  /// `PID` in `/proc/PID/ns/NAME` with `namespace`'s link name, the one form whose process `run` checks again by its
  /// start time; any other path is opened as it is (and one of another type refused by its type).
  static func processID(inProcPath path: String, _ namespace: Namespace) -> Int32? {
    let parts = path.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 5, parts[0].isEmpty, parts[1] == "proc", parts[3] == "ns", parts[4] == namespace.procName,
      let pid = Int32(parts[2]), pid > 0
    else { return nil }
    return pid
  }
}
