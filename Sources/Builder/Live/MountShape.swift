/// What a planned mount step makes, read from its calls: its filesystem type and source, the attributes and
/// options it gets. `plan --target` compares two of these to tell a change made in place (options, propagation,
/// a tmpfs size or mode) from one that makes the mount anew (another source or type).
struct MountShape: Hashable {
  /// The filesystem type (`tmpfs`, `proc`…), `bind` for a bind, `overlay`.
  var fstype: String?
  /// A bind's host path.
  var source: String?
  /// The mount attributes set on the new mount (fsmount(2), or mount_setattr(2) on a detached bind).
  var attributes = MountAttributes()
  /// Whether those are set recursively (a recursive bind).
  var recursive = false
  /// fsconfig(2) string options by key (`size`, `mode`), nil for a flag.
  var options: [String: String?] = [:]
  /// The propagation calls made once it is attached.
  var propagation: [Syscall] = []
  /// The fd slot of the detached mount, and of the resolved mount point it is moved onto.
  var detachedSlot: Int?
  var targetSlot: Int?

  init(_ step: Step) {
    for call in step.calls { read(call) }
  }

  /// Same source and type: the difference can be made on the standing mount.
  func isSameMount(as other: MountShape) -> Bool { fstype == other.fstype && source == other.source }

  private mutating func read(_ call: Syscall) {
    switch call {
    case .fsopen(let fstype, _): if self.fstype == nil { self.fstype = fstype }
    case .fsconfigString(_, let key, let value): if detachedSlot == nil { options[key] = value }
    case .fsmount(_, let attributes, let slot, _):
      if detachedSlot == nil { (self.attributes, detachedSlot) = (attributes, slot) }
    case .openTree(_, let path, let recursive, let slot, _):
      if detachedSlot == nil { (fstype, source, self.recursive, detachedSlot) = ("bind", path, recursive, slot) }
    case .setattrAt(let slot, _, let recursive, let set, _):
      if slot == detachedSlot { (attributes, self.recursive) = (attributes.union(set), recursive) }
    case .moveMount(let from, let to, _): if from == detachedSlot, targetSlot == nil { targetSlot = to }
    case .setPropagation: propagation.append(call)
    case .mountAt(let source, _, _, let fstype, _, _):
      if self.fstype == nil {
        switch source {
        case .name(let name): self.fstype = fstype ?? name
        case .slot(_, let path): (self.fstype, self.source) = (fstype ?? "bind", path)
        }
      }
    case .mountOverlay: if fstype == nil { fstype = "overlay" }
    case .fork, .cloneVM, .setParentDeathSignal, .setDumpable, .checkParent, .forwardSignals, .unshare, .writeProcFile,
      .idMapHelper, .mount, .mountSetattr, .sethostname, .setdomainname, .openPath, .openDirectoryNoSymlinks,
      .openNoSymlinks, .lockShared, .closeSlots, .resolve, .readOnlyPath, .maskPath, .restoreWritable,
      .propagateAt, .fsconfigFD, .fsconfigCreate, .makeDirectory, .createFile, .symlink, .changeDirectoryTo,
      .pivotRoot, .detachOldRoot, .loopbackUp, .loopbackDown, .scrubEnvironment, .nameProcess, .openPseudoTerminal,
      .copyWindowSize, .useTerminalReplica,
      .setControllingTerminal, .relayTerminal, .openTerminalReplica, .setsid, .setrlimit, .setgroups,
      .setresgid,
      .setresuid, .keepCapabilities, .dropBoundingSet, .capset, .raiseAmbient, .setNoNewPrivs, .umask, .chdir,
      .closeOnExecFrom, .execve, .takeBackForeground, .enterMountNamespace, .saveMountNamespace,
      .returnToMountNamespace, .sendSlots, .receiveSlots, .openNamespace, .pidfdOpen, .setns, .unmount, .keepMount,
      .restoreMount, .reconfigure,
      .changeMode, .changeOwner,
      .prlimit, .replaceFile, .removeFile, .redirectStandardStreams, .holdUntilSignalled, .closeInheritedDescriptors,
      .endSandboxAfterCommand, .sendHandoffSignal, .checkProgram, .endProcess, .openSandboxNamespace, .rtnetlink,
      .startPasta,
      .startLivePasta:
      break
    }
  }
}
