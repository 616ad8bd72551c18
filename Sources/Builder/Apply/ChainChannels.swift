/// The fds the processes of the chain talk over, each end owned by the role that uses it.
///
/// A process makes the channels of its hand-offs with a process below it just before its fork toward that process
/// (the pipes of a pause, the socket pair fds go through); after the fork, each side closes the ends the other
/// side's roles own, and a process closes its own once it is done with them. Every end is close-on-exec.
struct ChainChannels {
  /// What an end is for.
  enum Use: Hashable {
    /// Failures reach nsbuild on the report pipe from every other process (``ChainMessage/failed(_:)``).
    case reportRead, reportWrite
    /// A pause: the waiter (the process below) writes `ready` and reads `go`; the releaser the other two.
    case readyWrite, goRead, readyRead, goWrite
    /// A socket pair of a hand-off of fds (SCM_RIGHTS), from the sender to the receiver.
    case send, receive
  }

  struct End {
    var fd: Int32
    var use: Use
    /// The hand-off it carries; nil for the report pipe.
    var handoff: Handoff.Kind?
    /// The role that uses it; nil for the report pipe's write end, which every process but nsbuild holds.
    var owner: Step.Actor?
  }

  private(set) var ends: [End] = []

  /// `role`'s end for `use` (of hand-off `kind`, when given).
  func fd(_ use: Use, of role: Step.Actor, _ kind: Handoff.Kind? = nil) -> Int32? {
    ends.first { end in
      end.use == use && (kind == nil || end.handoff == kind)
        && (end.owner == role || (end.owner == nil && role != .parent))
    }?.fd
  }

  /// The waiter's ends of the pause `role` waits in, if any.
  func waiting(_ role: Step.Actor) -> (ready: Int32, go: Int32)? {
    // The "go" of the same hand-off: ``Handoff/Kind/recorded`` has a "go" and no "ready".
    guard let kind = handoff(.readyWrite, of: role), let ready = fd(.readyWrite, of: role, kind),
      let go = fd(.goRead, of: role, kind)
    else { return nil }
    return (ready, go)
  }

  /// The releaser's ends of the pause `role` ends, if any.
  func releasing(_ role: Step.Actor) -> (ready: Int32, go: Int32)? {
    guard let kind = handoff(.readyRead, of: role), let ready = fd(.readyRead, of: role, kind),
      let go = fd(.goWrite, of: role, kind)
    else { return nil }
    return (ready, go)
  }

  /// The hand-off of `role`'s first end for `use`.
  private func handoff(_ use: Use, of role: Step.Actor) -> Handoff.Kind? {
    // ``Handoff/Kind/recorded`` runs the other way round ("go" first, "ready" after): it is no pause.
    ends.first { $0.use == use && $0.owner == role && $0.handoff != .recorded }?.handoff
  }

  /// Makes the channels `role` shares with the roles in `below` (the process it is about to fork and those under
  /// it), as `handoffs` list them; the report pipe too, in nsbuild.
  mutating func make<Kernel: LinuxKernel>(
    for role: Step.Actor, toward below: Set<Step.Actor>, handoffs: [Handoff], _ kernel: Kernel
  ) throws(SyscallError) {
    if role == .parent, !ends.contains(where: { $0.use == .reportRead }) {
      let report = try kernel.pipe()
      add(report.read, .reportRead, nil, owner: .parent)
      add(report.write, .reportWrite, nil, owner: nil)
    }
    for handoff in handoffs {
      let other = handoff.from == role ? handoff.to : handoff.from
      guard handoff.from == role || handoff.to == role, below.contains(other) else { continue }
      switch handoff.kind {
      case .sandboxReady:
        // One way: init says it is ready and waits for nothing.
        let ready = try kernel.pipe()
        add(ready.write, .readyWrite, handoff.kind, owner: other)
        add(ready.read, .readyRead, handoff.kind, owner: role)
      case .idMapsWritten, .commandReady, .recorded:
        let ready = try kernel.pipe()
        let go = try kernel.pipe()
        add(ready.write, .readyWrite, handoff.kind, owner: other)
        add(go.read, .goRead, handoff.kind, owner: other)
        add(ready.read, .readyRead, handoff.kind, owner: role)
        add(go.write, .goWrite, handoff.kind, owner: role)
      case .commandStarted: break  // over the report pipe, which every chain has
      case .fdsPassed, .locksHeld:
        let (sent, received) = try kernel.socketPair()
        add(sent, .send, handoff.kind, owner: handoff.from)
        add(received, .receive, handoff.kind, owner: handoff.to)
      }
    }
  }

  private mutating func add(_ fd: Int32, _ use: Use, _ kind: Handoff.Kind?, owner: Step.Actor?) {
    ends.append(End(fd: fd, use: use, handoff: kind, owner: owner))
  }

  /// Closes the ends `which` picks, and forgets them (a number closed may come back for another fd).
  mutating func close<Kernel: LinuxKernel>(_ kernel: Kernel, where which: (End) -> Bool) {
    for end in ends where which(end) { kernel.close(end.fd) }
    ends.removeAll(where: which)
  }

  /// After `role`'s fork toward the roles in `below`: the child closes every end a role above it owns, the parent
  /// every end a role below owns (and nsbuild the report's write end, which it does not write).
  mutating func closeAfterFork<Kernel: LinuxKernel>(
    by role: Step.Actor, toward below: Set<Step.Actor>, inChild: Bool, _ kernel: Kernel
  ) {
    close(kernel) { Self.closesAfterFork($0, by: role, toward: below, inChild: inChild) }
  }

  /// The ends ``closeAfterFork(by:toward:inChild:_:)`` would close, left open.
  func closedAfterFork(by role: Step.Actor, toward below: Set<Step.Actor>, inChild: Bool) -> [Int32] {
    ends.filter { Self.closesAfterFork($0, by: role, toward: below, inChild: inChild) }.map(\.fd)
  }

  private static func closesAfterFork(_ end: End, by role: Step.Actor, toward below: Set<Step.Actor>, inChild: Bool)
    -> Bool
  {
    guard let owner = end.owner else { return !inChild && role == .parent }
    return inChild ? !below.contains(owner) : below.contains(owner)
  }

  /// Closes the ends `fds` of this process.
  mutating func close<Kernel: LinuxKernel>(_ fds: [Int32], _ kernel: Kernel) {
    close(kernel) { fds.contains($0.fd) }
  }
}
