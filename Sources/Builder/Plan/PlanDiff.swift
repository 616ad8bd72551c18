/// The difference between two plans: what a change to a spec changes in what `run` does, step by step, in the
/// warnings a review shows and in what `run` leaves on the host.
///
/// Steps are matched by ``key(of:)``: their kind plus what they act on, their ``Step/subject`` (a mount's target, a
/// file's path, a clock's name; the kind alone for steps a plan holds at most once, such as unshare or exec). The two
/// key sequences are aligned as a longest common subsequence, so a mount inserted in the middle shows as one added
/// step rather than every later step shifting. A step left out of that alignment in both plans under the same key
/// (a mount written elsewhere in the spec) is one step that moved, not one removed and one added. A matched pair is
/// changed when its actor, title or calls differ; step ids, spec positions, the state-dependent ``Step/change`` and
/// fd slot numbers (`fd[N]`, which shift when a mount is added) are ignored.
public struct PlanDiff: Sendable, Hashable {
  /// One difference, in plan order.
  public enum Entry: Sendable, Hashable {
    /// A step only the new plan takes.
    case added(Step)
    /// A step only the old plan takes.
    case removed(Step)
    /// A step both plans take, in the same order relative to the steps around it, with different calls.
    case changed(old: Step, new: Step)
    /// A step both plans take at another place in their order (the old step's id is where it was), its calls the
    /// same or not (``PlanDiff/differ(_:_:)``).
    case moved(old: Step, new: Step)
  }

  /// One call line that differs between the two versions of a changed step.
  public enum CallChange: Sendable, Hashable {
    /// A call only the old step makes, as ``Syscall/description`` writes it.
    case removed(String)
    /// A call only the new step makes.
    case added(String)
  }

  /// The step differences in plan order: removals before additions where both fall between the same matched steps,
  /// a moved step at its new place. Steps that are the same in both plans, at the same place, are left out.
  public var entries: [Entry]
  /// The warnings only one plan gives, compared by message with line and column numbers left out
  /// (``warningKey(_:)``), so a warning whose entry moved down the file is the same warning.
  public var warnings: ListDifference<PlanWarning>
  /// What `run` leaves on the host (``Plan/hostChanges``) under one plan and not the other.
  public var hostChanges: ListDifference<String>

  /// True when the two plans take the same steps in the same order, warn the same and leave the same on the host.
  public var isEmpty: Bool { entries.isEmpty && warnings.isEmpty && hostChanges.isEmpty }

  /// Compares `old` with `new`.
  public init(old: Plan, new: Plan) {
    entries = Self.entries(old: old.steps, new: new.steps)
    warnings = ListDifference(old: old.warnings, new: new.warnings, key: Self.warningKey)
    hostChanges = ListDifference(old: old.hostChanges, new: new.hostChanges) { $0 }
  }

  /// The aligned steps, with each step removed under a key that is also added under it (in order, when a key
  /// repeats) paired as one moved step.
  static func entries(old: [Step], new: [Step]) -> [Entry] {
    let pairs = Alignment.align(old.map(Self.key), new.map(Self.key))
    var removedUnder: [String: [Int]] = [:]
    for case .removed(let index) in pairs { removedUnder[key(of: old[index]), default: []].append(index) }
    var movedFrom: [Int: Int] = [:]
    for case .added(let index) in pairs {
      let key = key(of: new[index])
      if let from = removedUnder[key]?.first {
        movedFrom[index] = from
        removedUnder[key]?.removeFirst()
      }
    }
    let moved = Set(movedFrom.values)
    return pairs.compactMap { pair -> Entry? in
      switch pair {
      case .removed(let index): return moved.contains(index) ? nil : .removed(old[index])
      case .added(let index):
        return movedFrom[index].map { .moved(old: old[$0], new: new[index]) } ?? .added(new[index])
      case .matched(let oldIndex, let newIndex):
        let (before, after) = (old[oldIndex], new[newIndex])
        return differ(before, after) ? .changed(old: before, new: after) : nil
      }
    }
  }

  /// True when two steps of the same key do something different: another actor, title or calls (fd slot numbers
  /// aside).
  public static func differ(_ old: Step, _ new: Step) -> Bool { content(old) != content(new) }

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

  /// What identifies a warning across two plans: its message with the numbers after `line ` and `column ` written
  /// `_` (messages name other spec entries by line, which shift when an entry above them is added).
  public static func warningKey(_ warning: PlanWarning) -> String {
    replacingNumbers(
      after: "column ", in: replacingNumbers(after: "line ", in: warning.message, until: nil), until: nil)
  }

  /// `text` with every `fd[N]` written `fd[_]`, so slot renumbering compares equal.
  static func normalized(_ text: String) -> String {
    replacingNumbers(after: "fd[", in: text, until: "]")
  }

  /// `text` with each run of digits right after `prefix` (and right before `end`, when given) written `_`.
  static func replacingNumbers(after prefix: String, in text: String, until end: Character?) -> String {
    var out = ""
    var rest = Substring(text)
    while let range = rest.firstRange(of: prefix) {
      out += rest[..<range.upperBound]
      rest = rest[range.upperBound...]
      let digits = rest.prefix { $0.isASCII && $0.isNumber }
      if !digits.isEmpty, end == nil || rest.dropFirst(digits.count).first == end {
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
