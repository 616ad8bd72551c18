/// "Did you mean" suggestions for misspelt keys and values.
enum Suggestion {
  /// `did you mean 'x'?` for the closest candidate within a small edit distance, or nil.
  static func didYouMean(_ word: String, among candidates: [String]) -> String? {
    closest(to: word, among: candidates).map { "did you mean '\($0)'?" }
  }

  /// The candidate with the fewest edits from `word`, if it is close enough to be a typo: at most a third of the
  /// word's length, and at least one edit allowed.
  /// A candidate that starts with the word or that the word starts with (`CAP_NET_BIND` for
  /// `CAP_NET_BIND_SERVICE`, `network` for `net`) is taken over one more than a single edit away.
  static func closest(to word: String, among candidates: [String]) -> String? {
    let limit = max(1, word.count / 3)
    let lowered = word.lowercased()
    var best: (String, Int)?
    var prefixed: String?
    for candidate in candidates {
      let other = candidate.lowercased()
      let distance = editDistance(lowered, other)
      if distance <= limit, distance < (best?.1 ?? Int.max) { best = (candidate, distance) }
      let related = other.hasPrefix(lowered) || lowered.hasPrefix(other)
      if min(word.count, candidate.count) >= 3, related, candidate.count < (prefixed?.count ?? Int.max) {
        prefixed = candidate
      }
    }
    if let prefixed, (best?.1 ?? Int.max) > 1 { return prefixed }
    return best?.0
  }

  /// Levenshtein distance counting a swap of two neighbours as one edit (optimal string alignment).
  static func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.unicodeScalars)
    let b = Array(b.unicodeScalars)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous2 = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          current[j] = min(current[j], previous2[j - 2] + 1)
        }
      }
      (previous2, previous, current) = (previous, current, previous2)
    }
    return previous[b.count]
  }
}
