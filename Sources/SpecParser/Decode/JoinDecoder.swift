extension SpecSections {
  /// `[namespaces] join = { net = "NAME-or-PATH", … }`: one entry per namespace type, each a live sandbox's name or
  /// an absolute path to a namespace file. A type both unshared and joined is refused: setns(2) would enter it and
  /// unshare(2) leave it at once.
  func decodeJoins(_ table: TableReader, unshared: [Namespace]) -> [NamespaceJoin] {
    var joins: [NamespaceJoin] = []
    for entry in table.table.entries {
      guard let namespace = Namespace(rawValue: entry.key) else {
        let names = Namespace.allCases.map(\.rawValue)
        sink.error(
          "unknown-key", "unknown namespace '\(entry.key)' in [namespaces.join]", at: entry.keyRange,
          hint: Suggestion.didYouMean(entry.key, among: names + ["mnt"]).map {
            $0 == "did you mean 'mnt'?" ? "did you mean 'mount'?" : $0
          } ?? "namespaces(7) names: \(names.joined(separator: ", "))")
        continue
      }
      guard let (value, range) = table.string(entry.key, expected: "a sandbox name or an absolute path") else {
        continue
      }
      if unshared.contains(namespace) {
        let line = context.origins["namespaces.unshare"].map { " (line \($0.start.line))" } ?? ""
        sink.error(
          "join-and-unshare", "namespace '\(entry.key)' is both unshared\(line) and joined", at: range,
          hint: "remove \"\(entry.key)\" from [namespaces] unshare to join it, or this entry to make a new one")
        continue
      }
      if let target = joinTarget(value, at: range) { joins.append(NamespaceJoin(namespace, target: target)) }
    }
    // The order setns(2) needs is the planner's; the spec keeps namespaces(7)'s, whatever order was written.
    return Namespace.allCases.compactMap { namespace in joins.first { $0.namespace == namespace } }
  }

  /// A sandbox name, or an absolute path (normalised); nil after reporting anything else.
  private func joinTarget(_ value: String, at range: SourceRange) -> JoinTarget? {
    if value.hasPrefix("/") {
      switch Paths.resolve(value, against: "/") {
      case .success(let path):
        if let problem = Paths.lengthProblem(path) {
          sink.error("invalid-path", "join path '\(value)' \(problem)", at: range)
          return nil
        }
        return .path(path)
      case .failure(let problem):
        sink.error(
          "invalid-join-target",
          problem == .parentComponent
            ? "join path '\(value)' has a `..` component" : "join path '\(value)' is not a valid path", at: range,
          hint: "write the namespace file's path without `..`, such as /run/netns/NAME or /proc/PID/ns/net")
        return nil
      }
    }
    guard let problem = SandboxNameSyntax.problem(in: value) else { return .sandbox(name: value) }
    sink.error(
      "invalid-join-target", "'\(value)' is neither a sandbox name nor an absolute path: \(problem.reason)", at: range,
      hint:
        "give a live sandbox's name (as `nsbuild up` named it) or an absolute path such as /run/netns/NAME or /proc/PID/ns/net"
    )
    return nil
  }
}

extension SandboxNameSyntax.Problem {
  /// Why, in the words of a diagnostic.
  var reason: String {
    switch self {
    case .empty: "it is empty"
    case .tooLong(let count): "a name is at most \(SandboxNameSyntax.maximumLength) bytes, not \(count)"
    case .badCharacter(let offset):
      "a name has lower-case letters, digits, '-', '_' and '.', starting with a letter or digit (position \(offset + 1) is not)"
    }
  }
}
