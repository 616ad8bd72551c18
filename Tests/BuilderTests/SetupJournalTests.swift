import Testing

@testable import Builder

/// The order a failed setup takes things back in, through a recording kernel.
@Suite struct SetupJournalTests {
  static let same = FileIdentity(device: 0, inode: 0, birth: FileIdentity.Birth(seconds: 0, nanoseconds: 0))

  @Test func undoGoesNewestFirstAndDetachesBeforeRemovingTheMountPoint() {
    let kernel = RecordingKernel()
    let journal = SetupJournal()
    journal.noteMade(7, "/srv", isDirectory: true, identity: Self.same)
    journal.noteResolved(slot: 3, root: 7, path: "/srv")
    journal.noteMounted(onSlot: 3)
    journal.noteMade(7, "/srv/note", isDirectory: false, identity: Self.same)
    journal.undo(kernel)
    #expect(
      kernel.log == [
        // the file, while the mount it was made on is still there; each only under an exclusive lock
        "openat2(7, /srv)", "flock(note, LOCK_EX)", "unlinkat(21, note)",
        "openat2(7, /srv)", "umount2(fd 22, MNT_DETACH)",  // then the mount
        "openat2(7, /)", "flock(srv, LOCK_EX)", "unlinkat(23, srv, AT_REMOVEDIR)",  // then its mount point
      ])
  }

  /// Another live run holds a shared lock on the folder (it is mounted on it): the undo leaves it.
  @Test func aFolderAnotherRunHoldsIsLeft() {
    let kernel = RecordingKernel()
    kernel.failures["flock(srv, LOCK_EX)"] = 11  // EWOULDBLOCK
    let journal = SetupJournal()
    journal.noteMade(7, "/srv", isDirectory: true, identity: Self.same)
    journal.undo(kernel)
    #expect(kernel.log == ["openat2(7, /)", "flock(srv, LOCK_EX)"])
  }

  @Test func aFailedDetachStopsTheUndo() {
    let kernel = RecordingKernel()
    kernel.failures["umount2(fd"] = 16  // EBUSY
    let journal = SetupJournal()
    journal.noteMade(7, "/srv", isDirectory: true, identity: Self.same)
    journal.noteResolved(slot: 3, root: 7, path: "/srv")
    journal.noteMounted(onSlot: 3)
    journal.undo(kernel)
    #expect(!kernel.log.contains { $0.hasPrefix("unlinkat") })
  }

  @Test func nothingIsUndoneOnceTheSetupFDsAreClosed() {
    let kernel = RecordingKernel()
    let journal = SetupJournal()
    journal.noteMade(7, "/srv", isDirectory: true, identity: Self.same)
    journal.isClosed = true
    journal.undo(kernel)
    #expect(kernel.log.isEmpty)
  }
}

/// A signal while init waits for the command it forked (its last setup steps): the command, forked with init's
/// shared locks on the host mount points, is killed and reaped before the undo tries to lock them exclusively.
@Suite struct SignalledSetupUndoTests {
  @Test func theCommandIsReapedBeforeAnythingIsTakenBack() {
    let kernel = RecordingKernel()
    kernel.logsChain = true
    kernel.deferredSignals = [15]
    let journal = SetupJournal()
    journal.noteMade(7, "/srv", isDirectory: true, identity: SetupJournalTests.same)
    let launcher = Launcher(kernel: kernel, plan: Plan(steps: []))
    let status: Int32? = launcher.endIfSignalled(journal, FDTable(), stopping: 77)
    #expect(status == Int32(128 + 15))
    let kill = kernel.log.firstIndex(of: "kill(77, 9)")
    let wait = kernel.log.firstIndex(of: "wait(77)")
    let lock = kernel.log.firstIndex(of: "flock(srv, LOCK_EX)")
    #expect(kill != nil && wait != nil && lock != nil, "\(kernel.log)")
    if let kill, let wait, let lock { #expect(kill < wait && wait < lock, "\(kernel.log)") }
  }
}
