import SpecParser

/// `[namespaces] join`: the sandbox process enters existing namespaces with setns(2) before it unshares the rest.
///
/// The order is the kernel's: every namespace file is opened before the first setns(2) (once in a joined mount
/// namespace, a `/proc/PID/ns` path would resolve in the target's /proc); the user namespace is entered first, so
/// that nsbuild then holds capabilities over the namespaces it owns, and the mount namespace last (setns(2) moves the
/// root and working directory). The sandbox process is single-threaded, as setns(2) into a user or mount namespace
/// needs. Joined pid and time namespaces, like new ones, apply to children only: init, forked next, is inside them.
extension Planner {
  /// The spec key a join entry is written at.
  static func joinKey(_ namespace: Namespace) -> SpecKeyPath {
    SpecKeyPath("namespaces.join").appending(namespace.rawValue)
  }

  /// The order setns(2) takes the joined namespaces in: user first, mount last.
  static func joinOrder(_ namespaces: [Namespace]) -> [Namespace] {
    let middle = namespaces.filter { $0 != .user && $0 != .mount }
    return namespaces.filter { $0 == .user } + middle + namespaces.filter { $0 == .mount }
  }

  /// The file run opens for `join`: what `plan` found, or the spec's path (a name not looked for stays unresolved).
  func joinFile(_ join: NamespaceJoin) -> NamespaceFile {
    if let observed = state.joinTargets[join.namespace] { return observed.file }
    switch join.target {
    case .sandbox(let name): return .unresolvedSandbox(name: name)
    case .path(let path): return .path(path: path)
    }
  }

  /// One step: the opens, then the setns(2) calls, each call pointing at its own entry of `join`.
  func joinSteps() -> [Step] {
    let ordered = Self.joinOrder(spec.joins.map(\.namespace))
    let joins = ordered.compactMap { spec.join(of: $0) }
    guard !joins.isEmpty else { return [] }
    var opens: [Step.Operation] = []
    var enters: [Step.Operation] = []
    for (slot, join) in joins.enumerated() {
      let at = origin(Self.joinKey(join.namespace))
      opens.append(
        Step.Operation(.openNamespace(namespace: join.namespace, file: joinFile(join), slot: slot), origin: at))
      enters.append(Step.Operation(.setns(slot: slot, namespaces: CloneFlags(join.namespace)), origin: at))
    }
    let flags = joins.reduce(into: CloneFlags()) { $0.insert(CloneFlags($1.namespace)) }
    return [
      Step(
        kind: .join, actor: .sandbox, subject: .joinedNamespaces(flags: flags), operations: opens + enters,
        change: joinChange(joins),
        reason:
          "before unshare(2); every file opened before the first setns(2), the user namespace entered first and the mount namespace last (setns(2))",
        origin: origin("namespaces.join"))
    ]
  }

  /// The namespaces left, by their current ids (nsbuild's own), for the ones joined; `+` when those joined were not
  /// read.
  private func joinChange(_ joins: [NamespaceJoin]) -> Change {
    let after = joins.compactMap { state.joinTargets[$0.namespace]?.info?.id }
    guard after.count == joins.count else { return .create }
    let before = joins.compactMap { state.namespaceIDs[$0.namespace] }
    return .modify(
      before: before.count == joins.count ? before.joined(separator: " ") : "own", after: after.joined(separator: " "))
  }
}
