/// The difference between two plans, step by step: what a change to a spec changes in what `run` does.
///
/// Steps are matched by ``key(of:)``: their kind plus what they act on, their ``Step/subject`` (a mount's target, a
/// file's path, a clock's name; the kind alone for steps a plan holds at most once, such as unshare or exec). The two key sequences are
/// aligned as a longest common subsequence, so a mount inserted in the middle shows as one added step rather than
/// every later step shifting. A matched pair is changed when its actor, title or calls differ; step ids, spec
/// positions, the state-dependent ``Step/change`` and fd slot numbers (`fd[N]`, which shift when a mount is added)
/// are ignored.
public struct PlanDiff: Sendable, Hashable {
  /// One difference, in plan order.
  public enum Entry: Sendable, Hashable {
    /// A step only the new plan takes.
    case added(Step)
    /// A step only the old plan takes.
    case removed(Step)
    /// A step both plans take, with different calls.
    case changed(old: Step, new: Step)
  }

  /// One call line that differs between the two versions of a changed step.
  public enum CallChange: Sendable, Hashable {
    /// A call only the old step makes, as ``Syscall/description`` writes it.
    case removed(String)
    /// A call only the new step makes.
    case added(String)
  }

  /// The differences in plan order: removals before additions where both fall between the same matched steps.
  /// Steps that are the same in both plans are left out.
  public var entries: [Entry]

  /// True when the two plans take the same steps.
  public var isEmpty: Bool { entries.isEmpty }

  /// Compares `old` with `new`.
  public init(old: Plan, new: Plan) {
    let pairs = Alignment.align(old.steps.map(Self.key), new.steps.map(Self.key))
    entries = pairs.compactMap { pair -> Entry? in
      switch pair {
      case .removed(let index): return .removed(old.steps[index])
      case .added(let index): return .added(new.steps[index])
      case .matched(let oldIndex, let newIndex):
        let (before, after) = (old.steps[oldIndex], new.steps[newIndex])
        return Self.content(before) == Self.content(after) ? nil : .changed(old: before, new: after)
      }
    }
  }

  /// The calls of a changed step that differ, in order, removals before additions between calls both make. Calls
  /// that differ only in fd slot numbers count as the same.
  public static func callChanges(old: Step, new: Step) -> [CallChange] {
    let before = old.calls.map(\.description)
    let after = new.calls.map(\.description)
    return Alignment.align(before.map(normalized), after.map(normalized)).compactMap { pair in
      switch pair {
      case .removed(let index): .removed(before[index])
      case .added(let index): .added(after[index])
      case .matched: nil
      }
    }
  }

  /// What identifies a step across two plans: its kind, and for steps a plan may hold several of, what they act on
  /// (`mount /tmp`, `file /etc/motd`, `timens_offsets monotonic`), from the step's ``Step/subject``. Subjects that
  /// are values rather than places (the namespace set, the host paths opened) are left out, so a change of value
  /// shows as a changed step rather than one removed and one added.
  public static func key(of step: Step) -> String {
    let kind = step.kind.rawValue
    switch step.subject {
    case .mountTarget(let path), .file(let path): return kind + " " + path
    case .clock(let clock): return kind + " " + clock.rawValue
    case .networkInterface(let name): return kind + " " + name
    case .process, .namespaces, .joinedNamespaces, .idMap, .hostname, .domainname, .hostPaths, .processAttribute,
      .foregroundProcessGroup:
      return kind
    }
  }

  /// `text` with every `fd[N]` written `fd[_]`, so slot renumbering compares equal.
  static func normalized(_ text: String) -> String {
    var out = ""
    var rest = Substring(text)
    while let range = rest.firstRange(of: "fd[") {
      out += rest[..<range.upperBound]
      rest = rest[range.upperBound...]
      let digits = rest.prefix { $0.isASCII && $0.isNumber }
      if !digits.isEmpty, rest.dropFirst(digits.count).first == "]" {
        out += "_"
        rest = rest.dropFirst(digits.count)
      }
    }
    return out + rest
  }

  /// What must be equal for two matched steps to count as the same.
  static func content(_ step: Step) -> [String] {
    [step.actor.rawValue, step.title] + step.calls.map { normalized($0.description) }
  }
}

extension PlanDiff {
  /// A longest-common-subsequence alignment of two sequences.
  enum Alignment: Hashable {
    case matched(Int, Int)
    case removed(Int)
    case added(Int)

    /// Pairs equal elements of `old` and `new` so that as many as possible match, in order; the rest are removed
    /// (only in `old`) or added (only in `new`), removals first between two matches. Quadratic: plans are short.
    static func align<Element: Equatable>(_ old: [Element], _ new: [Element]) -> [Alignment] {
      let (m, n) = (old.count, new.count)
      // common[i][j]: the length of the longest common subsequence of old[i...] and new[j...].
      var common = Array(repeating: Array(repeating: 0, count: n + 1), count: m + 1)
      for i in stride(from: m - 1, through: 0, by: -1) {
        for j in stride(from: n - 1, through: 0, by: -1) {
          common[i][j] = old[i] == new[j] ? common[i + 1][j + 1] + 1 : max(common[i + 1][j], common[i][j + 1])
        }
      }
      var result: [Alignment] = []
      var (i, j) = (0, 0)
      while i < m || j < n {
        if i < m, j < n, old[i] == new[j] {
          result.append(.matched(i, j))
          (i, j) = (i + 1, j + 1)
        } else if i < m, j == n || common[i + 1][j] >= common[i][j + 1] {
          result.append(.removed(i))
          i += 1
        } else {
          result.append(.added(j))
          j += 1
        }
      }
      return result
    }
  }
}
