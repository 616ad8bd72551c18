import Builder
import SpecParser

/// Reports a failed step: which step, which call, the errno by name, the spec line, and a hint where one is known.
struct FailureReport {
  let plan: Plan
  let loaded: LoadedSpec
  let terminal: Terminal

  func print(_ failure: StepFailure) {
    terminal.err(render(failure, color: terminal.colorEnabled(fd: 2)))
  }

  /// `FILE:LINE:COL: error: step N/M TITLE: PATH: CALL(2): ERRNO (text)`, the spec line with a caret, and a hint;
  /// `nsbuild: error: …` for a step that comes from no spec line.
  func render(_ failure: StepFailure, color: Bool = false) -> String {
    guard let step = plan.steps.first(where: { $0.id == failure.stepID }) else {
      return "nsbuild: error: \(TerminalText.printable(failure.error.description))\n"
    }
    let message = "step \(step.id)/\(plan.steps.count) \(step.title): \(failure.error)"
    // The failed call's own spec position: for the step that opens every host path, the entry naming that path.
    guard let origin = step.origin(ofCall: failure.callIndex) else {
      return "nsbuild: error: \(TerminalText.printable(message))\n"
        + (hint(step, failure).map { "  = help: \($0)\n" } ?? "")
        + notes(step, indent: "  ")
    }
    let diagnostic = Diagnostic(
      .error, code: "step-failed", message: message, file: loaded.path, range: origin, hint: hint(step, failure))
    // Aligned under the renderer's `= help:`, which follows a gutter as wide as the line number.
    let indent = String(repeating: " ", count: String(origin.start.line).count + 2)
    return DiagnosticRenderer(color: color).render([diagnostic], source: loaded.source)
      + notes(step, indent: indent, at: origin)
  }

  /// The warnings `plan` gave about this very step (see ``PlanWarning/explains``): the cause it already knew, with
  /// its spec position when that is not the error's own.
  private func notes(_ step: Step, indent: String, at shown: SourceRange? = nil) -> String {
    plan.warnings.filter { $0.stepIDs.contains(step.id) }.map { warning in
      let place =
        warning.origin.flatMap { $0 == shown ? nil : " at \(loaded.path):\($0.start.line):\($0.start.column)" } ?? ""
      return indent
        + "= note: plan warned\(TerminalText.printable(place)): \(TerminalText.printable(warning.message))\n"
    }.joined()
  }

  static func isHelper(_ call: Syscall) -> Bool {
    if case .idMapHelper = call { return true }
    return false
  }

  /// Whether the call that failed opens the root folder (the only host path opened as a folder, through no symlink).
  private func isRootFolder(_ step: Step, _ failure: StepFailure) -> Bool {
    guard step.operations.indices.contains(failure.callIndex) else { return false }
    if case .openDirectoryNoSymlinks = step.operations[failure.callIndex].call { return true }
    return false
  }

  /// A walk on the host's tree that met a symlink to nothing (see InRootWalk): the target exists as far as the link.
  private func isDanglingLink(_ failure: StepFailure) -> Bool {
    failure.error.path?.hasSuffix(": its destination does not exist, and on the host's tree nsbuild makes none")
      ?? false
  }

  private var inUserNamespace: Bool { plan.steps.contains { $0.kind == .uidMap } }

  private func hint(_ step: Step, _ failure: StepFailure) -> String? {
    let errno = failure.error.errno
    switch (step.kind, errno) {
    case (.exec, ErrnoNames.ENOENT): return "the command was not found (check [process] args and PATH inside)"
    case (.exec, ErrnoNames.EACCES): return "the command is not executable, or a mount is noexec"
    case (.unshare, ErrnoNames.EINVAL): return "unshare(CLONE_NEWUSER) needs a single-threaded caller"
    case (.unshare, ErrnoNames.EPERM) where !plan.steps.contains { $0.kind == .uidMap }:
      return "creating namespaces needs root, or a user namespace: add \"user\" to [namespaces] unshare"
    case (.unshare, ErrnoNames.EPERM), (.unshare, 28):
      return "user namespaces may be disabled (sysctl user.max_user_namespaces, AppArmor) or need root"
    case (.mount, ErrnoNames.EPERM) where step.title.hasPrefix("mount proc"):
      return
        "proc cannot be mounted in a user namespace when the host /proc is partly covered, or read-only while this one is not, or without a pid namespace owned by it"
    case (.mount, ErrnoNames.EPERM) where step.title.hasPrefix("mount sysfs"):
      return
        "sysfs cannot be mounted in a user namespace when the host /sys is partly covered, or read-only while this one is not, or without a net namespace owned by it"
    case (.mount, ErrnoNames.EBUSY) where step.title.hasPrefix("mount sysfs"):
      return
        "without a net namespace a fresh sysfs is the host's, which the kernel will not mount again where it already is: add \"net\" to [namespaces] unshare, or bind the host's /sys read-only instead"
    case (.mount, ErrnoNames.ENOENT) where isDanglingLink(failure),
      (.file, ErrnoNames.ENOENT) where isDanglingLink(failure):
      return
        "a symlink on the way leads to a path that does not exist, and on the host's tree nsbuild makes no folder through a symlink: make its destination first, or name the real path in the spec"
    case (.mount, ErrnoNames.ENOENT): return "the mount target (or bind source) does not exist"
    case (.mount, ErrnoNames.EACCES) where inUserNamespace, (.file, ErrnoNames.EACCES) where inUserNamespace:
      return
        "in a user namespace the sandbox's root is, on the host, the ID its map gives 0: give the folder to that owner (chown), or map the folder's owner in"
    case (.sources, ErrnoNames.ENOENT): return "a host path the spec names does not exist; nsbuild does not make it"
    case (.sources, ErrnoNames.ELOOP) where isRootFolder(step, failure),
      (.sources, ErrnoNames.ENOTDIR) where isRootFolder(step, failure):
      return "the root folder must be a real folder: it or a folder above it is a symlink (or not a folder)"
    case (.sources, ErrnoNames.ELOOP):
      return
        "a symlink is on the way that plan did not follow (another user could change it, or it appeared since): name the real path"
    case (.mount, ErrnoNames.ELOOP), (.file, ErrnoNames.ELOOP), (.readonlyRoot, ErrnoNames.ELOOP):
      return
        "nsbuild follows no symlink beneath a bind or an overlay, nor one on the host's tree that plan did not show: name the real path"
    case (.mount, ErrnoNames.EWOULDBLOCK):
      return "another nsbuild run was taking this mount point back at that moment; run again"
    case (.timeOffsets, ErrnoNames.ERANGE):
      return "an offset may not take the clock below zero or past the kernel's limit (time_namespaces(7))"
    case (.gidMap, ErrnoNames.EPERM)
    where plan.steps.contains { $0.calls == [.writeProcFile(file: "setgroups", contents: "allow")] }:
      return "without root, gid_map can only be written after setgroups is denied: remove setgroups = \"allow\""
    case (.uidMap, ErrnoNames.EPERM) where step.calls.contains(where: Self.isHelper),
      (.gidMap, ErrnoNames.EPERM) where step.calls.contains(where: Self.isHelper):
      return
        "the helper refused the map: each range outside your own ID must lie in your /etc/subuid (/etc/subgid) ranges"
    case (.uidMap, ErrnoNames.EPERM), (.gidMap, ErrnoNames.EPERM):
      return "without root, only your own ID can be mapped (one line, count 1)"
    default: return nil
    }
  }
}
