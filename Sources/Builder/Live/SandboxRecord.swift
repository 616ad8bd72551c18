import FoundationEssentials

/// What nsbuild keeps of a live sandbox, as `state.json` in its ``StateDirectory`` folder: enough to find its init
/// again (and to tell it from a recycled pid), to show it in `ls` and `status`, and to plan against it (the plan last
/// applied, in its Codable form). Written whole and atomically by `up` and `apply`; read by every other command.
public struct SandboxRecord: Sendable, Hashable, Codable {
  /// The version of this document; a record of another version is refused with a message, never misread.
  public static let formatVersion = 1

  public var formatVersion: Int = Self.formatVersion
  public var name: SandboxName
  /// The spec file `up` or the last `apply` read, as an absolute path.
  public var specPath: String
  /// When the spec came through a pipe (`nsbuild up /dev/stdin`, `<(…)`): the folder its relative paths resolve in
  /// (the current directory then). ``specPath`` then names no file to read again (reading `/dev/stdin` would read
  /// the caller's own input), and ``specSource`` is the spec. Nil for a spec file.
  public var specFolder: String?
  /// The SHA-256 of that file's bytes when it was applied, in lower-case hex (`sha256sum`'s form).
  public var specDigest: String
  /// The spec file's text as `up` or the last `apply` read it (the bytes ``specDigest`` names, as UTF-8): what `exec`
  /// plans with when the file is gone or no longer a valid spec, and what `status` compares the file with. Nil in
  /// a record that predates the field.
  public var specSource: String?
  /// When `up` made the sandbox and when a plan was last applied to it, in seconds since the Unix epoch (UTC).
  public var createdAt: Int64
  public var appliedAt: Int64
  /// The sandbox's init (the holder of its namespaces), as nsbuild sees it from the host.
  public var initProcess: ProcessIdentity
  /// The sandbox's namespaces as `readlink /proc/PID/ns/NAME` shows them (`net:[4026532210]`), by namespace name
  /// (`net`, `mnt`, …): what `status` shows and what tells, before a join, that they are still the ones made.
  public var namespaceIDs: [String: String]
  /// The effective user ID that made the sandbox: 0, or a rootless caller whose state lives in its runtime folder.
  public var ownerUID: UInt32
  /// The plan `up` or the last `apply` carried out: what `plan --target` compares the spec and the sandbox with.
  public var plan: Plan
  /// The sandbox process: init's parent on the host, which stays outside the new root, holds the locks on host mount
  /// points and is in the sandbox's mount namespace too; `down` waits for it to end after init. Nil in a record that
  /// did not keep it.
  public var sandboxProcess: ProcessIdentity?
  /// True while the plan recorded has `[process]` settings the running main command was not started with: written
  /// by `apply` before it replaces the main command (so a replacement that failed, or an nsbuild killed halfway,
  /// leaves it marked), or by an earlier nsbuild's apply, which did not replace it. `plan --target` marks the main
  /// command `-/+` until an apply replaces it. Absent (nil) otherwise: the main command runs as `plan` says.
  public var mainCommandOutdated: Bool?
  /// The main command now running, as the host sees it: the one `up` started (init's child), or the one the last
  /// `apply` started anew. Nil with no main command, or in a record that predates the field.
  public var mainCommand: ProcessIdentity?
  /// The keeper of a main command `apply` started anew: the joiner that forked it, outside the sandbox, which waits
  /// for it and ends the sandbox when it ends; `down` waits for it too. Nil while init keeps the main command (the
  /// one `up` started).
  public var mainKeeper: ProcessIdentity?
  /// The mounts of the sandbox's mount namespace when `up` or the last `apply` ended (``RecordedMount``): a mount
  /// standing now that is not among them, at a path the plan mounts nothing on, was made by hand
  /// (``DriftReport/handMadeMounts(_:_:baseline:)``). Nil in a record that predates the field: only mounts made by
  /// hand beneath the plan's mounts are found then.
  public var mounts: [RecordedMount]?
  /// `[net.pasta]`: pasta(1), started for the sandbox by `up` (or the apply that replaced it), which outlives
  /// nsbuild and ends with the sandbox process; `down` ends it by this pid and start time, also when init is
  /// already dead. Nil without pasta, or in a record that predates the field.
  public var pasta: ProcessIdentity?

  public init(
    name: SandboxName, specPath: String, specDigest: String, createdAt: Int64, appliedAt: Int64,
    initProcess: ProcessIdentity, namespaceIDs: [String: String], ownerUID: UInt32, plan: Plan,
    sandboxProcess: ProcessIdentity? = nil, specSource: String? = nil
  ) {
    self.sandboxProcess = sandboxProcess
    self.specSource = specSource
    self.name = name
    self.specPath = specPath
    self.specDigest = specDigest
    self.createdAt = createdAt
    self.appliedAt = appliedAt
    self.initProcess = initProcess
    self.namespaceIDs = namespaceIDs
    self.ownerUID = ownerUID
    self.plan = plan
  }

  /// Whether the sandbox has a main command (`up` with `[process] args`): its plan execs one rather than holding.
  public var hasMainCommand: Bool { plan.steps.contains { $0.kind == .exec } }

  /// The record as `state.json` holds it: JSON with sorted keys.
  /// - Throws: `EncodingError` (not expected: every value is encodable).
  public func encoded() throws -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return Array(try encoder.encode(self))
  }

  /// Reads a `state.json`.
  /// - Throws: ``SandboxRecordError/otherVersion(_:)`` for another format version, ``SandboxRecordError/unreadable(_:)``
  ///   for anything that is not such a record.
  public static func decode(_ bytes: [UInt8]) throws(SandboxRecordError) -> SandboxRecord {
    struct Version: Decodable { var formatVersion: Int }
    let data = Data(bytes)
    let version: Version
    do { version = try JSONDecoder().decode(Version.self, from: data) } catch DecodingError.dataCorrupted {
      throw .unreadable("it is not valid JSON (an empty, truncated or garbled file)")
    } catch { throw .unreadable("not a sandbox record (no formatVersion)") }
    guard version.formatVersion == formatVersion else { throw .otherVersion(version.formatVersion) }
    let record: SandboxRecord
    do { record = try JSONDecoder().decode(SandboxRecord.self, from: data) } catch let error as DecodingError {
      throw .unreadable(Self.describe(error))
    } catch { throw .unreadable("\(error)") }
    if let problem = record.problem { throw .unreadable(problem) }
    return record
  }

  /// The latest time a record may hold: 9999-12-31T23:59:59Z, the last second ISO 8601's four-digit years name.
  public static let latestTime: Int64 = 253_402_300_799

  /// What no nsbuild writes and no command may act on, in a sentence naming the key; nil for a sound record: a
  /// time before the epoch or after ``latestTime`` (printed as a date by `ls` and `status`), a pid that is not a
  /// process's (0 and negative pids name process groups to kill(2); pid 0 is no process in /proc).
  var problem: String? {
    for (key, time) in [("createdAt", createdAt), ("appliedAt", appliedAt)] where !(0...Self.latestTime).contains(time)
    {
      return "`\(key)` is \(time), not a time from 1970 to 9999 (seconds since the epoch)"
    }
    let processes: [(String, ProcessIdentity?)] = [
      ("initProcess", initProcess), ("sandboxProcess", sandboxProcess), ("mainCommand", mainCommand),
      ("mainKeeper", mainKeeper), ("pasta", pasta),
    ]
    for case (let key, .some(let process)) in processes where process.pid <= 0 {
      return "`\(key).pid` is \(process.pid), not a process id (1 or more)"
    }
    return nil
  }

  /// A decoding error as a sentence naming the key path (`initProcess.pid`) and what is wrong there.
  static func describe(_ error: DecodingError) -> String {
    let context: DecodingError.Context
    let what: String
    switch error {
    case .typeMismatch(let type, let given):
      context = given
      what = "is not of type \(type)"
    case .valueNotFound(let type, let given):
      context = given
      what = "has no value of type \(type)"
    case .keyNotFound(let key, let given):
      context = given
      what = "lacks key `\(key.stringValue)`"
    case .dataCorrupted(let given):
      context = given
      what = "cannot be read"
    @unknown default:
      return "\(error)"
    }
    let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    return (path.isEmpty ? "the record" : "`\(path)`") + " \(what): \(context.debugDescription)"
  }
}

/// A process told apart from any later one that reuses its pid: the pid, and the time it started after boot
/// (`/proc/PID/stat` field 22, `starttime`, in clock ticks; proc(5)), as runc and crun keep theirs.
public struct ProcessIdentity: Sendable, Hashable, Codable {
  public var pid: Int32
  public var startTime: UInt64

  public init(pid: Int32, startTime: UInt64) {
    self.pid = pid
    self.startTime = startTime
  }

  private enum CodingKeys: String, CodingKey {
    case pid, startTime
  }

  /// Decodes a pid out of `Int32`'s range as an error at its key (`initProcess.pid`), not as JSON that cannot be
  /// read at all.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let pid = try container.decode(Int64.self, forKey: .pid)
    guard let valid = Int32(exactly: pid) else {
      throw DecodingError.dataCorruptedError(
        forKey: .pid, in: container, debugDescription: "\(pid) is not a process id (1 to \(Int32.max))")
    }
    self.pid = valid
    self.startTime = try container.decode(UInt64.self, forKey: .startTime)
  }
}

/// Why a `state.json` could not be read as a ``SandboxRecord``.
public enum SandboxRecordError: Error, Sendable, Hashable, CustomStringConvertible {
  /// Written by another version of nsbuild, with this format version.
  case otherVersion(Int)
  case unreadable(String)

  public var description: String {
    switch self {
    case .otherVersion(let version):
      "the sandbox's state has format version \(version); this nsbuild reads version \(SandboxRecord.formatVersion)"
    case .unreadable(let reason): "the sandbox's state cannot be read: \(reason)"
    }
  }
}
