import SpecParser

/// A `[process] rlimits` entry the command cannot get: setrlimit(2) would fail with EPERM after the sandbox was
/// built, so `check` and `plan` refuse it first, naming the current limit.
public struct LimitProblem: Sendable, Hashable, CustomStringConvertible {
  /// The spec key, `process.rlimits.nofile`.
  public var key: SpecKeyPath
  public var message: String

  public var description: String { message }
}

extension Planner {
  /// CAP_SYS_RESOURCE, which raising a hard limit needs (setrlimit(2)).
  static let sysResource: UInt64 = 1 << 24

  /// The spec's limits that the command cannot set, given nsbuild's current limits in `host`. Resource limits are not
  /// namespaced: raising a hard limit needs CAP_SYS_RESOURCE in the host's user namespace, which no process in a new
  /// user namespace has, and which nsbuild holds only as a root that was not denied it. A hard `nofile` limit above
  /// `fs.nr_open` is refused even then. Nothing is said of a limit that was not read.
  public static func limitProblems(of spec: Spec, host: HostFacts) -> [LimitProblem] {
    spec.process.rlimits.compactMap { limit in
      let key = SpecKeyPath("process").appending("rlimits").appending(limit.resource.rawValue)
      let wanted = limit.hard ?? UInt64.max
      if limit.resource == .nofile, let nrOpen = host.nrOpen, wanted > nrOpen {
        return LimitProblem(
          key: key,
          message:
            "rlimits: the hard nofile limit \(text(limit.hard)) is above fs.nr_open (\(nrOpen)), which setrlimit(2) refuses (EPERM) whatever the capabilities; set it to at most \(nrOpen)"
        )
      }
      guard let current = host.limits[limit.resource], wanted > current.hard ?? UInt64.max else { return nil }
      let why: String
      if spec.unshares(.user) {
        why =
          "resource limits are not namespaced, and no process in a new user namespace holds CAP_SYS_RESOURCE in the host's"
      } else if let caps = host.effectiveCapabilities, caps & sysResource == 0 {
        why = "nsbuild does not hold CAP_SYS_RESOURCE (CapEff in /proc/self/status)"
      } else {
        return nil
      }
      return LimitProblem(
        key: key,
        message:
          "rlimits: the hard \(limit.resource.rawValue) limit \(text(limit.hard)) is above the current one, \(text(current.hard)) (soft \(text(current.soft))), and cannot be raised: \(why); set it to at most \(text(current.hard)), or raise it before starting nsbuild"
      )
    }
  }

  private static func text(_ value: UInt64?) -> String { value.map(String.init) ?? "unlimited" }
}
