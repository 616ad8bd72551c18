/// The result of checking a spec: the typed spec when there were no errors, and every diagnostic found.
public struct SpecCheck: Sendable {
  /// The spec, or nil when any error was found.
  public var spec: Spec?
  /// The errors and warnings shown, in source order: at most the limit the spec was decoded with, followed, when
  /// more were found, by one (code `too-many-diagnostics`) saying how many were left out.
  public var diagnostics: [Diagnostic]
  /// The diagnostics left out of ``diagnostics``.
  public var omitted = OmittedDiagnostics()
  /// The limit ``diagnostics`` was cut to (0: none).
  public var limit = SpecDecoder.defaultDiagnosticLimit
  /// With overrides, the text the diagnostics and origins point into: the file, then one line per override. Nil
  /// when the file alone was read.
  public var source: [UInt8]?

  public var hasErrors: Bool { omitted.errors > 0 || diagnostics.contains { $0.severity == .error } }

  /// This check with `more` diagnostics (the planner's warnings, say) merged in, in source order, under the same
  /// limit.
  public func adding(_ more: [Diagnostic]) -> SpecCheck {
    guard !more.isEmpty else { return self }
    let sink = DiagnosticSink(file: diagnostics.first?.file ?? more[0].file, limit: limit)
    sink.carry(omitted)
    for diagnostic in diagnostics + more where diagnostic.code != OmittedDiagnostics.code { sink.append(diagnostic) }
    var result = self
    result.diagnostics = sink.finish()
    result.omitted = sink.omitted
    return result
  }
}

/// Turns the bytes of a spec file (TOML 1.0) into a ``Spec``, checking every rule of spec version 1 and
/// collecting every problem rather than stopping at the first.
public enum SpecDecoder {
  /// The spec format versions this build understands.
  public static let supportedVersions: [Int64] = [1]

  /// The most diagnostics one check shows by default; the rest are counted in one last diagnostic.
  public static let defaultDiagnosticLimit = 100

  /// Parses and checks one spec.
  ///
  /// - Parameters:
  ///   - source: the file's bytes.
  ///   - file: the path to name in diagnostics, as the user gave it.
  ///   - directory: the absolute folder that relative paths in the spec resolve against (the spec's own folder), and
  ///     the value of `${SPEC_DIR}`.
  ///   - variables: the values of the other `${NAME}`s host paths and `[process] env` values may use; a name without
  ///     one is an error where it is used.
  ///   - overrides: changes given on the command line, applied in order on top of the file, each a line of its
  ///     own after the file's in ``SpecCheck/source`` (see ``SpecOverride``); their diagnostics name them, with
  ///     `file` "command line".
  ///   - maxDiagnostics: the most diagnostics returned, the first in source order (0: all); one more then says how
  ///     many were left out.
  /// - Returns: the spec (nil on any error) and all diagnostics. A TOML syntax error ends decoding, since nothing
  ///   after it can be read reliably; it is reported with code `toml-syntax`.
  public static func decode(
    source: [UInt8], file: String, directory: String, variables: SpecVariables = SpecVariables(),
    overrides: [SpecOverride] = [], maxDiagnostics: Int = defaultDiagnosticLimit
  ) -> SpecCheck {
    let sink = DiagnosticSink(file: file, limit: maxDiagnostics)
    var root: TOMLTable
    do {
      root = try TOMLParser.parse(source)
    } catch {
      sink.error("toml-syntax", error.message, at: error.range)
      return SpecCheck(spec: nil, diagnostics: sink.finish(), limit: maxDiagnostics)
    }
    var decoded = source
    if !overrides.isEmpty {
      var merger = OverrideMerger(root: root, source: source, sink: sink)
      for (index, override) in overrides.enumerated() { merger.apply(override, index: index) }
      (root, decoded) = (merger.root, merger.source)
    }
    let context = DecodeContext(sink: sink, source: decoded, directory: directory, variables: variables)
    let start = SourceRange(at: SourceLocation(line: 1, column: 1, offset: 0))
    var spec = SpecSections(context: context).decodeRoot(
      TableReader(table: root, path: "", range: start, context: context))
    spec.origins = context.originTable
    spec.substitutions = context.substitutions
    CrossFieldRules(spec: spec, sink: sink).check()
    FilesystemRules(spec: spec, sink: sink, relativeInsidePaths: context.relativeInsidePaths).check()
    MappedIDRules(spec: spec, sink: sink, rejectedMapEntries: context.rejectedMapEntries).check()
    CredentialRules(spec: spec, sink: sink).check()
    HostTreeRules(spec: spec, sink: sink).check()
    ProcCoverRules(spec: spec, sink: sink).check()
    NetworkRules(spec: spec, sink: sink).check()
    // A problem with an override names it, and the command line rather than the file.
    let diagnostics = sink.finish().map { diagnostic in
      guard let index = diagnostic.range.argument, overrides.indices.contains(index) else { return diagnostic }
      var named = diagnostic
      named.file = "command line"
      named.message = "`\(overrides[index].text)`: " + diagnostic.message
      return named
    }
    return SpecCheck(
      spec: sink.hasErrors ? nil : spec, diagnostics: diagnostics, omitted: sink.omitted, limit: maxDiagnostics,
      source: overrides.isEmpty ? nil : decoded)
  }
}

/// Decodes each section of the spec into its typed value.
struct SpecSections {
  let context: DecodeContext
  var sink: DiagnosticSink { context.sink }

  static let rootKeys = ["version", "namespaces", "uts", "user", "time", "net", "root", "mounts", "files", "process"]

  func decodeRoot(_ root: TableReader) -> Spec {
    root.rejectUnknownKeys(Self.rootKeys)
    var spec = Spec()
    if let (version, range) = root.integer("version") {
      if SpecDecoder.supportedVersions.contains(version) {
        spec.version = Int(version)
      } else {
        sink.error(
          "unsupported-version", "spec version \(version) is not supported", at: range, hint: "use version = 1")
      }
    } else if root.table["version"] == nil {
      sink.error(
        "missing-key", "missing `version` at the top of the spec", at: root.range,
        hint: "add `version = 1` as the first line")
    }
    if let namespaces = root.table("namespaces") {
      spec.namespaces = decodeNamespaces(namespaces)
      spec.joins = namespaces.table("join").map { decodeJoins($0, unshared: spec.namespaces) } ?? []
    }
    spec.uts = root.table("uts").map(decodeUTS) ?? UTS()
    spec.user = root.table("user").map(decodeUser) ?? UserMapping()
    spec.time = root.table("time").map(decodeTime) ?? TimeOffsets()
    spec.net = root.table("net").map(decodeNetwork) ?? Network()
    spec.root = root.table("root").map(decodeRootSection) ?? Root()
    spec.mounts = root.decodedEntries("mounts", decodeMount) ?? []
    spec.files = root.decodedEntries("files", decodeFile) ?? []
    spec.process = root.table("process").map(decodeProcess) ?? Process()
    return spec
  }

  func decodeNamespaces(_ table: TableReader) -> [Namespace] {
    table.rejectUnknownKeys(["unshare", "join"])
    var result: [Namespace] = []
    var seen: [Namespace: SourceRange] = [:]
    let names = Namespace.allCases.map(\.rawValue)
    for (name, range) in table.strings("unshare") ?? [] {
      guard let namespace = Namespace(rawValue: name) else {
        sink.error(
          "unknown-value", "unknown namespace '\(name)'", at: range,
          hint: Suggestion.didYouMean(name, among: names + ["mnt"]).map { $0.replacingMnt() }
            ?? "namespaces(7) names: \(names.joined(separator: ", "))")
        continue
      }
      if let first = seen[namespace] {
        sink.error(
          "duplicate-value", "namespace '\(name)' is listed twice (first at line \(first.start.line))", at: range)
        continue
      }
      seen[namespace] = range
      result.append(namespace)
    }
    return result
  }

  func decodeUTS(_ table: TableReader) -> UTS {
    table.rejectUnknownKeys(["hostname", "domainname"])
    var uts = UTS()
    if let (name, range) = table.string("hostname") {
      if let problem = HostNames.hostnameProblem(name) {
        sink.error("invalid-hostname", "hostname '\(name)' \(problem)", at: range)
      } else {
        uts.hostname = name
      }
    }
    if let (name, range) = table.string("domainname") {
      if let problem = HostNames.domainnameProblem(name) {
        sink.error("invalid-domainname", "domainname \(problem)", at: range)
      } else {
        uts.domainname = name
      }
    }
    return uts
  }
}

extension String {
  /// `mnt` is the /proc name of the mount namespace; the spec spells it `mount`.
  fileprivate func replacingMnt() -> String {
    self == "did you mean 'mnt'?" ? "did you mean 'mount'?" : self
  }
}
