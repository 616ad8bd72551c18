/// Why no target plan could be made.
public enum TargetPlanError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The sandbox's init (pid with its start time) no longer runs.
  case notRunning(String, pid: Int32)
  /// The init's namespace `namespace` is no longer the one the record names.
  case otherNamespaces(String, namespace: String, recorded: String, live: String)
  /// `[process]` changed, and the new main command cannot be planned: why.
  case mainCommand(String, String)
  /// The spec joins the namespaces of the sandbox `target`, which is not running (no state, or its init ended).
  case joinTargetNotRunning(String, target: String)

  public var description: String {
    switch self {
    case .notRunning(let name, let pid):
      "sandbox '\(name)' is not running: its init (pid \(pid)) is gone; `nsbuild down \(name)` cleans it up"
    case .otherNamespaces(let name, let namespace, let recorded, let live):
      "sandbox '\(name)': its init's \(namespace) namespace is \(live), not \(recorded) as recorded; it is not planned against"
    case .mainCommand(let name, let why):
      "sandbox '\(name)': [process] changed, and its new main command cannot be planned: \(why)"
    case .joinTargetNotRunning(let name, let target):
      "sandbox '\(name)': join target \(target) is not running, so the namespaces the spec joins cannot be compared "
        + "with the ones it holds; `nsbuild up` \(target) again (then `apply --replace` joins the new one), or drop "
        + "the join from the spec"
    }
  }
}
