/// How a process tells that its parent died before its PR_SET_PDEATHSIG took effect (``Syscall/checkParent``).
///
/// getppid(2) names the parent as this process's pid namespace sees it, and reads 0 when the parent lies outside
/// it: init, forked into a new pid namespace, cannot tell its parent's death by it. Init gets a lifeline instead: the
/// read end of a pipe whose one write end its parent holds, which reads as hung up (poll(2) POLLHUP) once the parent
/// is gone, however it died.
struct ParentLink: Sendable, Hashable {
  /// The lifeline's read end, for init.
  var lifeline: Int32?
  /// The parent's pid as getppid(2) reads it while the parent lives; nil in nsbuild itself, whose parent is the one
  /// it had when it started.
  var parentPID: Int32?

  /// Whether the parent is gone.
  func parentIsGone<Kernel: LinuxKernel>(_ kernel: Kernel) -> Bool {
    if let lifeline { return kernel.hasHungUp(lifeline) }
    return kernel.parentProcessID() != (parentPID ?? kernel.startParentProcessID())
  }
}
