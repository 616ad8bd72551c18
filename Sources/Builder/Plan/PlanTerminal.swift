/// `run -t` (`[process] terminal`): the command's own pseudo-terminal (pty(7)), as `docker run -t` and
/// systemd-nspawn give one. nsbuild opens it on the host's /dev/ptmx before it forks the sandbox process (a devpts
/// the sandbox mounts is not there yet, and a ptmx opened inside would be reached through the sandbox's tree); the
/// sandbox process takes the replica as its fds 0, 1 and 2 at once, so no process of the sandbox holds the caller's
/// terminal; the command makes it its controlling terminal; nsbuild relays it to its caller's terminal in raw mode.
extension Planner {
  /// The name init gives itself (prctl(2) PR_SET_NAME, at most 15 bytes, and its argument strings), so the sandbox
  /// sees no host command line in `/proc/1/cmdline`.
  static let initName = "nsbuild-init"

  func terminalStep() -> Step {
    Step(
      kind: .terminal, actor: .parent, subject: .processAttribute(attribute: .terminal),
      calls: [.openPseudoTerminal, .copyWindowSize], change: .create,
      reason:
        "before the sandbox process is forked, which inherits it; the pseudo-terminal takes the size of the caller's terminal",
      origin: origin("process.terminal"))
  }

  func relayStep() -> Step {
    Step(
      kind: .relay, actor: .parent, subject: .processAttribute(attribute: .terminal), calls: [.relayTerminal],
      change: .create,
      reason:
        "while the command runs; the caller's terminal is raw until the sandbox process ends, then as it was, however the command ended",
      origin: origin("process.terminal"))
  }
}
