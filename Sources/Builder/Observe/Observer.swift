import SpecParser

/// Builds the ``ObservedState`` a spec is planned against, from a ``SystemReader`` only: observing cannot change
/// the host it looks at. Data flows one way: spec, then ``observe(_:)``, then ``Planner``, then ``Launcher``; what to
/// read follows from rules over the spec and what was read so far (Sources/Builder/Rules), never from the planner.
public struct Observer<Reader: SystemReader> {
  let reader: Reader

  public init(reader: Reader) {
    self.reader = reader
  }

  /// The caller's IDs and names, the clocks, namespaces, and the host facts that decide whether `spec` can work;
  /// only what can matter to `spec` is read (each read costs start-up time on every run).
  public func observe(_ spec: Spec) -> ObservedState {
    var state = ObservedState(
      uid: reader.realUserID(), gid: reader.realGroupID(), euid: reader.effectiveUserID(),
      hostname: reader.hostname(), domainname: reader.domainname(),
      monotonicSeconds: reader.clockSeconds(.monotonic), boottimeSeconds: reader.clockSeconds(.boottime))
    if spec.unshares(.user), state.euid != 0 {
      state.newuidmap = installed("newuidmap")
      state.newgidmap = installed("newgidmap")
    }
    state.host = HostFactsReader(reader: reader).read(
      paths: HostSources.paths(of: spec, devices: false), uid: state.euid, for: spec)
    readHostPaths(spec, into: &state)
    state.workingDirectoryExists = WorkingDirectoryReader(reader: reader).exists(for: spec)
    (state.obstacles, state.makingFolders) = HostObstacleReader(reader: reader).read(for: spec)
    // Last: which paths run makes on the host follows from everything read above.
    state.withoutBirthTimes = BirthTimeReader(reader: reader).paths(
      withoutBirthTimesIn: HostChanges(spec: spec, state: state).list(), exists: state.hostPathExists)
    // The joined ones too, and nsbuild's user namespace, which decides what setns(2) allows.
    let joined = spec.joins.map(\.namespace) + (spec.joins.isEmpty ? [] : [.user])
    for namespace in spec.namespaces + joined {
      if let id = reader.namespaceID(namespace) { state.namespaceIDs[namespace] = id }
    }
    state.joinTargets = JoinTargetReader(reader: reader).read(for: spec)
    state.hostInterfaces = HostInterfaceReader(reader: reader).read(for: spec)
    if spec.net.pasta != nil, spec.unshares(.net) {
      state.pasta = ["/usr/bin/pasta", "/usr/sbin/pasta", "/bin/pasta"].first { reader.executionError($0) == 0 }
    }
    return state
  }

  /// Where `program` (newuidmap(1) or newgidmap(1), from the shadow suite) is installed and this process may
  /// execute it, in the order a distribution puts it.
  private func installed(_ program: String) -> String? {
    ["/usr/bin/", "/bin/"].map { $0 + program }.first { reader.executionError($0) == 0 }
  }

  /// The spec's host paths as they resolve now, what stands at them, and which of their folders exist.
  private func readHostPaths(_ spec: Spec, into state: inout ObservedState) {
    let resolver = HostPathResolver(reader: reader, caller: [state.uid, state.euid])
    state.hostSources = resolver.readSources(for: spec)
    state.hostTreePaths = resolver.readHostTree(for: spec)
    state.symlinksBeneathBinds = resolver.readBeneathBinds(for: spec, sources: state.hostSources)
    let entries = HostEntryReader(reader: reader)
    state.hostEntries = entries.read(for: spec, resolved: state.hostTreePaths)
    state.inRootDestinations = entries.destinations(for: spec)
    let folders = HostFolderReader(reader: reader)
    state.hostPathExists = folders.read(
      for: spec, sources: state.hostSources, hostTree: state.hostTreePaths, inRoot: state.inRootDestinations)
    state.overlayMakesIndex = folders.overlayMakesIndex(spec)
  }
}
