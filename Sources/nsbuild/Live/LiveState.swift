import ArgumentParser
import Builder
import Glibc
import SpecParser

/// What `up`, `down`, `ls` and `status` share: the caller's state store, a name from the command line, the time.
extension Terminal {
  /// The caller's state folder (see ``StateDirectory/forCaller(euid:environment:)``) as a store.
  var sandboxStore: SandboxStore<RealKernel> {
    SandboxStore(
      directory: StateDirectory.forCaller(euid: kernel.effectiveUserID(), environment: kernel.environment()),
      kernel: kernel)
  }

  /// `text` as a sandbox name; otherwise the reason on stderr, and exit `failureCode`.
  func sandboxName(_ text: String, failureCode: Int32) throws -> SandboxName {
    do { return try SandboxName(validating: text) } catch {
      err("nsbuild: error: \(TerminalText.printable(error.description))\n")
      throw ExitCode(failureCode)
    }
  }

  /// The name `up` gives the sandbox of spec `spec`: `given` (`--name`), or the spec's stem.
  func sandboxName(given: String?, spec: String, failureCode: Int32) throws -> SandboxName {
    if let given { return try sandboxName(given, failureCode: failureCode) }
    do { return try SandboxName.defaultName(forSpecAt: spec) } catch {
      throw fail("\(error); give one with --name", failureCode: failureCode)
    }
  }

  /// What `up` plans with for sandbox `name`: the log in its state folder.
  func liveLaunch(_ name: SandboxName) -> LiveLaunch {
    LiveLaunch(output: sandboxStore.directory.folder(of: name) + "/" + SandboxStore<RealKernel>.outputFile)
  }

  /// Prints `message` (an error, or text) on stderr; the exit code to throw.
  func fail(_ message: Any, failureCode: Int32) -> ExitCode {
    err("nsbuild: error: \(TerminalText.printable("\(message)"))\n")
    return ExitCode(failureCode)
  }
}

extension LoadedSpec {
  /// The spec's path as a record keeps it: the canonical path of a file; the path as given for a pipe (whose
  /// canonical path, `pipe:[…]`, names nothing).
  func recordedPath(_ reader: some SystemReader) -> String {
    pipeFolder == nil ? reader.realPath(path) ?? path : path
  }
}

/// Seconds since the Unix epoch (time(2)): a record's created and applied times.
func currentTime() -> Int64 { Int64(time(nil)) }

/// `seconds` since the Unix epoch as ISO 8601 in UTC, to the second: `2026-12-03T06:12:23Z`.
func iso8601(_ seconds: Int64) -> String {
  let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
  let second = seconds - days * 86_400
  // Days to a civil date (proleptic Gregorian), counting eras of 400 years from 0000-03-01.
  let shifted = days + 719_468
  let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
  let dayOfEra = shifted - era * 146_097
  let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
  let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
  let monthIndex = (5 * dayOfYear + 2) / 153
  let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
  let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
  let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
  func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
  return "\(year)-\(two(month))-\(two(day))T\(two(second / 3600)):\(two(second % 3600 / 60)):\(two(second % 60))Z"
}

/// Whether a recorded sandbox's init still runs (``LiveSandboxCheck``): `stranger` when the recorded pid and start
/// time name a process outside the recorded namespaces, which is not the sandbox.
enum SandboxStatus: String {
  case running, dead, stranger

  init(_ check: LiveSandboxCheck) {
    switch check {
    case .running: self = .running
    case .dead: self = .dead
    case .stranger: self = .stranger
    }
  }

  init(_ record: SandboxRecord, reader: some SystemReader) {
    self.init(LiveSandboxCheck.check(record, reader: reader))
  }
}
