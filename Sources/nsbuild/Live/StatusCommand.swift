import ArgumentParser
import Builder
import SpecParser

/// `nsbuild status NAME [--format json]`: one live sandbox in detail.
struct StatusCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "Show one sandbox `up` made: status, init's pid, namespaces, spec and times.",
    discussion: """
      The JSON form (format_version 1) has: name, status ("running", "dead", or "stranger": the recorded pid and \
      start time name a process outside the recorded namespaces, which is not the sandbox), problem (why it is not \
      running; absent when it is), pid (init's, as the host sees \
      it), sandbox_pid, main_pid (the main command's, as the host sees it: the one `up` started, or the one the \
      last apply started anew; absent without one), keeper_pid (the process outside the sandbox that waits for a \
      main command apply started and ends the sandbox when it ends; absent while init does), pasta ([net.pasta]: \
      {pid, running}, pasta's pid as the host sees it and whether that process, by pid and start time, still runs; \
      absent without pasta), namespaces (by name, readlink(2) of /proc/PID/ns/NAME as recorded at `up`), spec {path, \
      sha256, file: "unchanged", "changed", "gone", "unreadable" or "pipe" (a spec that came through a pipe, kept \
      in the record): the file at path now, next to the sha256 of \
      the bytes the last up or apply read}, created_at and applied_at (ISO 8601, UTC), and drift: what was changed inside by hand since the last \
      up or apply, each as {name, applied, live, restorable} (restorable: apply puts it back), [] when nothing; null \
      when the sandbox is dead and nothing can be read.

      Exit status: 0; 1 when there is no sandbox of that name.
      """
  )

  @Option(help: "Output format: text or json (versioned).")
  var format: OutputFormat = .text

  @Argument(help: "The sandbox's name.", completion: .liveSandbox)
  var name: String

  func run() throws {
    let terminal = Terminal()
    let sandbox = try terminal.sandboxName(name, failureCode: 1)
    let record: SandboxRecord
    do {
      guard let found = try terminal.sandboxStore.load(sandbox) else { throw SandboxStoreError.noSuchSandbox(sandbox) }
      record = found
    } catch { throw terminal.fail(error, failureCode: 1) }
    let check = LiveSandboxCheck.check(record, reader: terminal.kernel)
    let state = SandboxStatus(check)
    var status = StatusJSON(record, status: state, specFile: SpecFileState.read(record, reader: terminal.kernel))
    status.problem = check.problem(sandbox, pid: record.initProcess.pid)
    status.pasta = record.pasta.map { StatusJSON.PastaJSON(pid: $0.pid, running: $0.isAlive(reader: terminal.kernel)) }
    // Read from the live sandbox (its /proc, its UTS names); a dead one has nothing to compare.
    if state == .running {
      // A keeper killed: the sandbox runs on, its main command's end no longer ending it.
      status.problem = LiveSandboxCheck.mainKeeperProblem(record, reader: terminal.kernel)
      status.drift = DriftReport.read(record, reader: terminal.kernel).map(StatusJSON.DriftEntry.init)
    }
    switch format {
    case .json: terminal.out(try JSONText.encode(status) + "\n")
    case .text: terminal.out(status.lines.map { TerminalText.printable($0) + "\n" }.joined())
    }
  }
}

/// What `status --format json` prints.
struct StatusJSON: Encodable {
  static let formatVersion = 1

  struct SpecJSON: Encodable {
    var path: String
    var sha256: String
    /// ``SpecFileState``'s raw value: the file now, next to `sha256`.
    var file: String
  }

  var name: String
  var status: String
  var pid: Int32
  var sandboxPID: Int32?
  var mainPID: Int32?
  var keeperPID: Int32?
  /// `[net.pasta]`: pasta's pid and whether it still runs; nil without pasta.
  var pasta: PastaJSON?
  var namespaces: [String: String]
  var spec: SpecJSON
  var createdAt: String
  var appliedAt: String
  /// Why the sandbox is not running; nil when it is.
  var problem: String?
  /// How the spec file stands now, in words (text form only).
  var specFileNote: String
  /// Nil when it could not be read (a dead sandbox).
  var drift: [DriftEntry]?

  struct PastaJSON: Encodable {
    var pid: Int32
    var running: Bool
  }

  /// One difference between the live sandbox and what was applied.
  struct DriftEntry: Encodable {
    var name: String
    var applied: String
    var live: String
    var restorable: Bool

    init(_ drift: Drift) {
      name = DriftReport.name(of: drift.subject, kind: drift.kind)
      applied = drift.applied
      live = drift.live
      restorable = drift.restorable
    }
  }

  init(_ record: SandboxRecord, status: SandboxStatus, specFile: SpecFileState) {
    name = record.name.rawValue
    self.status = status.rawValue
    pid = record.initProcess.pid
    sandboxPID = record.sandboxProcess?.pid
    mainPID = record.mainCommand?.pid
    keeperPID = record.mainKeeper?.pid
    namespaces = record.namespaceIDs
    spec = SpecJSON(path: record.specPath, sha256: record.specDigest, file: specFile.rawValue)
    specFileNote = specFile.description
    createdAt = iso8601(record.createdAt)
    appliedAt = iso8601(record.appliedAt)
  }

  enum Keys: String, CodingKey {
    case formatVersion = "format_version", name, status, problem, pid, sandboxPID = "sandbox_pid", mainPID = "main_pid"
    case keeperPID = "keeper_pid", pasta, namespaces, spec
    case createdAt = "created_at", appliedAt = "applied_at", drift
  }

  /// `drift` is always there: null when it could not be read.
  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: Keys.self)
    try container.encode(Self.formatVersion, forKey: .formatVersion)
    try container.encode(name, forKey: .name)
    try container.encode(status, forKey: .status)
    try container.encodeIfPresent(problem, forKey: .problem)
    try container.encode(pid, forKey: .pid)
    try container.encodeIfPresent(sandboxPID, forKey: .sandboxPID)
    try container.encodeIfPresent(mainPID, forKey: .mainPID)
    try container.encodeIfPresent(keeperPID, forKey: .keeperPID)
    try container.encodeIfPresent(pasta, forKey: .pasta)
    try container.encode(namespaces, forKey: .namespaces)
    try container.encode(spec, forKey: .spec)
    try container.encode(createdAt, forKey: .createdAt)
    try container.encode(appliedAt, forKey: .appliedAt)
    if let drift { try container.encode(drift, forKey: .drift) } else { try container.encodeNil(forKey: .drift) }
  }

  var lines: [String] {
    var lines = [
      "name:     \(name)", "status:   \(status)", "pid:      \(pid)", "created:  \(createdAt)",
      "applied:  \(appliedAt)",
      "spec:     \(spec.path) (\(specFileNote))", "sha256:   \(spec.sha256)", "drift:    \(driftSummary)",
      "namespaces:",
    ]
    if let problem { lines.insert("problem:  \(problem)", at: 2) }
    if let mainPID {
      let keeper = keeperPID.map { "kept by pid \($0), started by apply" } ?? "kept by init"
      lines.insert("main:     \(mainPID) (\(keeper))", at: lines.firstIndex { $0.hasPrefix("created:") } ?? 3)
    }
    if let pasta {
      lines.insert(
        "pasta:    \(pasta.pid) (\(pasta.running ? "running" : "not running"))",
        at: lines.firstIndex { $0.hasPrefix("created:") } ?? 3)
    }
    lines += namespaces.keys.sorted().map { "  \($0): \(namespaces[$0] ?? "")" }
    lines += (drift ?? []).map { "drift: \($0.name): applied \($0.applied), now \($0.live)" }
    return lines
  }

  private var driftSummary: String {
    guard let drift else { return "unknown (the sandbox is not running)" }
    return drift.isEmpty ? "none" : "\(drift.count) change(s) made inside since the last up or apply"
  }
}
