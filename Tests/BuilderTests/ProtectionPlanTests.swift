import SpecParser
import Testing

@testable import Builder

/// The protect step `plan` shows after a fresh proc or sysfs, and how `run` takes it (on the recording kernel).
@Suite struct ProtectionPlanTests {
  static let header = "version = 1\n[namespaces]\nunshare = [\"mount\", \"pid\", \"net\"]\n"
  static let proc = "[[mounts]]\ntype = \"proc\"\ntarget = \"/proc\"\n"
  static let sysfs = "[[mounts]]\ntype = \"sysfs\"\ntarget = \"/sys\"\n"

  func plan(_ text: String, as state: ObservedState = PlannerTests.root) throws -> Plan {
    try Planner(spec: try decodeSpec(text + "[process]\nargs = [\"true\"]\n"), state: state).plan()
  }

  @Test func procIsFollowedByItsProtection() throws {
    let steps = try plan(Self.header + Self.proc).steps
    let sources = try #require(steps.first { $0.kind == .sources })
    #expect(sources.calls.contains(.openNoSymlinks(path: "/dev/null", slot: 1, via: [])))
    let mount = try #require(steps.firstIndex { $0.kind == .mount })
    let protect = steps[mount + 1]
    #expect(protect.kind == .protect)
    #expect(protect.title == "protect the proc on /proc")
    #expect(protect.origin == steps[mount].origin)
    // Looked up as the mount step looked the target up: on the host's tree, through no symlink.
    guard case .resolve(root: 0, path: "/proc", create: nil, let slot, lookup: .noSymlinks) = protect.calls.first else {
      Issue.record("the protection does not start with the proc's lookup: \(protect.calls)")
      return
    }
    #expect(protect.calls.contains(.readOnlyPath(mount: slot, path: "sys", shown: "/proc/sys")))
    #expect(protect.calls.contains(.maskPath(mount: slot, path: "kcore", shown: "/proc/kcore", nullDevice: 1)))
    #expect(protect.calls.contains(.maskPath(mount: slot, path: "acpi", shown: "/proc/acpi", nullDevice: nil)))
    #expect(protect.calls.count == 1 + 5 + 9)
    #expect(
      Syscall.readOnlyPath(mount: 3, path: "sys", shown: "/proc/sys").description
        == "open_tree(fd[3]/\"sys\", OPEN_TREE_CLONE|AT_RECURSIVE); mount_setattr(it, AT_RECURSIVE, {MOUNT_ATTR_RDONLY|MOUNT_ATTR_NOSUID|MOUNT_ATTR_NODEV|MOUNT_ATTR_NOEXEC}); move_mount(it, fd[3]/\"sys\")"
    )
    #expect(
      Syscall.readOnlyPath(mount: 3, path: "sys", shown: "/proc/sys", throughProc: true).description
        == "mount(fd[3]/\"sys\", itself, NULL, MS_BIND|MS_REC, NULL); mount_setattr(it, AT_RECURSIVE, {MOUNT_ATTR_RDONLY|MOUNT_ATTR_NOSUID|MOUNT_ATTR_NODEV|MOUNT_ATTR_NOEXEC})"
    )
  }

  @Test func unmaskLeavesNoProtectionAndNoNullDevice() throws {
    let steps = try plan(Self.header + Self.proc + "unmask = true\n" + Self.sysfs + "unmask = true\n").steps
    #expect(!steps.contains { $0.kind == .protect })
    #expect(!steps.flatMap(\.calls).contains(.openNoSymlinks(path: "/dev/null", slot: 1, via: [])))
    #expect(!steps.flatMap(\.calls).contains { $0.description.contains("/dev/null") })
    let sysfs = try #require(steps.last { $0.kind == .mount })
    // After the mount point's lookup and its lock, the filesystem context and its options.
    guard case .fsmount(_, let attributes, _, _) = sysfs.calls.first(where: { $0.description.hasPrefix("fsmount(") })
    else {
      Issue.record("no fsmount call: \(sysfs.calls)")
      return
    }
    #expect(!attributes.contains(.rdonly))
  }

  /// Read-only without a user namespace, or with one that maps host uid 0 (a root caller's default map); writable
  /// with one that keeps it out. Masked either way.
  @Test func sysfsIsReadOnlyOnlyWhenTheCommandCouldBeHostRoot() throws {
    func flags(_ text: String, as state: ObservedState) throws -> MountAttributes? {
      let steps = try plan(text, as: state).steps
      #expect(steps.contains { $0.kind == .protect && $0.title == "protect the sysfs on /sys" })
      let isSysfs = { (call: Syscall) in if case .fsopen("sysfs", _) = call { true } else { false } }
      for step in steps where step.kind == .mount && step.calls.contains(where: isSysfs) {
        for case .fsmount(_, let attributes, _, _) in step.calls { return attributes }
      }
      return nil
    }
    let userns = "version = 1\n[namespaces]\nunshare = [\"user\", \"mount\", \"net\"]\n"
    let mapped = userns + "[user]\nuid_map = [{ inside = 0, outside = 100000, count = 65536 }]\n"
    let mapsRoot = userns + "[user]\nuid_map = [{ inside = 0, outside = 0, count = 65536 }]\n"
    #expect(try flags(Self.header + Self.sysfs, as: PlannerTests.root)?.contains(.rdonly) == true)
    #expect(try flags(userns + Self.sysfs, as: PlannerTests.root)?.contains(.rdonly) == true)
    #expect(try flags(userns + Self.sysfs, as: PlannerTests.user)?.contains(.rdonly) == false)
    #expect(try flags(mapped + Self.sysfs, as: PlannerTests.root)?.contains(.rdonly) == false)
    #expect(try flags(mapsRoot + Self.sysfs, as: PlannerTests.root)?.contains(.rdonly) == true)
    // The mount step says why; a tmpfs the spec makes read-only (mounted writable first, for a mount inside) does not.
    let reasons = try plan(Self.header + Self.sysfs).steps.filter { $0.kind == .mount }.map(\.reason)
    #expect(reasons.first??.hasPrefix("read-only: the command could be host root") == true)
    let tmpfs =
      "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/t\"\noptions = [\"ro\"]\n[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/t/in\"\n"
    #expect(try plan(Self.header + tmpfs).steps.filter { $0.kind == .mount }.allSatisfy { $0.reason == nil })
  }

  @Test func aPathThisKernelLacksIsSkippedAndTheRestApplied() throws {
    let plan = try plan(Self.header + Self.proc)
    let kernel = RecordingKernel()
    // fd 25: the proc opened again (after the mount point, 22, the context, 23, and the proc's fsmount fd, 24; the
    // host's /dev/null, opened through no symlink, is fd 7 in the recording kernel).
    kernel.failures["openat2(25, kcore)"] = ErrnoNames.ENOENT
    let runner = StepRunner(kernel: kernel, sandboxPID: 4242)
    for step in plan.steps where step.kind != .exec { try runner.run(step) }
    #expect(kernel.log.contains("openat2(25, kcore)"))
    let afterKcore = kernel.log.drop { $0 != "openat2(25, kcore)" }.dropFirst()
    // Straight on to the next path: nothing was mounted for kcore.
    #expect(afterKcore.first == "openat2(25, keys)")
    // The null device copied (not recursively), made read-only before it is moved onto keys.
    let keys = Array(afterKcore.dropFirst())
    #expect(keys.prefix(3).map { $0.prefix(11) } == ["open_tree(7", "mount_setat", "move_mount("])
    #expect(keys.dropFirst().first?.contains("MOUNT_ATTR_RDONLY") == true)
  }

  /// A failed setup detaches every protecting mount, newest first, then the proc beneath them.
  @Test func aFailedSetupDetachesTheProtectionWithTheProc() throws {
    let plan = try plan(Self.header + Self.proc)
    let kernel = RecordingKernel()
    let journal = SetupJournal()
    let runner = StepRunner(kernel: kernel, sandboxPID: 4242, journal: journal)
    let step = try #require(plan.steps.first { $0.kind == .protect })
    for earlier in plan.steps.prefix(while: { $0.id <= step.id }) { try runner.run(earlier) }
    let mounts = kernel.log.filter { $0.hasPrefix("move_mount(") }.count
    kernel.log = []
    journal.undo(kernel)
    let detached = kernel.log.filter { $0.hasPrefix("umount2") }
    #expect(detached.count == mounts)
    // The last masked path goes first, by its name in its folder (a file mount: no /proc/self/fd path), the proc
    // itself last (opened beneath the root, not beneath itself).
    #expect(kernel.log.first == "openat2(25, sched_debug)")
    #expect(detached.first?.hasSuffix(", sched_debug, MNT_DETACH)") == true)
    #expect(kernel.log.suffix(2).first == "openat2(21, /proc)")
  }

  @Test func aMaskedFileThatIsAFolderIsRefusedNotCovered() throws {
    let plan = try plan(Self.header + Self.proc)
    let kernel = RecordingKernel()
    kernel.regularFiles.remove("keys")
    let runner = StepRunner(kernel: kernel, sandboxPID: 4242)
    let step = try #require(plan.steps.first { $0.kind == .protect })
    for earlier in plan.steps.prefix { $0.id < step.id } { try runner.run(earlier) }
    let failure = try #require(throws: StepFailure.self) { try runner.run(step) }
    #expect(failure.error.description == "/proc/keys: mount(2): EISDIR (Is a directory)")
  }
}
