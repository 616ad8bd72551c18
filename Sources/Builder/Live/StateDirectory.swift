/// Where live sandboxes' state lives, one folder per sandbox, as runc and crun keep theirs: `/run/nsbuild` for root,
/// and for any other user `$XDG_RUNTIME_DIR/nsbuild` (or `/run/user/UID/nsbuild` when that variable is unset), a
/// tmpfs only that user can write, emptied at boot, as the namespaces it describes are.
public struct StateDirectory: Sendable, Hashable {
  /// The folder holding one folder per sandbox.
  public let path: String

  public init(path: String) {
    self.path = path
  }

  /// The state folder of a caller with effective user ID `euid` and `environment` (`NAME=value` strings).
  /// `NSBUILD_STATE_DIR`, when set to an absolute path, is used instead (tests, and several independent sets of
  /// sandboxes side by side, as runc's `--root`).
  public static func forCaller(euid: UInt32, environment: [String]) -> StateDirectory {
    if let given = environment.first(where: { $0.hasPrefix("NSBUILD_STATE_DIR=/") }) {
      return StateDirectory(path: String(given.dropFirst(18)))
    }
    if euid == 0 { return StateDirectory(path: "/run/nsbuild") }
    let runtime = environment.first { $0.hasPrefix("XDG_RUNTIME_DIR=") }.map { String($0.dropFirst(16)) }
    guard let runtime, runtime.hasPrefix("/") else { return StateDirectory(path: "/run/user/\(euid)/nsbuild") }
    return StateDirectory(path: (runtime.hasSuffix("/") ? String(runtime.dropLast()) : runtime) + "/nsbuild")
  }

  /// The folder of sandbox `name`.
  public func folder(of name: SandboxName) -> String { path + "/" + name.rawValue }
  /// Its ``SandboxRecord``.
  public func record(of name: SandboxName) -> String { folder(of: name) + "/" + Self.recordFile }
  /// The name of a ``SandboxRecord`` in its sandbox's folder.
  public static var recordFile: String { "state.json" }
  /// The file `apply`, `exec`'s setup and `down` hold an exclusive flock(2) on, so they serialize.
  public func lock(of name: SandboxName) -> String { folder(of: name) + "/lock" }
}
